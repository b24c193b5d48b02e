import type { Knex } from 'knex';
import type { Clock } from './clock.js';
import type { Logger } from './logger.js';
import type { RedisConnection } from './redis.js';

const TABLE = 'cache_versions';
const CHANNEL = 'cache-versions';
/** How stale a cache may be in another process when Redis is absent or down: one tiny query per this long. */
const CHECK_EVERY_MS = 1_000;

/**
 * Invalidation of in-process caches across every process. A cache subscribes to names ('catalog',
 * 'recommendations'); an edit bumps a name after it committed, which clears the caches here at
 * once, counts one up in the cache_versions table and, with Redis, tells the other processes at
 * once. Each process also compares the table with what it last saw, at most once per CHECK_EVERY_MS
 * and only when a cache is read, so a lost message or a Redis outage delays a clear by a second at
 * most. Readers await that check, so a read more than a second after a bump never sees the old data.
 */
export interface CacheVersions {
  /** Runs `clear` in this process whenever any process bumps one of `names`. */
  subscribe(names: readonly string[], clear: () => void): void;
  /** Before a cached read: compares the shared versions if the last look is more than a second old. */
  sync(): Promise<void>;
  /** After an edit committed: every process, this one first, clears the caches of `name`. */
  bump(name: string): Promise<void>;
}

function subscriptions() {
  const clears = new Map<string, (() => void)[]>();
  return {
    add(names: readonly string[], clear: () => void) {
      for (const n of names) clears.set(n, [...(clears.get(n) ?? []), clear]);
    },
    clear(name: string) {
      for (const c of clears.get(name) ?? []) c();
    },
  };
}

/** One process alone (command-line tasks, benchmarks): a bump clears this process's caches. */
export function localCacheVersions(): CacheVersions {
  const subs = subscriptions();
  return {
    subscribe: subs.add,
    sync: async () => {},
    bump: async (name) => subs.clear(name),
  };
}

/**
 * Shared through the database, and through Redis pub/sub when given. The check interval runs on the
 * process's own monotonic time, not the app clock: tests freeze the app clock, and the question is
 * "how long since this process last looked", not what time it is.
 */
export function createCacheVersions(deps: { db: Knex; clock: Clock; log: Logger; redis: RedisConnection | null; checkEveryMs?: number }): CacheVersions {
  const { db, log, redis } = deps;
  const checkEveryMs = deps.checkEveryMs ?? CHECK_EVERY_MS;
  const subs = subscriptions();
  const seen = new Map<string, number>();
  let lastCheck = -Infinity;
  let checking: Promise<void> | null = null;

  /** Clears `name` if `version` is news to this process. */
  function learned(name: string, version: number): void {
    const before = seen.get(name);
    if (before !== undefined && before >= version) return;
    seen.set(name, version);
    subs.clear(name);
  }

  async function check(): Promise<void> {
    try {
      const rows = (await db(TABLE).select('name', 'version')) as { name: string; version: number | string }[];
      for (const r of rows) learned(String(r.name), Number(r.version));
    } catch (err) {
      // Caches then live out their short TTL; the page still renders.
      log.warn({ event: 'cache.versions_check_failed', err }, 'could not read cache versions');
    } finally {
      lastCheck = performance.now();
      checking = null;
    }
  }

  // A message names what was bumped; the next check of the table records its version (and may
  // clear once more, which costs one reload).
  redis?.subscribe(CHANNEL, (name) => subs.clear(name));

  return {
    subscribe: subs.add,
    sync() {
      if (checking) return checking;
      if (performance.now() - lastCheck < checkEveryMs) return Promise.resolve();
      checking = check();
      return checking;
    },
    async bump(name) {
      subs.clear(name);
      try {
        const now = deps.clock.now();
        // One upsert counts up or starts at 1, so two processes bumping at once both count.
        await db(TABLE)
          .insert({ name, version: 1, updated_at: now })
          .onConflict('name')
          .merge({ version: db.raw('?? + 1', [`${TABLE}.version`]), updated_at: now });
        // Not marked as seen here: another process's bump may hide in the count, and the next check
        // clears for it (one spare clear in this process).
        if (redis?.ready) await redis.client.publish(redis.prefix + CHANNEL, name);
      } catch (err) {
        // The edit itself committed: the other processes see it when their TTL runs out.
        log.error({ event: 'cache.bump_failed', name, err }, 'could not tell other processes to clear their caches');
      }
    },
  };
}
