import type { Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDatabaseUrl, type DatabaseConfig } from '../../../src/config/config.js';
import { createCacheVersions } from '../../../src/platform/cache-versions.js';
import { systemClock } from '../../../src/platform/clock.js';
import { migrateLatest, openDatabase } from '../../../src/platform/db/index.js';
import { createLogger } from '../../../src/platform/logger.js';
import { connectRedis, type RedisConnection } from '../../../src/platform/redis.js';
import { TEST_REDIS_URL, testRedisPrefix } from '../../support/shared-database-apps.js';
import { createTestDatabase } from '../../support/test-db.js';

// The invalidation every in-process cache relies on, between "processes" that each have their own
// pool on one database: what it costs, and what happens when Redis is not there.
const log = createLogger('silent');
let url: string;
let drop: () => Promise<void>;
const pools: Knex[] = [];
const redises: RedisConnection[] = [];
beforeAll(async () => {
  const testDb = await createTestDatabase();
  url = testDb.url;
  drop = testDb.drop;
  await migrateLatest(pool());
});
afterAll(async () => {
  for (const r of redises) await r.close();
  for (const p of pools) await p.destroy();
  await drop();
});

function pool(): Knex {
  const db = openDatabase(parseDatabaseUrl(url, 2, process.cwd()) as DatabaseConfig);
  pools.push(db);
  return db;
}

function redis(redisUrl: string, prefix: string): RedisConnection {
  const r = connectRedis({ url: redisUrl, prefix, log });
  redises.push(r);
  return r;
}

/** A process's versions and how many times its caches of `name` were cleared. */
function processWith(opts: { name: string; checkEveryMs: number; redis?: RedisConnection; db?: Knex }) {
  const db = opts.db ?? pool();
  const versions = createCacheVersions({ db, clock: systemClock, log, redis: opts.redis ?? null, checkEveryMs: opts.checkEveryMs });
  const cleared = { n: 0 };
  versions.subscribe([opts.name], () => cleared.n++);
  return { db, versions, cleared };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('cache versions through the database', () => {
  it('count every bump when several processes bump at once', async () => {
    const procs = Array.from({ length: 4 }, () => processWith({ name: 'parallel', checkEveryMs: 1_000 }));

    await Promise.all(procs.flatMap((p) => [p.versions.bump('parallel'), p.versions.bump('parallel')]));

    const row = await procs[0]!.db('cache_versions').where({ name: 'parallel' }).first('version');
    expect(Number(row.version)).toBe(8);
  });

  it('clear another process once its next look comes, and cost it one tiny query per interval however often it reads', async () => {
    const editor = processWith({ name: 'catalog-x', checkEveryMs: 1_000 });
    const reader = processWith({ name: 'catalog-x', checkEveryMs: 1_000 });
    await reader.versions.sync();
    let queries = 0;
    reader.db.on('query', () => queries++);

    await editor.versions.bump('catalog-x');
    for (let i = 0; i < 500; i++) await reader.versions.sync();
    const sameInterval = { queries, cleared: reader.cleared.n };
    await sleep(1_050);
    await Promise.all(Array.from({ length: 50 }, () => reader.versions.sync()));

    expect(editor.cleared.n).toBe(1);
    expect(sameInterval).toEqual({ queries: 0, cleared: 0 });
    expect(queries).toBe(1);
    expect(reader.cleared.n).toBe(1);
  });

  it('still clear every process through the database when Redis cannot be reached, without failing the edit', async () => {
    const down = () => redis('redis://127.0.0.1:1', testRedisPrefix());
    const editor = processWith({ name: 'no-redis', checkEveryMs: 50, redis: down() });
    const reader = processWith({ name: 'no-redis', checkEveryMs: 50, redis: down() });
    await reader.versions.sync();

    await expect(editor.versions.bump('no-redis')).resolves.toBeUndefined();
    await sleep(60);
    await reader.versions.sync();

    expect(editor.cleared.n).toBe(1);
    expect(reader.cleared.n).toBe(1);
  });

  it('keep serving (the caches live out their TTL) while the database cannot be read', async () => {
    // Not in `pools`: it is closed here, as a database that went away.
    const db = openDatabase(parseDatabaseUrl(url, 2, process.cwd()) as DatabaseConfig);
    const reader = processWith({ name: 'db-down', checkEveryMs: 10, db });
    await db.destroy();

    await expect(reader.versions.sync()).resolves.toBeUndefined();
    await expect(reader.versions.bump('db-down')).resolves.toBeUndefined();
    // The bump still cleared this process's own caches.
    expect(reader.cleared.n).toBe(1);
  });
});

// Only where a Redis server is given (CI's MariaDB run): the database variants above run everywhere.
const redisUrl = TEST_REDIS_URL;
if (redisUrl) describe('cache versions through Redis', () => {
  it('clear another process at once, long before its next look at the database', async () => {
    const prefix = testRedisPrefix();
    const connections = [redis(redisUrl, prefix), redis(redisUrl, prefix)] as const;
    const editor = processWith({ name: 'instant', checkEveryMs: 3_600_000, redis: connections[0] });
    const reader = processWith({ name: 'instant', checkEveryMs: 3_600_000, redis: connections[1] });
    await reader.versions.sync();
    while (!connections.every((r) => r.ready)) await sleep(20);

    // The subscription is made in the background: bump until it has carried one message.
    const start = Date.now();
    while (reader.cleared.n === 0 && Date.now() - start < 3_000) {
      await editor.versions.bump('instant');
      await sleep(50);
    }

    expect(reader.cleared.n).toBeGreaterThan(0);
    const before = reader.cleared.n;
    await editor.versions.bump('instant');
    await sleep(100);
    expect(reader.cleared.n).toBe(before + 1);
  });
});
