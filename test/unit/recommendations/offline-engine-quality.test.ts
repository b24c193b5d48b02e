import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_ENGINE_CONFIG } from '../../../src/modules/recommendations/engine/index.js';
import {
  engineRecommender,
  evaluate,
  formatItemsCsv,
  formatRatingsCsv,
  generateSynthetic,
  itemKnn,
  mostPopular,
  parseItemsCsv,
  parseRatingsCsv,
  toOfflineData,
  underCategoryCap,
  type EvaluationReport,
} from '../../../src/modules/recommendations/offline/index.js';

// The product's engine with its shipped defaults, on the synthetic shop read back from the same CSV
// files `recs:generate` writes, scored as `recs:evaluate` scores it. Measured on this data (1500
// learners × 200 courses, data seed 7, split seed 42; seeds 1 and 2 in brackets):
//   engine 0.0625 (0.0662, 0.0578) · most-popular 0.0282 · item-kNN 0.0662 · item-kNN under the
//   same 4-per-category cap 0.0507 · engine without the cap 0.0709; NDCG@10 engine 0.363,
//   item-kNN 0.335
// The cap costs any ranker 13–25% here, because most synthetic learners stay in one or two
// categories: so the engine is held to beat the baselines on equal rules, and its ranking
// (uncapped) to beat plain item-kNN's.
const OVER_MOST_POPULAR = 1.8;
const OVER_CAPPED_ITEM_KNN = 1.1;
const UNCAPPED_OVER_ITEM_KNN = 1.03;

let report: EvaluationReport;
const result = (name: string) => report.results.find((r) => r.name === name)!.metrics;
const precision = (name: string) => result(name).precision;
const table = () => report.results.map((r) => `${r.name} ${r.metrics.precision.toFixed(4)}`).join(', ');

beforeAll(async () => {
  const shop = generateSynthetic({ seed: 7, learners: 1500, courses: 200 });
  const data = toOfflineData(parseRatingsCsv(formatRatingsCsv(shop.interactions), 'ratings.csv'), parseItemsCsv(formatItemsCsv(shop.items), 'items.csv'), 'ratings.csv');
  report = await evaluate(
    data,
    [
      engineRecommender(),
      mostPopular,
      itemKnn({ neighbours: 100 }),
      underCategoryCap(itemKnn({ neighbours: 100 }), DEFAULT_ENGINE_CONFIG.categoryCap),
      { ...engineRecommender({ ...DEFAULT_ENGINE_CONFIG, categoryCap: 10 }), name: 'engine (no cap)' },
    ],
    { seed: 42, k: 10 },
  );
});

describe('the engine on the synthetic shop', () => {
  it(`beats most-popular on precision@10 by at least ${OVER_MOST_POPULAR}×`, () => {
    expect(precision('engine') / precision('most-popular'), table()).toBeGreaterThanOrEqual(OVER_MOST_POPULAR);
  });

  it(`beats item-kNN held to the same category cap by at least ${OVER_CAPPED_ITEM_KNN}×, and ranks hits higher than plain item-kNN (NDCG@10)`, () => {
    expect(precision('engine') / precision('item-knn (cap 4)'), table()).toBeGreaterThanOrEqual(OVER_CAPPED_ITEM_KNN);
    expect(result('engine').ndcg, table()).toBeGreaterThan(result('item-knn').ndcg);
  });

  it(`without the cap, beats plain item-kNN on precision@10 by at least ${UNCAPPED_OVER_ITEM_KNN}×`, () => {
    expect(precision('engine (no cap)') / precision('item-knn'), table()).toBeGreaterThanOrEqual(UNCAPPED_OVER_ITEM_KNN);
  });

  it('recommends well beyond the best-sellers', () => {
    const engine = result('engine');
    expect(engine.coverage).toBeGreaterThan(0.5);
    expect(engine.popularShare).toBeLessThan(result('most-popular').popularShare);
  });
});
