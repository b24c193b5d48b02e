// Test harness for the WeChat Pay sandbox: a real HTTP server with the router mounted, a fresh
// database, throwaway keys, and a merchant-side signer written here with node:crypto (independent of
// the sandbox's own code, so a shared mistake cannot make both sides agree).
import { createPrivateKey, createPublicKey, randomBytes, sign, verify, createDecipheriv } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import type { Knex } from 'knex';
import { parseDatabaseUrl, type DatabaseConfig } from '../../../src/config/config.js';
import { systemClock, type Clock } from '../../../src/platform/clock.js';
import { migrateLatest, openDatabase } from '../../../src/platform/db/index.js';
import { createLogger } from '../../../src/platform/logger.js';
import { createWechatPaySandbox, generateSandboxKeys, type SandboxKeys, type WechatPaySandbox, type WechatPaySandboxConfig } from '../../../src/modules/sandbox/wechatpay/index.js';
import { createTestDatabase } from '../../support/test-db.js';

export const MOUNT = '/__sandbox/wechatpay';
export const MCHID = '1900000109';
export const APPID = 'wxd678efh567hg6787';

let cachedKeys: SandboxKeys | undefined;
/** RSA key generation is slow; one set per test file is plenty. */
export function testKeys(): SandboxKeys {
  cachedKeys ??= generateSandboxKeys();
  return cachedKeys;
}

