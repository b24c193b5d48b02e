import { progressBar } from '../platform/progress.js';
import { DEFAULT_ENGINE_CONFIG } from '../modules/recommendations/engine/index.js';
import {
  engineRecommender,
  evaluate,
  formatReport,
  itemKnn,
  mostPopular,
  parseFlags,
  underCategoryCap,
  readOfflineData,
  required,
  runCli,
  wholeNumber,
} from '../modules/recommendations/offline/index.js';

// npm run recs:evaluate -- --data ratings.csv [--items items.csv] [--seed 42] [--k 10] [--json]
// Holds out 20% of each learner's courses and scores the engine against most-popular and plain
// item-kNN on them (and, to show what the category cap costs, item-kNN under the same cap and the
// engine without it). Use it before changing a weight or a default: a change that does not move
// these numbers is not worth its complexity.

const USAGE = 'usage: npm run recs:evaluate -- --data ratings.csv [--items items.csv] [--seed 42] [--k 10] [--json]';

await runCli(USAGE, async () => {
  const flags = parseFlags({
    data: { type: 'string' },
    items: { type: 'string' },
    seed: { type: 'string' },
    k: { type: 'string' },
    json: { type: 'boolean' },
  });
  const dataPath = required(flags.data, 'data');
  const seed = wholeNumber(flags.seed, 'seed', 42, { min: 0, max: 0xffffffff });
  const k = wholeNumber(flags.k, 'k', 10, { min: 1 });
  const started = performance.now();
  const data = await readOfflineData(dataPath, flags.items);
  const bar = progressBar(process.stderr);
  // The engine keeps the product's rule of at most 4 courses of a category in a top 10, which costs
  // precision whenever learners stay in one category; the last two rows show that cost from both
  // sides, so a ranking change and the rule are never confused.
  const cap = DEFAULT_ENGINE_CONFIG.categoryCap;
  const models = [engineRecommender(), mostPopular, itemKnn({ neighbours: 100 })];
  // Without categories (no --items, or none given) the cap changes nothing: no rows that say it does.
  if (data.items.some((i) => i.category)) {
    models.push(underCategoryCap(itemKnn({ neighbours: 100 }), cap), { ...engineRecommender({ ...DEFAULT_ENGINE_CONFIG, categoryCap: 10 }), name: 'engine (no cap)' });
  }
  const report = await evaluate(data, models, { seed, k, onProgress: (done, total, stage) => bar.update(done, total, stage) });
  bar.done(`evaluated ${models.length} models in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  process.stdout.write(flags.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report));
});
