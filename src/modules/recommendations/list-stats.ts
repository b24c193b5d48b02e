import { spread, type Model } from './engine/index.js';

/**
 * A build's fairness figures, beside accuracy: catalogue coverage (share of recommendable courses
 * in some learner's top 10) and concentration (share of all top-10 slots taken by the 10% of
 * courses with the most learners).
 */
export function listStats(tops: readonly (readonly number[])[], m: Model): { coverage: number; concentration: number } {
  const byLearners = [...m.items.keys()].sort((a, b) => m.learners[b]! - m.learners[a]! || a - b);
  const popular = new Set(byLearners.slice(0, Math.max(1, Math.ceil(m.items.length / 10))).map((i) => m.items[i]!));
  const catalogue = m.items.filter((_, i) => m.recommendable[i] === 1);
  const { coverage, popularShare } = spread(
    tops.map((top) => top.map(String)),
    { k: 10, catalogue, popular },
  );
  return { coverage, concentration: popularShare };
}
