import type { CacheVersions } from './cache-versions.js';
import type { Clock } from './clock.js';

/**
 * A small read-through cache for data that may be a few seconds stale (the public course list).
 * Each process keeps its own copy for at most the TTL; `shared` names what clears it everywhere
 * sooner: an edit bumps the name (see cache-versions.ts) and every process drops its copy within
 * about a second. Concurrent misses share one load.
 */
export function createTtlCache<V>(opts: { ttlMs: number; maxEntries: number; clock: Clock; shared?: { versions: CacheVersions; names: readonly string[] } }) {
  const entries = new Map<string, { expires: number; value: Promise<V> }>();
  opts.shared?.versions.subscribe(opts.shared.names, () => entries.clear());

  return {
    async get(key: string, load: () => Promise<V>): Promise<V> {
      if (opts.ttlMs <= 0) return load();
      await opts.shared?.versions.sync();
      const now = opts.clock.now().getTime();
      const hit = entries.get(key);
      if (hit && hit.expires > now) return hit.value;
      if (entries.size >= opts.maxEntries) entries.delete(entries.keys().next().value!);
      const value = load();
      entries.set(key, { expires: now + opts.ttlMs, value });
      // A failed load must not be served from the cache, nor evict a load that replaced it since.
      value.catch(() => {
        if (entries.get(key)?.value === value) entries.delete(key);
      });
      return value;
    },
  };
}
