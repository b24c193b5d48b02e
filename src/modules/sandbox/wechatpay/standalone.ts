// `npm run sandbox`: the WeChat Pay sandbox on its own, on SANDBOX_PORT, with its own SQLite file and
// keys under data/sandbox/. Point an app at http://127.0.0.1:<port>/__sandbox/wechatpay.
import path from 'node:path';
import express from 'express';
import { PROJECT_ROOT, readEnvironment } from '../../../config/environment.js';
import { systemClock } from '../../../platform/clock.js';
import { migrateLatest, openDatabase } from '../../../platform/db/index.js';
import { createLogger } from '../../../platform/logger.js';
import { createWechatPaySandbox, loadOrCreateSandboxKeys } from './index.js';

const MOUNT = '/__sandbox/wechatpay';

async function main(): Promise<void> {
  const env = readEnvironment();
  const port = Number(env.SANDBOX_PORT || 3100);
  const host = env.SANDBOX_HOST || '127.0.0.1';
  const timeScale = Number(env.SANDBOX_TIME_SCALE || 1);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`SANDBOX_PORT must be a port number, got "${env.SANDBOX_PORT}"`);
  if (!(timeScale > 0)) throw new Error(`SANDBOX_TIME_SCALE must be a positive number, got "${env.SANDBOX_TIME_SCALE}"`);
  const dataDir = path.resolve(PROJECT_ROOT, 'data/sandbox');
  const logger = createLogger(env.LOG_LEVEL || 'info');
  const db = openDatabase({ client: 'sqlite', filename: path.join(dataDir, 'wechatpay-sandbox.db'), embedded: false });
  await migrateLatest(db);
  const keys = loadOrCreateSandboxKeys(dataDir);
  const baseUrl = `${(env.SANDBOX_PUBLIC_URL || `http://${host}:${port}`).replace(/\/$/, '')}${MOUNT}`;

  const sandbox = createWechatPaySandbox({
    db,
    clock: systemClock,
    logger,
    config: {
      mchid: env.WECHATPAY_MCHID || '1900000001',
      appid: env.WECHAT_APPID || 'wxsandbox00000001',
      apiV3Key: keys.apiV3Key,
      merchantVerificationKeyPem: keys.merchant.certificatePem,
      merchantSerial: keys.merchant.serial,
      platformPrivateKeyPem: keys.platform.privateKeyPem,
      platformPublicKeyId: keys.platform.publicKeyId,
      platformCertificatePem: keys.platform.certificatePem,
      publicBaseUrl: baseUrl,
      timeScale,
    },
  });

  const app = express();
  app.disable('x-powered-by');
  app.use('/static', express.static(path.join(PROJECT_ROOT, 'public'), { index: false }));
  app.use(MOUNT, sandbox.router);
  const server = app.listen(port, host);
  await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject));
  sandbox.start();
  logger.info({ event: 'sandbox.wechatpay.listening', baseUrl, keys: path.join(dataDir, 'wechatpay-keys.json') }, 'WeChat Pay sandbox listening');
  process.stdout.write(`\n  WeChat Pay sandbox at ${baseUrl}\n  keys: ${path.join(dataDir, 'wechatpay-keys.json')}\n\n`);

  const shutdown = () => {
    server.close();
    server.closeIdleConnections();
    sandbox
      .stop()
      .then(() => db.destroy())
      .finally(() => process.exit(0));
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}

main().catch((err: unknown) => {
  process.stderr.write(`WeChat Pay sandbox failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
