import os from 'node:os';
import path from 'node:path';
import type { Express } from 'express';
import type { Knex } from 'knex';
import { buildApp, type BuiltApp } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config/config.js';
import { fixedClock } from '../../src/platform/clock.js';
import { migrateLatest, openDatabase } from '../../src/platform/db/index.js';
import { createLogger } from '../../src/platform/logger.js';
import { createTestDatabase } from './test-db.js';

export interface TestApp {
  app: Express;
  db: Knex;
  config: Config;
  clock: ReturnType<typeof fixedClock>;
  dialect: 'sqlite' | 'mysql';
  /** Writes the analytics events the requests so far recorded. */
  flushEvents(): Promise<void>;
  buildRecommendations: BuiltApp['buildRecommendations'];
  /** Sends the renewal reminders due now, as the schedule would. */
  sendRenewalReminders: BuiltApp['sendRenewalReminders'];
  close(): Promise<void>;
}

/** One generated sandbox merchant for every test file: key generation is slow and the keys are fake. */
export const TEST_SANDBOX_DIR = path.join(os.tmpdir(), 'zhifu-test-sandbox-keys');

/** The settings every test app runs with: limits high enough that only the tests about them hit them. */
export function testEnvironment(databaseUrl: string, env: Record<string, string> = {}): Record<string, string> {
  return {
    NODE_ENV: 'test',
    DATABASE_URL: databaseUrl,
    SANDBOX_DIR: TEST_SANDBOX_DIR,
    LOGIN_RATE_LIMIT: '1000',
    REGISTER_RATE_LIMIT: '1000',
    COMMENT_RATE_LIMIT: '1000',
    REPORT_RATE_LIMIT: '1000',
    ...env,
  };
}

/** The real app on a fresh, migrated database. `env` overrides configuration for one test file. */
export async function startTestApp(env: Record<string, string> = {}): Promise<TestApp> {
  const testDb = await createTestDatabase();
  // Tests change courses behind the app's back (factories write the database directly).
  const config = loadConfig(testEnvironment(testDb.url, { CATALOG_CACHE_SECONDS: '0', ...env }));
  const db = openDatabase(config.database);
  await migrateLatest(db);
  const clock = fixedClock(new Date());
  // Real time passes under the fixed clock only when a test moves it; sessions expire relative to it.
  const { app, flushEvents, buildRecommendations, sendRenewalReminders } = buildApp({ config, db, clock, logger: createLogger(config.logLevel) });
  return {
    app,
    db,
    config,
    clock,
    dialect: testDb.dialect,
    flushEvents,
    buildRecommendations,
    sendRenewalReminders,
    async close() {
      await db.destroy();
      await testDb.drop();
    },
  };
}
