// The offline tools' surface: CSV files in, the product's engine and plain baselines, metrics out.
// The CLIs `recs:offline`, `recs:evaluate` and `recs:generate` are thin wrappers over these.
export { parseCsv, csvRow } from './csv.js';
export { DataFileError } from './data-file-error.js';
export {
  formatItemsCsv,
  formatRatingsCsv,
  parseItemsCsv,
  parseRatingsCsv,
  parseTimestamp,
  readOfflineData,
  toOfflineData,
  type OfflineData,
} from './datasets.js';
export { mulberry32, splitPerUser } from './split.js';
export { computeMetrics, gini, mostPopularItems, type Metrics } from './metrics.js';
export type { OfflineRecommender, TrainedRecommender, TrainingData } from './recommender.js';
export { itemKnn, mostPopular, underCategoryCap } from './baselines.js';
export { engineRecommender } from './engine-recommender.js';
export { evaluate, formatReport, type EvaluationReport } from './evaluation.js';
export { AREAS, generateSynthetic, joinWords, STANDALONE_TITLES, type Area, type SyntheticInteraction, type Word } from './synthetic.js';
export { ensureDirectory, parseFlags, required, runCli, wholeNumber, writeOutput } from './cli-support.js';
