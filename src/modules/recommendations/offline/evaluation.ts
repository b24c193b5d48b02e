import type { OfflineData } from './datasets.js';
import { computeMetrics, mostPopularItems, type Metrics } from './metrics.js';
import type { OfflineRecommender } from './recommender.js';
import { splitPerUser } from './split.js';

export interface EvaluationResult {
  name: string;
  metrics: Metrics;
  /** Training plus ranking every held-out learner. */
  seconds: number;
}

export interface EvaluationReport {
  k: number;
  seed: number;
  data: { learners: number; courses: number; interactions: number; train: number; test: number; testLearners: number };
  results: EvaluationResult[];
  /** The first recommender's precision over each other one's (null when that one scored zero). */
  precisionRatios: { against: string; ratio: number | null }[];
}

/**
 * Every recommender trains on the same 80% and ranks the whole catalogue (minus what the learner
 * has in train) for every learner with held-out courses; nothing is sampled, so the numbers are
 * the ones a learner would see.
 */
export async function evaluate(
  data: OfflineData,
  recommenders: readonly OfflineRecommender[],
  opts: { seed: number; k: number; onProgress?: (done: number, total: number, stage: string) => void },
): Promise<EvaluationReport> {
  const { train, test } = splitPerUser(data.interactions, { seed: opts.seed });
  const latest = train.reduce((t, x) => (x.at !== null && x.at.getTime() > t ? x.at.getTime() : t), Number.NEGATIVE_INFINITY);
  const trainData = { interactions: train, items: data.items, now: Number.isFinite(latest) ? new Date(latest) : data.now };
  const catalogue = data.items.map((i) => i.id);
  const popular = mostPopularItems(train, catalogue, 0.1);
  const results: EvaluationResult[] = [];
  for (const r of recommenders) {
    const started = performance.now();
    const progress = opts.onProgress ? (done: number, total: number, what: string) => opts.onProgress!(done, total, `${r.name}: ${what}`) : undefined;
    const model = await r.train(trainData, progress);
    const lists = new Map<string, string[]>();
    let done = 0;
    for (const user of test.keys()) {
      lists.set(user, model.recommend(user, opts.k));
      if (++done % 200 === 0 || done === test.size) progress?.(done, test.size, 'ranking');
    }
    results.push({ name: r.name, metrics: computeMetrics(lists, test, { k: opts.k, catalogue, popular }), seconds: (performance.now() - started) / 1000 });
  }
  const subject = results[0];
  const held = [...test.values()].reduce((s, t) => s + t.size, 0);
  return {
    k: opts.k,
    seed: opts.seed,
    data: {
      learners: new Set(data.interactions.map((x) => x.user)).size,
      courses: catalogue.length,
      interactions: data.interactions.length,
      train: train.length,
      test: held,
      testLearners: test.size,
    },
    results,
    precisionRatios: results.slice(1).map((b) => ({ against: b.name, ratio: subject && b.metrics.precision > 0 ? subject.metrics.precision / b.metrics.precision : null })),
  };
}

export function formatReport(r: EvaluationReport): string {
  const k = r.k;
  const d = r.data;
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  const head = ['model', `P@${k}`, `R@${k}`, `NDCG@${k}`, 'coverage', 'top-10% share', 'gini', 'time'];
  const rows = r.results.map((x) => [
    x.name,
    x.metrics.precision.toFixed(4),
    x.metrics.recall.toFixed(4),
    x.metrics.ndcg.toFixed(4),
    pct(x.metrics.coverage),
    pct(x.metrics.popularShare),
    x.metrics.gini.toFixed(3),
    `${x.seconds.toFixed(1)} s`,
  ]);
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((row) => row[c]!.length)));
  // The name column reads left to right; numbers line up on the right.
  const line = (cells: string[]) => cells.map((s, c) => (c === 0 ? s.padEnd(widths[c]!) : s.padStart(widths[c]!))).join('  ');
  const subject = r.results[0]?.name ?? '';
  const ratios = r.precisionRatios.map((p) => `${p.ratio === null ? 'n/a' : `${p.ratio.toFixed(2)}×`} ${p.against}`).join(', ');
  return [
    `${d.learners} learners, ${d.courses} courses, ${d.interactions} interactions; seed ${r.seed}: train ${d.train}, test ${d.test} held out from ${d.testLearners} learners`,
    '',
    line(head),
    ...rows.map(line),
    '',
    `${subject} precision@${k}: ${ratios}`,
    '',
  ].join('\n');
}
