import type { Express } from 'express';
import type { Knex } from 'knex';
import { buildApp, type BuiltApp } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config/config.js';
import { systemClock, type Clock } from '../../src/platform/clock.js';
import { migrateLatest, openDatabase } from '../../src/platform/db/index.js';
import { createLogger } from '../../src/platform/logger.js';
import { listenOnFreePort } from '../../bench/lib/ports.js';
import { createTestDatabase } from './test-db.js';
import { testEnvironment } from './test-app.js';

export { TEST_SANDBOX_DIR } from './test-app.js';

export interface ListeningApp {
  /** http://127.0.0.1:<port>, where the app, its notify URL and the mounted WeChat Pay sandbox answer. */
  baseUrl: string;
  app: Express;
  db: Knex;
  config: Config;
  /** The clock given to buildApp, when the caller passed one. */
  clock?: Clock;
  payments: BuiltApp['payments'];
  sandbox: NonNullable<BuiltApp['sandbox']>;
  jobs: BuiltApp['jobs'];
  flushEvents: BuiltApp['flushEvents'];
  buildRecommendations: BuiltApp['buildRecommendations'];
  /** Sends the renewal reminders due now, as the schedule would. */
  sendRenewalReminders: BuiltApp['sendRenewalReminders'];
  close(): Promise<void>;
}

/**
 * The real app on a fresh, migrated database, listening on a free port, in WeChat Pay sandbox mode:
 * the app reaches the simulator (and the simulator reaches the notify URL) over real HTTP, as in
 * production. Background jobs are not started: tests drive the sandbox with POST /sandbox/tick and
 * reconciliation with payments.reconcile(), unless they call `jobs.start()` themselves.
 */
export async function startListeningApp(env: Record<string, string> = {}, opts: { clock?: Clock } = {}): Promise<ListeningApp> {
  const testDb = await createTestDatabase();
  // The port must be known before buildApp: the notify_url and the sandbox base URL contain it.
  const build = async (port: number, attempt: number) => {
    // Notification retries (15 s, 15 s, 30 s…) become milliseconds.
    const config = loadConfig(testEnvironment(testDb.url, { HOST: '127.0.0.1', PORT: String(port), SANDBOX_TIME_SCALE: '1000', ...env }));
    const db = openDatabase(config.database);
    if (attempt === 1) await migrateLatest(db);
    const built = buildApp({ config, db, clock: opts.clock ?? systemClock, logger: createLogger(config.logLevel) });
    return { app: built.app, config, db, built };
  };
  const listening = await listenOnFreePort(build, ({ db }) => db.destroy()).catch(async (err: unknown) => {
    await testDb.drop();
    throw err;
  });
  const { port, server } = listening;
  const { config, db, built } = listening.built;
  if (!built.sandbox) throw new Error('startListeningApp expects sandbox mode: pass no WECHATPAY_* merchant variables');
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    app: built.app,
    db,
    config,
    clock: opts.clock,
    payments: built.payments,
    sandbox: built.sandbox,
    jobs: built.jobs,
    flushEvents: built.flushEvents,
    buildRecommendations: built.buildRecommendations,
    sendRenewalReminders: built.sendRenewalReminders,
    async close() {
      await built.jobs.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await db.destroy();
      await testDb.drop();
    },
  };
}
