import { spread } from '../engine/index.js';
import type { Interaction } from '../engine/types.js';

/** How one recommender did on the held-out courses: accuracy first, then what it spreads across the catalogue. */
export interface Metrics {
  /** Mean over learners with held-out courses of hits / k. */
  precision: number;
  /** Mean of hits / number of held-out courses. */
  recall: number;
  /** Mean NDCG@k with binary relevance; the ideal list puts min(k, held-out) hits first. */
  ndcg: number;
  /** Distinct courses recommended to anyone / catalogue size. */
  coverage: number;
  /** Share of all recommendation slots taken by the 10% most popular courses in train. */
  popularShare: number;
  /** Gini index of how often each catalogue course is recommended: 0 all equally, 1 one course only. */
  gini: number;
  /** Learners scored. */
  users: number;
}

/**
 * Scores top-k lists against held-out courses. A learner with held-out courses but no list (the
 * recommender had nothing) counts as zero hits, so a recommender cannot look better by staying silent.
 */
export function computeMetrics(
  lists: ReadonlyMap<string, readonly string[]>,
  test: ReadonlyMap<string, ReadonlySet<string>>,
  opts: { k: number; catalogue: readonly string[]; popular: ReadonlySet<string> },
): Metrics {
  const { k } = opts;
  let precision = 0;
  let recall = 0;
  let ndcg = 0;
  for (const [user, held] of test) {
    const list = (lists.get(user) ?? []).slice(0, k);
    let hits = 0;
    let dcg = 0;
    list.forEach((item, rank) => {
      if (!held.has(item)) return;
      hits++;
      dcg += 1 / Math.log2(rank + 2);
    });
    let idcg = 0;
    for (let rank = 0; rank < Math.min(k, held.size); rank++) idcg += 1 / Math.log2(rank + 2);
    precision += hits / k;
    recall += hits / held.size;
    ndcg += idcg > 0 ? dcg / idcg : 0;
  }
  const users = test.size;
  const scored = [...lists].filter(([user]) => test.has(user)).map(([, list]) => list);
  const { coverage, popularShare, counts } = spread(scored, opts);
  return {
    precision: users ? precision / users : 0,
    recall: users ? recall / users : 0,
    ndcg: users ? ndcg / users : 0,
    coverage,
    popularShare,
    gini: gini(counts),
    users,
  };
}

/**
 * The most bought `share` of the catalogue in the training data (at least one course), ties broken
 * by id so the set is the same on every run.
 */
export function mostPopularItems(train: readonly Interaction[], catalogue: readonly string[], share = 0.1): Set<string> {
  const counts = new Map<string, number>(catalogue.map((id) => [id, 0]));
  for (const x of train) counts.set(x.item, (counts.get(x.item) ?? 0) + 1);
  const ranked = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const n = Math.max(1, Math.ceil(catalogue.length * share));
  return new Set(ranked.slice(0, n).map(([id]) => id));
}

/** Gini index of non-negative counts: Σ(2i − n − 1)·xᵢ / (n·Σx) over the counts sorted ascending. */
export function gini(counts: readonly number[]): number {
  const n = counts.length;
  const total = counts.reduce((s, c) => s + c, 0);
  if (n === 0 || total === 0) return 0;
  const sorted = [...counts].sort((a, b) => a - b);
  let weighted = 0;
  sorted.forEach((c, i) => {
    weighted += (2 * (i + 1) - n - 1) * c;
  });
  return weighted / (n * total);
}
