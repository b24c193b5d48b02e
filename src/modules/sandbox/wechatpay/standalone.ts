// `npm run sandbox`: the WeChat Pay sandbox on its own, on SANDBOX_PORT, with its own SQLite file under
// SANDBOX_DIR (data/sandbox), speaking with the keys the environment gives it (see standalone-config.ts).
// It answers at the root, as WeChat's host does (WECHATPAY_API_BASE=http://127.0.0.1:<port>), and at
// /__sandbox/wechatpay, where its pay pages and test controls also live.
import path from 'node:path';
import express from 'express';
import { PROJECT_ROOT, readEnvironment } from '../../../config/environment.js';
import { systemClock } from '../../../platform/clock.js';
import { migrateLatest, openDatabase } from '../../../platform/db/index.js';
import { createLogger } from '../../../platform/logger.js';
import { createWechatPaySandbox } from './index.js';
import { standaloneSandboxConfig } from './standalone-config.js';

const MOUNT = '/__sandbox/wechatpay';

async function main(): Promise<void> {
  const env = readEnvironment();
  const port = Number(env.SANDBOX_PORT || 3100);
  const host = env.SANDBOX_HOST || '127.0.0.1';
  const timeScale = Number(env.SANDBOX_TIME_SCALE || 1);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`SANDBOX_PORT must be a port number, got "${env.SANDBOX_PORT}"`);
  if (!(timeScale > 0)) throw new Error(`SANDBOX_TIME_SCALE must be a positive number, got "${env.SANDBOX_TIME_SCALE}"`);
  const dataDir = path.resolve(PROJECT_ROOT, env.SANDBOX_DIR || 'data/sandbox');
  const logger = createLogger(env.LOG_LEVEL || 'info');
  const db = openDatabase({ client: 'sqlite', filename: path.join(dataDir, 'wechatpay-sandbox.db'), embedded: false });
  await migrateLatest(db);
  const { config, sources } = standaloneSandboxConfig(env, process.cwd(), dataDir);
  const baseUrl = `${(env.SANDBOX_PUBLIC_URL || `http://${host}:${port}`).replace(/\/$/, '')}${MOUNT}`;

  const sandbox = createWechatPaySandbox({
    db,
    clock: systemClock,
    logger,
    config: { ...config, publicBaseUrl: baseUrl, timeScale },
  });

  const app = express();
  app.disable('x-powered-by');
  app.use('/static', express.static(path.join(PROJECT_ROOT, 'public'), { index: false }));
  app.use(MOUNT, sandbox.router);
  // WeChat's own paths at the root, so WECHATPAY_API_BASE=http://host:port works like the real host.
  app.use(sandbox.router);
  const server = app.listen(port, host);
  await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject));
  sandbox.start();
  const root = baseUrl.slice(0, -MOUNT.length);
  logger.info({ event: 'sandbox.wechatpay.listening', baseUrl, mchid: config.mchid, appid: config.appid, signatureMode: config.signatureMode, sources }, 'WeChat Pay sandbox listening');
  const from = (s: string) => (s === 'environment' ? 'from the environment' : `generated in ${path.join(dataDir, 'wechatpay-keys.json')}`);
  process.stdout.write(
    `\n  WeChat Pay sandbox at ${root} (WECHATPAY_API_BASE) and ${baseUrl}\n` +
      `  mchid ${config.mchid}, appid ${config.appid}, ${config.signatureMode} mode\n` +
      `  APIv3 key ${from(sources.apiV3Key)}; merchant key ${from(sources.merchant)}; platform key ${from(sources.platform)}\n\n`,
  );

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
