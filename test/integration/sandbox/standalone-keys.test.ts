import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createWechatPayClient } from '../../../src/modules/payments/index.js';
import { systemClock } from '../../../src/platform/clock.js';
import { migrateLatest, openDatabase } from '../../../src/platform/db/index.js';
import { parseDatabaseUrl, type DatabaseConfig } from '../../../src/config/config.js';
import { createLogger } from '../../../src/platform/logger.js';
import { createTestDatabase } from '../../support/test-db.js';

// `npm run sandbox` with a merchant's own keys: here the official test keys from the WeChat Pay SDKs.
// The app's real client, configured with the same keys and WECHATPAY_API_BASE at the sandbox's root,
// can only succeed if the sandbox verified the merchant's signature with the given certificate and
// signed its answers with the given platform key.
const ROOT = path.resolve(import.meta.dirname, '../../..');
const VECTORS = path.join(ROOT, 'test/fixtures/wechat-vectors');
const vector = (f: string) => path.join(VECTORS, f);
const API_V3_KEY = 'a7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb';
const PUBLIC_KEY_ID = 'PUB_KEY_ID_0114232134912410000000000000';
const MERCHANT_SERIAL = '5F1C72E2A8931B72A2E13AF8DEE92471EB397115';
const PLATFORM_CERT_SERIAL = '440024045C4A427599D09BB4E3DE0279F2E813FD';

const running: Array<{ child: ChildProcess; dir: string }> = [];
afterAll(async () => {
  for (const r of running) {
    r.child.kill('SIGTERM');
    await new Promise((resolve) => r.child.once('exit', resolve));
    rmSync(r.dir, { recursive: true, force: true });
  }
});

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const port = (srv.address() as { port: number }).port;
  await new Promise((resolve) => srv.close(resolve));
  return port;
}

/** Starts `npm run sandbox`'s entry point with `env` and waits for its banner. */
async function startStandalone(env: Record<string, string>): Promise<{ base: string; banner: string; dir: string }> {
  const port = await freePort();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'zhifu-standalone-'));
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/modules/sandbox/wechatpay/standalone.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, LOG_LEVEL: 'silent', SANDBOX_PORT: String(port), SANDBOX_DIR: dir, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.push({ child, dir });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const until = Date.now() + 20_000;
  while (!out.includes('WeChat Pay sandbox at')) {
    if (Date.now() > until || child.exitCode !== null) throw new Error(`standalone sandbox did not start:\n${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return { base: `http://127.0.0.1:${port}`, banner: out, dir };
}

const officialMerchant = {
  WECHATPAY_MCHID: '1900000109',
  WECHAT_APPID: 'wx8888888888888888',
  WECHATPAY_APIV3_KEY: API_V3_KEY,
  WECHATPAY_MERCHANT_CERT_FILE: vector('merchant_certificate.pem'),
  SANDBOX_WECHATPAY_PRIVATE_KEY_FILE: vector('wechat_pay_private_key.pem'),
};

const merchantSettings = (apiBase: string, publicKey: { id: string; pem: string } | null) => ({
  appid: 'wx8888888888888888',
  mchid: '1900000109',
  apiV3Key: API_V3_KEY,
  privateKeyPem: readFileSync(vector('merchant_private_key.pem'), 'utf8'),
  serial: MERCHANT_SERIAL,
  publicKey,
  platformCertificatePems: [],
  apiBase,
});

const order = (no: string) => ({ outTradeNo: no, description: '知付课程-官方测试密钥', amountFen: 100, notifyUrl: 'http://127.0.0.1:9/wechatpay/notify', expiresAt: new Date(Date.now() + 30 * 60_000) });

describe('npm run sandbox with the keys it is given', () => {
  it('in public-key mode verifies the merchant’s certificate, signs with the given key and PUB_KEY_ID, and answers at the root', async () => {
    const s = await startStandalone({ ...officialMerchant, WECHATPAY_PUBLIC_KEY_ID: PUBLIC_KEY_ID });
    const wechat = createWechatPayClient({ clock: systemClock, log: createLogger('silent'), merchant: merchantSettings(s.base, { id: PUBLIC_KEY_ID, pem: readFileSync(vector('wechat_pay_public_key.pem'), 'utf8') }) });

    const prepay = await wechat.native(order('ZFVECTORS0000000000000001'));
    const queried = await wechat.query('ZFVECTORS0000000000000001');

    expect(prepay.codeUrl).toMatch(/^weixin:\/\/wxpay\/bizpayurl\?pr=/);
    expect(queried).toMatchObject({ mchid: '1900000109', appid: 'wx8888888888888888', trade_state: 'NOTPAY' });
    expect(s.banner).toContain('APIv3 key from the environment; merchant key from the environment; platform key from the environment');
    // Everything was given, so nothing was generated.
    expect(existsSync(path.join(s.dir, 'wechatpay-keys.json'))).toBe(false);
  });

  it('in certificate mode serves the given platform certificate, which the real client downloads and verifies', async () => {
    const s = await startStandalone({ ...officialMerchant, SANDBOX_SIGNATURE_MODE: 'certificate', SANDBOX_WECHATPAY_CERT_FILE: vector('wechat_pay_certificate.pem') });
    const testDb = await createTestDatabase();
    const db = openDatabase(parseDatabaseUrl(testDb.url, 2, process.cwd()) as DatabaseConfig);
    try {
      await migrateLatest(db);
      const wechat = createWechatPayClient({ db, clock: systemClock, log: createLogger('silent'), merchant: merchantSettings(s.base, null) });

      const prepay = await wechat.native(order('ZFVECTORS0000000000000002'));

      expect(prepay.codeUrl).toMatch(/^weixin:/);
      expect(await db('wechatpay_platform_certificates').pluck('serial_no')).toEqual([PLATFORM_CERT_SERIAL]);
    } finally {
      await db.destroy();
      await testDb.drop();
    }
  });

  it('refuses a request signed with another merchant key, as WeChat would', async () => {
    const s = await startStandalone({ ...officialMerchant, WECHATPAY_PUBLIC_KEY_ID: PUBLIC_KEY_ID });
    const wechat = createWechatPayClient({
      clock: systemClock,
      log: createLogger('silent'),
      merchant: { ...merchantSettings(s.base, { id: PUBLIC_KEY_ID, pem: readFileSync(vector('wechat_pay_public_key.pem'), 'utf8') }), privateKeyPem: readFileSync(vector('go_test_key.pem'), 'utf8') },
    });

    await expect(wechat.native(order('ZFVECTORS0000000000000003'))).rejects.toMatchObject({ status: 401, code: 'SIGN_ERROR', verified: true });
  });

  it('generates only what is not given, and says so', async () => {
    const s = await startStandalone({ WECHATPAY_MCHID: '1900000109', WECHAT_APPID: 'wx8888888888888888', WECHATPAY_APIV3_KEY: API_V3_KEY });

    expect(s.banner).toContain('APIv3 key from the environment');
    expect(s.banner).toContain('merchant key generated in');
    expect(JSON.parse(readFileSync(path.join(s.dir, 'wechatpay-keys.json'), 'utf8')).apiV3Key).not.toBe(API_V3_KEY);
  });
});
