/**
 * A map that forgets its least recently used entries once their total weight passes `budget`
 * (weight 1 each unless `weigh` says otherwise). For values that are a pure function of their key,
 * such as rendered Markdown or a compiled statement, so every process may keep its own copy.
 */
export function createLru<V>(budget: number, weigh: (key: string, value: V) => number = () => 1) {
  const kept = new Map<string, V>();
  let used = 0;
  return {
    get(key: string): V | undefined {
      const hit = kept.get(key);
      if (hit !== undefined) {
        // A Map iterates in insertion order: re-inserting makes this the most recently used.
        kept.delete(key);
        kept.set(key, hit);
      }
      return hit;
    },
    delete(key: string): void {
      const old = kept.get(key);
      if (old === undefined) return;
      kept.delete(key);
      used -= weigh(key, old);
    },
    set(key: string, value: V): void {
      const weight = weigh(key, value);
      if (weight > budget) return;
      const old = kept.get(key);
      if (old !== undefined) used -= weigh(key, old);
      kept.delete(key);
      kept.set(key, value);
      used += weight;
      for (const [oldKey, oldValue] of kept) {
        if (used <= budget) break;
        kept.delete(oldKey);
        used -= weigh(oldKey, oldValue);
      }
    },
  };
}
