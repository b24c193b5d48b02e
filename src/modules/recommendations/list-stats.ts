import type { Model } from './engine/index.js';

/**
 * Fairness beside accuracy, for each build: catalogue coverage (share of recommendable courses in
 * some learner's top 10) and concentration (share of all top-10 slots taken by the 10% most
 * popular courses). A model that only ever shows the bestsellers scores high on the second.
 */
export function listStats(tops: readonly (readonly number[])[], m: Model): { coverage: number; concentration: number } {
  const recommendable = m.items.filter((_, i) => m.recommendable[i] === 1).length;
  const byPopularity = [...m.items.keys()].sort((a, b) => m.learners[b]! - m.learners[a]! || a - b);
  const head = new Set(byPopularity.slice(0, Math.max(1, Math.ceil(m.items.length / 10))).map((i) => Number(m.items[i])));
  const seen = new Set<number>();
  let slots = 0;
  let inHead = 0;
  for (const top of tops) {
    for (const id of top) {
      seen.add(id);
      slots += 1;
      if (head.has(id)) inHead += 1;
    }
  }
  return {
    coverage: recommendable > 0 ? seen.size / recommendable : 0,
    concentration: slots > 0 ? inHead / slots : 0,
  };
}
