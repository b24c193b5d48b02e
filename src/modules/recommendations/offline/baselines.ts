import { capCategories } from '../engine/index.js';
import type { OfflineRecommender, TrainedRecommender, TrainingData } from './recommender.js';

/*
 * Yardsticks for the engine, deliberately plain: purchases only, no weights, no decay, no blend,
 * no content. If the engine cannot beat these, its extra machinery is not paying for itself.
 */

/** The same best-sellers for everyone, minus what the learner already has. */
export const mostPopular: OfflineRecommender = {
  name: 'most-popular',
  async train(data) {
    const { itemIds, userItems } = index(data);
    const counts = new Int32Array(itemIds.length);
    for (const items of userItems.values()) for (const i of items) counts[i]! += 1;
    const ranked = itemIds.map((_, i) => i).sort((a, b) => counts[b]! - counts[a]! || a - b);
    return {
      recommend(user, k) {
        const own = userItems.get(user);
        const out: string[] = [];
        for (const i of ranked) {
          if (out.length >= k) break;
          if (!own?.has(i)) out.push(itemIds[i]!);
        }
        return out;
      },
    };
  },
};

/**
 * Textbook item-kNN on the binary learner × course matrix: cosine co(i,j) / √(nᵢ·nⱼ) with no
 * shrinkage, each course keeps its `neighbours` most similar courses, and a learner's score for a
 * course is the sum of its similarities to the learner's courses. Courses scoring zero are not
 * recommended, so a learner with obscure courses may get fewer than k.
 */
export function itemKnn(opts: { neighbours?: number } = {}): OfflineRecommender {
  const keep = opts.neighbours ?? 100;
  return {
    name: 'item-knn',
    async train(data): Promise<TrainedRecommender> {
      const { itemIds, userItems } = index(data);
      const n = itemIds.length;
      const itemUsers: number[][] = itemIds.map(() => []);
      const lists = [...userItems.values()].map((s) => [...s]);
      lists.forEach((items, u) => items.forEach((i) => itemUsers[i]!.push(u)));
      const nbrItem: Int32Array[] = [];
      const nbrSim: Float64Array[] = [];
      // Co-counts one course at a time through a scratch row: memory stays O(courses), not O(courses²).
      const co = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        const touched: number[] = [];
        for (const u of itemUsers[i]!) {
          for (const j of lists[u]!) {
            if (j === i) continue;
            if (co[j] === 0) touched.push(j);
            co[j]! += 1;
          }
        }
        const ni = itemUsers[i]!.length;
        const sims = touched.map((j) => ({ j, s: co[j]! / Math.sqrt(ni * itemUsers[j]!.length) }));
        for (const j of touched) co[j] = 0;
        sims.sort((a, b) => b.s - a.s || a.j - b.j);
        const top = sims.slice(0, keep);
        nbrItem.push(Int32Array.from(top, (x) => x.j));
        nbrSim.push(Float64Array.from(top, (x) => x.s));
      }
      const score = new Float64Array(n);
      return {
        recommend(user, k) {
          const own = userItems.get(user);
          if (!own) return [];
          const touched: number[] = [];
          for (const i of own) {
            const items = nbrItem[i]!;
            const sims = nbrSim[i]!;
            for (let p = 0; p < items.length; p++) {
              const j = items[p]!;
              if (own.has(j)) continue;
              if (score[j] === 0) touched.push(j);
              score[j]! += sims[p]!;
            }
          }
          const ranked = touched.map((j) => ({ j, s: score[j]! })).sort((a, b) => b.s - a.s || a.j - b.j);
          for (const j of touched) score[j] = 0;
          return ranked.slice(0, k).map((x) => itemIds[x.j]!);
        },
      };
    },
  };
}

/** Catalogue positions and each learner's set of positions; courses outside the catalogue are ignored. */
function index(data: TrainingData) {
  const itemIds = data.items.map((i) => i.id);
  const itemIndex = new Map(itemIds.map((id, i) => [id, i]));
  const userItems = new Map<string, Set<number>>();
  for (const x of data.interactions) {
    if (!x.purchased) continue;
    const i = itemIndex.get(x.item);
    if (i === undefined) continue;
    const own = userItems.get(x.user);
    if (own) own.add(i);
    else userItems.set(x.user, new Set([i]));
  }
  return { itemIds, userItems };
}

/**
 * A baseline held to the product's rule of at most `cap` courses of one category in a top 10
 * (the engine's own `capCategories`), so the engine and the baseline are compared on ranking, not
 * on the rule: the rule costs any ranker precision when learners stay in one category.
 */
export function underCategoryCap(base: OfflineRecommender, cap: number): OfflineRecommender {
  return {
    name: `${base.name} (cap ${cap})`,
    async train(data, onProgress) {
      const model = await base.train(data, onProgress);
      const category = new Map(data.items.map((i) => [i.id, i.category ?? null]));
      return {
        recommend: (user, k) => capCategories(model.recommend(user, k * 3), (id) => category.get(id) ?? null, cap, 10).slice(0, k),
      };
    },
  };
}
