import { randomBytes } from 'node:crypto';
import type { Express } from 'express';
import type { Knex } from 'knex';
import { buildApp, type BuiltApp } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config/config.js';
import { fixedClock } from '../../src/platform/clock.js';
import { migrateLatest, openDatabase } from '../../src/platform/db/index.js';
import { createLogger } from '../../src/platform/logger.js';
import { connectRedis, type RedisConnection } from '../../src/platform/redis.js';
import { createTestDatabase } from './test-db.js';
import { testEnvironment } from './test-app.js';

/** Redis tests run when TEST_REDIS_URL is set, as MariaDB tests run when TEST_DATABASE_URL is. */
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL || null;

/** A key prefix of its own for one test, so parallel test files never meet on one Redis server. */
export const testRedisPrefix = () => `zhifu-test:${randomBytes(5).toString('hex')}:`;

export interface PeerApp {
  app: Express;
  /** This process's own pool on the shared database. */
  db: Knex;
  config: Config;
  redis: RedisConnection | null;
  buildRecommendations: BuiltApp['buildRecommendations'];
}

/**
 * Several app processes as a deployment runs them: each its own knex pool (and Redis connections),
 * all on one fresh database (and, with `redisPrefix`, one Redis namespace). One fixed clock for all,
 * so the caches' TTLs never run out by themselves: only invalidation can refresh them.
 */
export async function startAppsOnOneDatabase(count: number, env: Record<string, string> = {}, opts: { redis?: { url: string; prefix: string } } = {}) {
  const testDb = await createTestDatabase();
  const clock = fixedClock(new Date());
  const apps: PeerApp[] = [];
  for (let i = 0; i < count; i++) {
    const config = loadConfig(testEnvironment(testDb.url, env));
    const db = openDatabase(config.database);
    await migrateLatest(db);
    const logger = createLogger(config.logLevel);
    const redis = opts.redis ? connectRedis({ url: opts.redis.url, prefix: opts.redis.prefix, log: logger }) : null;
    const built = buildApp({ config, db, clock, logger, redis });
    apps.push({ app: built.app, db, config, redis, buildRecommendations: built.buildRecommendations });
  }
  return {
    apps,
    clock,
    dialect: testDb.dialect,
    /** Until every Redis connection can take commands (they connect in the background). */
    async redisReady(timeoutMs = 5_000) {
      const until = Date.now() + timeoutMs;
      while (apps.some((a) => a.redis && !a.redis.ready)) {
        if (Date.now() > until) throw new Error('Redis did not become ready');
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async close() {
      for (const a of apps) {
        await a.redis?.close();
        await a.db.destroy();
      }
      await testDb.drop();
    },
  };
}
