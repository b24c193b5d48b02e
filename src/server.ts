import type { Server } from 'node:http';
import { buildApp } from './app.js';
import { ConfigError, loadConfig, type Config } from './config/config.js';
import { readEnvironment } from './config/environment.js';
import { systemClock } from './platform/clock.js';
import { migrateLatest, openDatabase } from './platform/db/index.js';
import { KnexSessionStore } from './platform/http/index.js';
import { createLogger } from './platform/logger.js';
import { connectRedis } from './platform/redis.js';
import { seedDemoCatalogIfEmpty } from './modules/catalog/index.js';

/** How long in-flight requests get to finish after SIGTERM before their sockets are closed. */
export const DRAIN_TIMEOUT_MS = 10_000;
const PRUNE_SESSIONS_EVERY_MS = 15 * 60_000;

/** The configuration, or a list of what is wrong with it and exit 1: nothing has been opened yet. */
export function loadConfigOrExit(): Readonly<Config> {
  try {
    return loadConfig(readEnvironment());
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`知付 cannot start.\n${err.message}\nSee .env.example for every variable.\n`);
      process.exit(1);
    }
    throw err;
  }
}

/** Where people reach the site, for the start-up banner. */
export function siteUrl(config: Config, port: number): string {
  return config.publicUrl ?? `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${port}`;
}

/**
 * One app process, as `npm start` runs it and as every `npm run start:cluster` worker runs it:
 * load the config, migrate (several processes may do so at once), listen, run the background jobs
 * (each job takes a lease, so one process at a time runs it), and drain on SIGTERM or SIGINT.
 * `banner: false` leaves the "running at" line to the cluster's primary.
 */
export async function startServer(opts: { banner: boolean } = { banner: true }): Promise<void> {
  const config = loadConfigOrExit();
  const logger = createLogger(config.logLevel);
  const db = openDatabase(config.database);

  const applied = await migrateLatest(db);
  if (applied.length > 0) logger.info({ event: 'db.migrated', applied }, 'database migrated');
  if (config.seedDemoData) {
    const n = await seedDemoCatalogIfEmpty(db, systemClock);
    if (n > 0) logger.info({ event: 'catalog.demo_seeded', courses: n }, 'demo catalogue created');
  }

  const redis = config.redis ? connectRedis({ url: config.redis.url, prefix: config.redis.keyPrefix, log: logger }) : null;
  const { app, jobs } = buildApp({ config, db, logger, clock: systemClock, redis });
  const server: Server = app.listen(config.port, config.host);
  await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const url = siteUrl(config, port);
  logger.info({ event: 'server.listening', pid: process.pid, url, port, database: config.database.client, redis: redis !== null }, 'listening');
  if (opts.banner && config.env !== 'production') process.stdout.write(`\n  知付 is running at ${url}\n\n`);

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
    logger.info({ event: 'server.stopping', pid: process.pid, signal }, 'draining connections');
    clearInterval(pruner);
    const force = setTimeout(() => server.closeAllConnections(), DRAIN_TIMEOUT_MS);
    force.unref();
    // Stop accepting, let in-flight requests finish, then close idle keep-alive sockets and the pool.
    server.close(() => {
      jobs
        .stop()
        .catch((err: unknown) => logger.warn({ err }, 'background jobs did not stop cleanly'))
        .then(() => redis?.close())
        .then(() => db.destroy())
        .finally(() => {
          logger.info({ event: 'server.stopped', pid: process.pid }, 'stopped');
          process.exit(0);
        });
    });
    server.closeIdleConnections();
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

/** The last word of a process that could not start. */
export function exitOnStartFailure(err: unknown): never {
  process.stderr.write(`知付 failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
}
