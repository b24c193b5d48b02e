import type { Clock } from './clock.js';

/**
 * A small read-through cache for data that may be a few seconds stale (the public course list).
 * Each process keeps its own copy; with a short TTL, processes disagree for at most that long, and
 * the process that made a change clears its copy at once. Concurrent misses share one load.
 */
export function createTtlCache<V>(opts: { ttlMs: number; maxEntries: number; clock: Clock }) {
  const entries = new Map<string, { expires: number; value: Promise<V> }>();

  return {
    async get(key: string, load: () => Promise<V>): Promise<V> {
      if (opts.ttlMs <= 0) return load();
      const now = opts.clock.now().getTime();
      const hit = entries.get(key);
      if (hit && hit.expires > now) return hit.value;
      if (entries.size >= opts.maxEntries) entries.delete(entries.keys().next().value!);
      const value = load();
      entries.set(key, { expires: now + opts.ttlMs, value });
      // A failed load must not be served from the cache.
      value.catch(() => entries.delete(key));
      return value;
    },
    clear(): void {
      entries.clear();
    },
  };
}
