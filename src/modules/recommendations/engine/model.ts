import type { NeighbourList } from './neighbours.js';

/** What one learner has, as the model sees it. */
export interface HistoryEntry {
  item: number;
  weight: number;
  completed: boolean;
}

/**
 * A trained model: plain arrays indexed by course number, so the batch can store it row by row and
 * an incremental run can load it back and rank a few learners without retraining.
 */
export interface Model {
  algorithm: 'ease' | 'knn';
  items: string[];
  itemIndex: Map<string, number>;
  category: (string | null)[];
  tags: string[][];
  recommendable: Uint8Array;
  /** Learners with any signal on the course. */
  learners: Int32Array;
  /** Learners with a signal in the 7 days before the build. */
  weekLearners: Int32Array;
  /** Recency-weighted popularity, 0..1. */
  popularity: Float64Array;
  /** The collaborative model's item-to-item weights (EASE^R's B, or item-kNN's cosine). */
  cf: NeighbourList[];
  /** Item-kNN with co-counts: "学了这门课的人还学了", whatever model ranks. */
  also: NeighbourList[];
  /** Courses learners took after this one: "下一步学什么". */
  next: NeighbourList[];
  content: NeighbourList[];
  histories: Map<string, HistoryEntry[]>;
}

/** Course numbers by popularity, best first. */
export function popularOrder(m: Model): number[] {
  return [...m.items.keys()].sort((a, b) => m.popularity[b]! - m.popularity[a]! || m.learners[b]! - m.learners[a]! || a - b);
}

/** The ten courses most learners came to this week: only these may say 本周热门. */
export function trendingSet(m: Model): Set<number> {
  return new Set(
    [...m.items.keys()]
      .filter((i) => m.weekLearners[i]! > 0)
      .sort((a, b) => m.weekLearners[b]! - m.weekLearners[a]! || a - b)
      .slice(0, 10),
  );
}
