import type { Server } from 'node:http';
import { buildApp } from './app.js';
import { ConfigError, loadConfig } from './config/config.js';
import { readEnvironment } from './config/environment.js';
import { systemClock } from './platform/clock.js';
import { migrateLatest, openDatabase } from './platform/db/index.js';
import { KnexSessionStore } from './platform/http/index.js';
import { createLogger } from './platform/logger.js';
import { seedDemoCatalogIfEmpty } from './modules/catalog/index.js';

const DRAIN_TIMEOUT_MS = 10_000;
const PRUNE_SESSIONS_EVERY_MS = 15 * 60_000;

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(readEnvironment());
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`知付 cannot start.\n${err.message}\nSee .env.example for every variable.\n`);
      process.exit(1);
    }
    throw err;
  }
  const logger = createLogger(config.logLevel);
  const db = openDatabase(config.database);

  const applied = await migrateLatest(db);
  if (applied.length > 0) logger.info({ event: 'db.migrated', applied }, 'database migrated');
  if (config.seedDemoData) {
    const n = await seedDemoCatalogIfEmpty(db, systemClock);
    if (n > 0) logger.info({ event: 'catalog.demo_seeded', courses: n }, 'demo catalogue created');
  }

  const { app, jobs } = buildApp({ config, db, logger, clock: systemClock });
  const server: Server = app.listen(config.port, config.host);
  await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const url = config.publicUrl ?? `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${port}`;
  logger.info({ event: 'server.listening', url, port, database: config.database.client }, 'listening');
  if (config.env !== 'production') process.stdout.write(`\n  知付 is running at ${url}\n\n`);

  jobs.start();

  // Expired sessions accumulate otherwise; every process may prune, the delete is idempotent.
  const sessions = new KnexSessionStore(db, systemClock, config.session.maxAgeMs);
  const pruner = setInterval(() => {
    sessions.prune().catch((err: unknown) => logger.warn({ err }, 'session prune failed'));
  }, PRUNE_SESSIONS_EVERY_MS);
  pruner.unref();

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ event: 'server.stopping', signal }, 'draining connections');
    clearInterval(pruner);
    const force = setTimeout(() => server.closeAllConnections(), DRAIN_TIMEOUT_MS);
    force.unref();
    // Stop accepting, let in-flight requests finish, then close idle keep-alive sockets and the pool.
    server.close(() => {
      jobs
        .stop()
        .catch((err: unknown) => logger.warn({ err }, 'background jobs did not stop cleanly'))
        .then(() => db.destroy())
        .finally(() => {
          logger.info({ event: 'server.stopped' }, 'stopped');
          process.exit(0);
        });
    });
    server.closeIdleConnections();
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((err: unknown) => {
  process.stderr.write(`知付 failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