export async function listen(app: express.Express): Promise<{ server: Server; url: string }> {
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

export async function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

export interface RunningSandbox {
  base: string;
  keys: SandboxKeys;
  db: Knex;
  dbConfig: DatabaseConfig;
  sandbox: WechatPaySandbox;
  /** A second sandbox instance on the same database, as another app process would run. */
  addInstance(overrides?: Partial<WechatPaySandboxConfig>): Promise<WechatPaySandbox>;
  close(): Promise<void>;
}

export async function startSandbox(overrides: Partial<WechatPaySandboxConfig> = {}, clock: Clock = systemClock): Promise<RunningSandbox> {
  const testDb = await createTestDatabase();
  const dbConfig = parseDatabaseUrl(testDb.url, 5, process.cwd()) as DatabaseConfig;
  const db = openDatabase(dbConfig);
  await migrateLatest(db);
  const keys = testKeys();
  const app = express();
  const { server, url } = await listen(app);
  const base = `${url}${MOUNT}`;
  const config: WechatPaySandboxConfig = {
    mchid: MCHID,
    appid: APPID,
    apiV3Key: keys.apiV3Key,
    merchantVerificationKeyPem: keys.merchant.certificatePem,
    merchantSerial: keys.merchant.serial,
    platformPrivateKeyPem: keys.platform.privateKeyPem,
    platformPublicKeyId: keys.platform.publicKeyId,
    publicBaseUrl: base,
    refundDelayMs: 0,
    pollIntervalMs: 20,
    ...overrides,
  };
  const logger = createLogger('silent');
  const sandbox = createWechatPaySandbox({ db, clock, logger, config });
  app.use('/static', express.static('public'));
  app.use(MOUNT, sandbox.router);
  sandbox.start();
  const extra: Array<{ sandbox: WechatPaySandbox; db: Knex }> = [];
  return {
    base,
    keys,
    db,
    dbConfig,
    sandbox,
    async addInstance(more = {}) {
      const db2 = openDatabase(dbConfig);
      const s = createWechatPaySandbox({ db: db2, clock, logger, config: { ...config, ...more } });
      s.start();
      extra.push({ sandbox: s, db: db2 });
      return s;
    },
    async close() {
      await sandbox.stop();
      for (const e of extra) {
        await e.sandbox.stop();
        await e.db.destroy();
      }
      await closeServer(server);
      await db.destroy();
      await testDb.drop();
    },
  };
}

// ---- The merchant's side, written independently -----------------------------------------------------

export interface SignOptions {
  timestamp?: number;
  nonce?: string;
  serial?: string;
  mchid?: string;
  privateKeyPem?: string;
  /** Sign this path instead of the one sent. */
  signedPath?: string;
  /** Sign this body instead of the one sent. */
  signedBody?: string;
}

export function authorization(keys: SandboxKeys, method: string, pathAndQuery: string, body: string, o: SignOptions = {}): string {
  const ts = String(o.timestamp ?? Math.floor(Date.now() / 1000));
  const nonce = o.nonce ?? randomBytes(16).toString('hex').toUpperCase();
  const message = `${method}\n${o.signedPath ?? pathAndQuery}\n${ts}\n${nonce}\n${o.signedBody ?? body}\n`;
  const signature = sign('sha256', Buffer.from(message), createPrivateKey(o.privateKeyPem ?? keys.merchant.privateKeyPem)).toString('base64');
  return `WECHATPAY2-SHA256-RSA2048 mchid="${o.mchid ?? MCHID}",nonce_str="${nonce}",signature="${signature}",timestamp="${ts}",serial_no="${o.serial ?? keys.merchant.serial}"`;
}

export interface SignedResponse {
  status: number;
  text: string;
  json: Record<string, unknown> | null;
  headers: Headers;
}

/** Calls the sandbox API as a merchant would: path relative to WeChat's host, signed. */
export async function callApi(s: Pick<RunningSandbox, 'base' | 'keys'>, method: 'GET' | 'POST', pathAndQuery: string, body?: unknown, o: SignOptions = {}): Promise<SignedResponse> {
  const text = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
  const headers: Record<string, string> = { Accept: 'application/json', Authorization: authorization(s.keys, method, pathAndQuery, text, o) };
  if (text !== '') headers['Content-Type'] = 'application/json';
  const res = await fetch(`${s.base}${pathAndQuery}`, { method, headers, body: text === '' ? undefined : text });
  const out = await res.text();
  return { status: res.status, text: out, json: out ? (JSON.parse(out) as Record<string, unknown>) : null, headers: res.headers };
}

/** Checks WeChat's response/notification signature with the platform public key. */
export function wechatSignatureValid(keys: SandboxKeys, headers: Headers | Record<string, string | string[] | undefined>, body: string): boolean {
  const get = (name: string) => (headers instanceof Headers ? headers.get(name) : (headers[name.toLowerCase()] as string | undefined)) ?? '';
  const message = `${get('Wechatpay-Timestamp')}\n${get('Wechatpay-Nonce')}\n${body}\n`;
  try {
    return verify('sha256', Buffer.from(message), createPublicKey(keys.platform.publicKeyPem), Buffer.from(get('Wechatpay-Signature'), 'base64'));
  } catch {
    return false;
  }
}

export function decryptResource(apiV3Key: string, r: { ciphertext: string; nonce: string; associated_data: string }): Record<string, unknown> {
  const data = Buffer.from(r.ciphertext, 'base64');
  const d = createDecipheriv('aes-256-gcm', Buffer.from(apiV3Key), Buffer.from(r.nonce));
  d.setAAD(Buffer.from(r.associated_data));
  d.setAuthTag(data.subarray(data.length - 16));
  return JSON.parse(Buffer.concat([d.update(data.subarray(0, data.length - 16)), d.final()]).toString('utf8')) as Record<string, unknown>;
}

let orderSeq = 0;
export function outTradeNo(prefix = 'T'): string {
  return `${prefix}${Date.now()}${String(++orderSeq).padStart(4, '0')}${randomBytes(2).toString('hex')}`;
}

export function nativeOrder(no: string, over: Record<string, unknown> = {}): Record<string, unknown> {
  return { appid: APPID, mchid: MCHID, description: '知付课程：Node.js 实战', out_trade_no: no, notify_url: 'https://example.com/wechatpay/notify', amount: { total: 9900, currency: 'CNY' }, ...over };
}

export async function control(s: Pick<RunningSandbox, 'base'>, path: string, body: unknown = {}): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${s.base}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, json: (await res.json().catch(() => ({}))) as Record<string, unknown> };
}

export async function waitFor<T>(fn: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 5000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 15));
  }
}
