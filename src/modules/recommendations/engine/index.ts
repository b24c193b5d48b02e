// The recommendation engine: pure computation over learners, courses and signals, no database.
// The batch (`recs:build`) and the offline tools (`recs:offline`, `recs:evaluate`) both call it.
import { buildDataset, learnersOf, type Dataset } from './dataset.js';
import { coOccurrence } from './co-occurrence.js';
import { contentNeighbours } from './content.js';
import { easeNeighbours } from './ease.js';
import type { HistoryEntry, Model } from './model.js';
import { createRanker } from './ranker.js';
import type { EngineConfig, Interaction, ItemInfo, Recommendation } from './types.js';
import { DEFAULT_WEIGHTS } from './weights.js';

export type { EngineConfig, Interaction, ItemInfo, Reason, ReasonKind, Recommendation, SignalWeights } from './types.js';
export type { HistoryEntry, Model } from './model.js';
export type { NeighbourList } from './neighbours.js';
export { capCategories, createRanker, type Ranker } from './ranker.js';
export { popularOrder } from './model.js';
export { spread } from './spread.js';
export { DEFAULT_WEIGHTS, interactionWeight, decay } from './weights.js';
export { tokenizer } from './tokenizer.js';
export { breathe } from './breathe.js';

const WEEK_MS = 7 * 86_400_000;

/** Defaults chosen by `npm run recs:evaluate` on the synthetic catalogue (module README). */
export const DEFAULT_ENGINE_CONFIG: EngineConfig = {
  weights: DEFAULT_WEIGHTS,
  model: 'auto',
  denseMaxItems: 2000,
  easeLambda: 100,
  knnShrink: 10,
  neighbours: 50,
  blendLearnerHalf: 0.3,
  blendItemHalf: 3,
  contentShare: 0.6,
  categoryCap: 4,
};

export type Progress = (done: number, total: number, stage: string) => void;

export async function trainModel(data: { interactions: readonly Interaction[]; items: readonly ItemInfo[]; now: Date }, cfg: EngineConfig, onProgress?: Progress): Promise<Model> {
  const d = buildDataset(data.interactions, data.items, cfg.weights, data.now);
  const n = d.items.length;
  const algorithm = cfg.model === 'ease' || (cfg.model === 'auto' && n <= cfg.denseMaxItems) ? 'ease' : 'knn';
  onProgress?.(0, n, 'content');
  const content = await contentNeighbours(data.items, { k: cfg.neighbours });
  onProgress?.(0, n, algorithm === 'ease' ? 'EASE^R solve' : 'item-kNN');
  const ease = algorithm === 'ease' && n > 0 ? await easeNeighbours(d, { lambda: cfg.easeLambda, k: cfg.neighbours }) : null;
  const { knn, next } = await coOccurrence(d, {
    shrink: cfg.knnShrink,
    k: cfg.neighbours,
    // EASE^R's weights say nothing of how many learners share a pair; the counts come from here.
    onRow: ease ? (i, co) => ease[i]!.ids.forEach((j, t) => (ease[i]!.co[t] = co[j]!)) : undefined,
    onProgress: onProgress ? (done, total) => onProgress(done, total, 'co-occurrence') : undefined,
  });

  const cutoff = data.now.getTime() - WEEK_MS;
  const learners = new Int32Array(n);
  const weekLearners = new Int32Array(n);
  const popularity = new Float64Array(n);
  for (let p = 0; p < d.rowItem.length; p++) {
    const i = d.rowItem[p]!;
    popularity[i]! += d.rowWeight[p]! * d.rowRecency[p]!;
    if (d.rowTime[p]! >= cutoff) weekLearners[i]! += 1;
  }
  const histories = historiesOf(d);
  for (let i = 0; i < n; i++) learners[i] = learnersOf(d, i);
  // Log-scaled so the one blockbuster does not flatten every other course to zero.
  const maxPop = Math.max(0, ...popularity.map((x) => Math.log1p(x)));
  for (let i = 0; i < n; i++) popularity[i] = maxPop > 0 ? Math.log1p(popularity[i]!) / maxPop : 0;

  return {
    algorithm,
    items: d.items,
    itemIndex: d.itemIndex,
    category: data.items.map((i) => i.category ?? null),
    tags: data.items.map((i) => i.tags.map((t) => t.toLowerCase())),
    recommendable: Uint8Array.from(data.items, (i) => (i.recommendable === false ? 0 : 1)),
    learners,
    weekLearners,
    popularity,
    cf: ease ?? knn,
    also: knn,
    next,
    content,
    histories,
  };
}

function historiesOf(d: Dataset): Map<string, HistoryEntry[]> {
  const histories = new Map<string, HistoryEntry[]>();
  for (let u = 0; u < d.users.length; u++) {
    const h: HistoryEntry[] = [];
    for (let p = d.rowPtr[u]!; p < d.rowPtr[u + 1]!; p++) h.push({ item: d.rowItem[p]!, weight: d.rowWeight[p]! * d.rowRecency[p]!, completed: d.rowCompleted[p] === 1 });
    histories.set(d.users[u]!, h);
  }
  return histories;
}

/**
 * What some learners have, weighted exactly as training would weigh it: an incremental run ranks
 * them against the stored model without retraining.
 */
export function learnerHistories(interactions: readonly Interaction[], items: readonly ItemInfo[], cfg: EngineConfig, now: Date): Map<string, HistoryEntry[]> {
  return historiesOf(buildDataset(interactions, items, cfg.weights, now));
}

/**
 * A ranker over a trained model: `(learner id, options) → top k`, for a learner of the training
 * data or, for anyone else, the cold-start list. Build one and call it for every learner.
 */
export function recommender(m: Model, cfg: EngineConfig = DEFAULT_ENGINE_CONFIG) {
  const ranker = createRanker(m, cfg);
  return (user: string, opts: { k: number; exclude?: ReadonlySet<string> }): Recommendation[] => {
    const exclude = new Set<number>();
    for (const id of opts.exclude ?? []) {
      const i = m.itemIndex.get(id);
      if (i !== undefined) exclude.add(i);
    }
    return ranker(m.histories.get(user) ?? [], { k: opts.k, exclude });
  };
}
