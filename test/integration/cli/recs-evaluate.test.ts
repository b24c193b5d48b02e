import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatItemsCsv, formatRatingsCsv, generateSynthetic, type EvaluationReport } from '../../../src/modules/recommendations/offline/index.js';

// `npm run recs:evaluate` as people run it: a real process on real files.
const ROOT = path.resolve(import.meta.dirname, '../../..');
let dir: string;
let ratings: string;
let items: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'zhifu-recs-evaluate-'));
  const shop = generateSynthetic({ seed: 5, learners: 400, courses: 60 });
  ratings = path.join(dir, 'ratings.csv');
  items = path.join(dir, 'items.csv');
  writeFileSync(ratings, formatRatingsCsv(shop.interactions));
  writeFileSync(items, formatItemsCsv(shop.items));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(args: string[]) {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/cli/recs-evaluate.ts', ...args], { cwd: ROOT, env: { PATH: process.env.PATH } });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}
const withoutTimes = (r: EvaluationReport) => ({ ...r, results: r.results.map((x) => ({ ...x, seconds: 0 })) });

describe('npm run recs:evaluate', () => {
  it('prints one aligned row per model and the engine’s precision ratio to each baseline', async () => {
    const res = await run(['--data', ratings, '--items', items]);

    expect(res.code).toBe(0);
    const lines = res.stdout.split('\n');
    const head = lines.findIndex((l) => l.startsWith('model'));
    expect(lines[head]).toMatch(/^model\s+P@10\s+R@10\s+NDCG@10\s+coverage\s+top-10% share\s+gini\s+time$/);
    const rows = lines.slice(head + 1, head + 6);
    expect(rows.map((r) => r.split(/\s{2,}/)[0])).toEqual(['engine', 'most-popular', 'item-knn', 'item-knn (cap 4)', 'engine (no cap)']);
    // Aligned: every row is as wide as the header.
    for (const r of rows) expect(r.length).toBe(lines[head]!.length);
    expect(res.stdout).toMatch(/^engine precision@10: \d+\.\d\d× most-popular, \d+\.\d\d× item-knn, \d+\.\d\d× item-knn \(cap 4\), \d+\.\d\d× engine \(no cap\)$/m);
    expect(lines[0]).toMatch(/^400 learners, 60 courses, \d+ interactions; seed 42: train \d+, test \d+ held out from \d+ learners$/);
  });

  it('gives the same numbers as JSON, the same for the same seed, and other numbers for another seed', async () => {
    const [first, again, other] = await Promise.all([
      run(['--data', ratings, '--items', items, '--json']),
      run(['--data', ratings, '--items', items, '--json', '--seed', '42']),
      run(['--data', ratings, '--items', items, '--json', '--seed', '9', '--k', '5']),
    ]);

    const a = JSON.parse(first.stdout) as EvaluationReport;
    expect(a.seed).toBe(42);
    expect(a.k).toBe(10);
    expect(a.results.map((r) => r.name)).toEqual(['engine', 'most-popular', 'item-knn', 'item-knn (cap 4)', 'engine (no cap)']);
    for (const r of a.results) {
      for (const v of [r.metrics.precision, r.metrics.recall, r.metrics.ndcg, r.metrics.coverage, r.metrics.popularShare, r.metrics.gini]) {
        expect(v).toBeGreaterThanOrEqual(0);
        expect(v).toBeLessThanOrEqual(1);
      }
      expect(r.metrics.users).toBe(a.data.testLearners);
    }
    // Most-popular gives everyone nearly the same ten: little coverage, and the popular six of the
    // sixty courses in most of its lists.
    expect(a.results[1]!.metrics.coverage).toBeLessThan(0.5);
    expect(a.results[1]!.metrics.popularShare).toBeGreaterThan(0.5);
    expect(a.precisionRatios.map((p) => p.against)).toEqual(['most-popular', 'item-knn', 'item-knn (cap 4)', 'engine (no cap)']);
    expect(a.data.train + a.data.test).toBe(a.data.interactions);
    expect(withoutTimes(JSON.parse(again.stdout) as EvaluationReport)).toEqual(withoutTimes(a));
    const b = JSON.parse(other.stdout) as EvaluationReport;
    expect(b.k).toBe(5);
    expect(b.results[0]!.metrics).not.toEqual(a.results[0]!.metrics);
  });

  it('without --items (no categories) leaves out the rows about the category cap, which could change nothing', async () => {
    const res = await run(['--data', ratings, '--json']);

    expect(res.code).toBe(0);
    expect((JSON.parse(res.stdout) as EvaluationReport).results.map((r) => r.name)).toEqual(['engine', 'most-popular', 'item-knn']);
  });

  it.each([
    [['--items', 'items.csv'], '--data is required'],
    [['--data', 'nowhere.csv'], 'nowhere.csv: no such file'],
    [['--data', 'x.csv', '--seed', 'abc'], '--seed must be a whole number from 0 to 4294967295, got "abc"'],
    [['--data', 'x.csv', '--k=-3'], '--k must be a whole number ≥ 1, got "-3"'],
    [['--data', 'x.csv', '--format', 'json'], "Unknown option '--format'"],
  ])('exits 2 for %j', async (args, message) => {
    const res = await run(args);

    expect(res.code).toBe(2);
    expect(res.stderr).toContain(message);
  });
});
