/**
 * `npm run bench -- recs`: the recommendation batch and its serving at shop scale (issue 14).
 *
 * 1. Seeds a fresh database with 100,000 learners, 5,000 published courses over eight areas (three
 *    to eight lessons each) and 2,000,000 signal rows: grants, course views, lesson progress, likes,
 *    ratings and comments, with long-tail popularity and learners who stay in one to three areas
 *    (bench/lib/recs-fixtures.ts). Reports how long that took.
 * 2. Times a full build (`run({ full: true })`) in a child process and takes its peak RSS (VmHWM),
 *    with each stage's time and its share inside SQL (bench/lib/recs-build-child.ts). Baseline,
 *    measured in the same run just before: reading every signal row with one plain select per table.
 * 3. With that model served, BENCH_CONCURRENCY callers (32) call `forLearner(random learner)` for
 *    BENCH_DURATION_MS, then `alsoStudied(random course, null)`, against a primary-key select of one
 *    course through knex under the same load; in two interleaved rounds, after a warm-up. Latency is
 *    per call, so with every caller waiting on one SQLite connection it is about callers ÷ throughput.
 *
 * Goals: build < 60 s and < 1 GB; p99 < 5 ms for both calls. The ratios in the summary are the
 * build over the baseline read, and each call's p99 over the PK read's p99.
 *
 * BENCH_LEARNERS / BENCH_COURSES / BENCH_EVENTS scale it (defaults 100000 / 5000 / 2000000);
 * BENCH_DURATION_MS (5000 per call kind); BENCH_CONCURRENCY (32); BENCH_KEEP=1 keeps the database
 * and prints where it is; BENCH_REUSE=<sqlite file or mysql:// URL of a kept one> skips seeding;
 * BENCH_DATABASE_URL=mysql://user@host:3306/any runs on MariaDB/MySQL in a fresh database created on
 * that server (dropped afterwards unless BENCH_KEEP=1); BENCH_CPU_PROF=1 writes a .cpuprofile of the
 * build next to the database. RECS_* settings (RECS_MODEL, RECS_NEIGHBOURS…) reach the build.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadConfig } from '../src/config/config.js';
import { systemClock } from '../src/platform/clock.js';
import { migrateLatest, openDatabase } from '../src/platform/db/index.js';
import { createLogger } from '../src/platform/logger.js';
import { createAuditService } from '../src/modules/audit/index.js';
import { createCourseService } from '../src/modules/catalog/index.js';
import { createRecommendationsModule } from '../src/modules/recommendations/index.js';
import { runBuildInChild } from './lib/recs-build-child.js';
import { countSignals, readAllSignals, seedRecsData, type SignalTable } from './lib/recs-fixtures.js';
import { freshMysqlDatabase } from './lib/scratch-mysql.js';

const progress = (line: string) => process.stderr.write(`recs: ${line}\n`);
const num = (name: string, fallback: number) => (process.env[name] && /^\d+$/.test(process.env[name]!) ? Number(process.env[name]) : fallback);
const LEARNERS = num('BENCH_LEARNERS', 100_000);
const COURSES = num('BENCH_COURSES', 5000);
const EVENTS = num('BENCH_EVENTS', 2_000_000);
const DURATION_MS = num('BENCH_DURATION_MS', 5000);
const CONCURRENCY = Math.max(1, num('BENCH_CONCURRENCY', 32));
const ROUNDS = 2;
const GOALS = { buildMs: 60_000, rssMb: 1024, p99Ms: 5 };

/** A tiny deterministic generator per caller, so two runs ask for the same learners and courses. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

interface Latencies {
  label: string;
  samples: number[];
  ms: number;
  /** Calls whose answer was not what a page would show (an empty list): they make the run invalid. */
  empty: number;
}

const pct = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(sorted.length * q) - 1))] ?? Number.NaN;

function summarise(l: Latencies) {
  const sorted = [...l.samples].sort((a, b) => a - b);
  return { p50: pct(sorted, 0.5), p99: pct(sorted, 0.99), max: sorted[sorted.length - 1] ?? Number.NaN, calls: sorted.length, perSecond: sorted.length / (l.ms / 1000), empty: l.empty };
}

/** `callers` loops, each calling `call` back to back until `ms` have passed; every call timed on its own. */
async function underLoad(into: Latencies, callers: number, ms: number, seed: number, call: (r: () => number) => Promise<boolean>): Promise<void> {
  const deadline = performance.now() + ms;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: callers }, async (_, k) => {
      const r = rng(seed * 1000 + k);
      while (performance.now() < deadline) {
        const t0 = performance.now();
        const ok = await call(r);
        into.samples.push(performance.now() - t0);
        if (!ok) into.empty += 1;
      }
    }),
  );
  into.ms += performance.now() - started;
}

const fmtS = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const fmtMs = (ms: number) => (ms < 10 ? ms.toFixed(2) : ms.toFixed(1));

export async function main(): Promise<number> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'zhifu-bench-recs-'));
  const keep = process.env.BENCH_KEEP === '1';
  const reuse = process.env.BENCH_REUSE ?? '';
  const mysqlBase = process.env.BENCH_DATABASE_URL ?? '';
  let drop: (() => Promise<void>) | null = null;
  // Interrupted, it still removes what it made (unless asked to keep it).
  const onSignal = () => {
    if (!keep) {
      rmSync(dir, { recursive: true, force: true });
      void drop?.().catch(() => undefined);
    }
    setTimeout(() => process.exit(130), 500).unref();
  };
  process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
  let databaseUrl: string;
  if (reuse !== '') databaseUrl = reuse.startsWith('mysql://') ? reuse : `sqlite:${path.resolve(reuse)}`;
  else if (mysqlBase.startsWith('mysql://')) {
    const fresh = await freshMysqlDatabase(mysqlBase, 'zhifu_bench_recs');
    databaseUrl = fresh.url;
    drop = fresh.drop;
    progress(`fresh database ${fresh.name}`);
  } else databaseUrl = `sqlite:${path.join(dir, 'bench.db')}`;

  const recsEnv = Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[0].startsWith('RECS_') && e[1] !== undefined));
  const config = loadConfig({ NODE_ENV: 'test', DATABASE_URL: databaseUrl, LOG_LEVEL: 'silent', RECS_BUILD_INTERVAL_MINUTES: '0', ...recsEnv }, dir);
  const dialect = config.database.client;
  const db = openDatabase(config.database);
  progress(`${os.availableParallelism()} CPUs, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}, ${dialect}`);
  try {
    // ---- 1. Data.
    let counts: { rows: Record<SignalTable, number>; signals: number; courseIds: number[]; learnerIds: number[] };
    let setupMs = 0;
    if (reuse !== '') {
      counts = await countSignals(db);
      progress(`reusing ${reuse}: ${counts.learnerIds.length} learners, ${counts.courseIds.length} courses, ${counts.signals} signal rows`);
    } else {
      const t0 = performance.now();
      await migrateLatest(db);
      const seeded = await seedRecsData(db, { learners: LEARNERS, courses: COURSES, events: EVENTS, now: new Date(), log: progress });
      setupMs = performance.now() - t0;
      counts = seeded;
      progress(`seeded ${seeded.signals} signal rows (${Object.entries(seeded.rows).map(([t, n]) => `${t} ${n}`).join(', ')}) in ${fmtS(setupMs)}`);
    }

    // ---- 2. The build, after its baseline (which also leaves the OS page cache as warm for both).
    const base = await readAllSignals(db);
    progress(`baseline: read ${base.rows} signal rows, one plain select per table, in ${fmtS(base.ms)}`);
    const report = await runBuildInChild({ databaseUrl, cwd: dir, recsEnv }, { cpuProfDir: process.env.BENCH_CPU_PROF === '1' ? dir : undefined });
    if (!report.ok) {
      progress(`build failed: ${report.error}`);
      return 1;
    }
    progress(`build: ${fmtS(report.ms)} (${report.algorithm}, ${report.courses} courses, ${report.learners} learners, ${report.interactions} learner–course pairs); RSS ${report.rssStartMb.toFixed(0)} MB at start, peak ${report.vmHwmMb.toFixed(0)} MB (VmHWM; sampled peak ${(report.peakSampledMb ?? 0).toFixed(0)} MB); longest event-loop stall ${fmtS(report.longestStallMs)}`);
    for (const s of report.stages) progress(`  ${s.stage.padEnd(20)} ${fmtS(s.ms).padStart(7)}  sql ${fmtS(s.sqlMs).padStart(7)} in ${String(s.queries).padStart(4)} queries${s.peakSampledMb > 0 ? `  rss ≤ ${s.peakSampledMb.toFixed(0)} MB` : ''}`);
    for (const q of report.slowest) progress(`  slow SQL ${fmtS(q.ms).padStart(7)} (${q.stage}): ${q.sql}`);
    if (process.env.BENCH_CPU_PROF === '1') progress(`cpu profile of the build in ${dir}`);

    // ---- 3. Serving under load.
    // As the app runs it: CATALOG_CACHE_SECONDS' default.
    const courses = createCourseService({ db, clock: systemClock, listCacheMs: config.catalogCacheMs });
    const audit = createAuditService({ db, clock: systemClock });
    const { service } = createRecommendationsModule({ db, clock: systemClock, log: createLogger('silent'), courses, audit, config: config.recommendations });
    const learnerIds = counts.learnerIds;
    const courseIds = counts.courseIds;
    const randomOf = (xs: number[], r: () => number) => xs[Math.floor(r() * xs.length)]!;
    const kinds: { latencies: Latencies; call: (r: () => number) => Promise<boolean> }[] = [
      { latencies: { label: 'pk read', samples: [], ms: 0, empty: 0 }, call: async (r) => (await db('courses').where({ id: randomOf(courseIds, r) }).first('id', 'slug', 'title', 'price_fen')) !== undefined },
      { latencies: { label: 'for-you', samples: [], ms: 0, empty: 0 }, call: async (r) => (await service.forLearner(randomOf(learnerIds, r))).length > 0 },
      { latencies: { label: 'also-studied', samples: [], ms: 0, empty: 0 }, call: async (r) => (await service.alsoStudied(randomOf(courseIds, r), null)).items.length > 0 },
    ];
    const warm: Latencies = { label: 'warm-up', samples: [], ms: 0, empty: 0 };
    for (const k of kinds) await underLoad(warm, CONCURRENCY, Math.min(1000, DURATION_MS / 4), 99, k.call);
    for (let round = 0; round < ROUNDS; round++) for (const k of kinds) await underLoad(k.latencies, CONCURRENCY, DURATION_MS / ROUNDS, round + 1, k.call);
    const [pk, forYou, also] = kinds.map((k) => summarise(k.latencies)) as [ReturnType<typeof summarise>, ReturnType<typeof summarise>, ReturnType<typeof summarise>];
    for (const [label, s] of [['pk read', pk], ['for-you', forYou], ['also-studied', also]] as const) {
      progress(`${label.padEnd(12)} ${CONCURRENCY} callers: ${s.calls} calls, ${s.perSecond.toFixed(0)}/s, p50 ${fmtMs(s.p50)} ms p99 ${fmtMs(s.p99)} ms max ${fmtMs(s.max)} ms (1 ÷ throughput = ${fmtMs(1000 / s.perSecond)} ms)${s.empty > 0 ? `, ${s.empty} empty answers` : ''}`);
    }

    // The same calls one at a time: what a call costs when nobody queues in front of it.
    for (const k of kinds) {
      const alone: Latencies = { label: k.latencies.label, samples: [], ms: 0, empty: 0 };
      await underLoad(alone, 1, Math.max(250, DURATION_MS / 4), 7, k.call);
      const s = summarise(alone);
      progress(`${alone.label.padEnd(12)} 1 caller:   ${s.calls} calls, p50 ${fmtMs(s.p50)} ms p99 ${fmtMs(s.p99)} ms`);
    }

    const invalid = [forYou.empty > 0 ? `${forYou.empty} empty for-you lists` : '', also.empty > also.calls * 0.01 ? `${also.empty} empty also-studied lists` : '', pk.empty > 0 ? `${pk.empty} missing courses` : ''].filter(Boolean);
    const missed = [
      report.ms >= GOALS.buildMs ? `build ≥ ${GOALS.buildMs / 1000} s` : '',
      report.vmHwmMb >= GOALS.rssMb ? `peak RSS ≥ ${GOALS.rssMb} MB` : '',
      forYou.p99 >= GOALS.p99Ms ? `for-you p99 ≥ ${GOALS.p99Ms} ms` : '',
      also.p99 >= GOALS.p99Ms ? `also-studied p99 ≥ ${GOALS.p99Ms} ms` : '',
    ].filter(Boolean);
    const line =
      `recs: build ${fmtS(report.ms)} (peak RSS ${report.vmHwmMb.toFixed(0)} MB, ${(report.ms / base.ms).toFixed(1)}× reading the signals)` +
      ` · for-you p50 ${fmtMs(forYou.p50)} ms p99 ${fmtMs(forYou.p99)} ms (${(forYou.p99 / pk.p99).toFixed(1)}× a PK read)` +
      ` · also-studied p50 ${fmtMs(also.p50)} ms p99 ${fmtMs(also.p99)} ms (${(also.p99 / pk.p99).toFixed(1)}×)` +
      ` · ${counts.learnerIds.length} learners × ${counts.courseIds.length} courses × ${counts.signals} events on ${dialect}, ${CONCURRENCY} callers` +
      (setupMs > 0 ? `, setup ${fmtS(setupMs)}` : '') +
      (missed.length > 0 ? ` | goals missed: ${missed.join(', ')}` : ' | goals met') +
      (invalid.length > 0 ? ` | INVALID: ${invalid.join(', ')}` : '');
    process.stdout.write(`${line}\n`);
    return invalid.length > 0 ? 1 : 0;
  } finally {
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
    await db.destroy();
    if (keep) progress(`kept ${drop ? databaseUrl : dir}`);
    else {
      await drop?.();
      rmSync(dir, { recursive: true, force: true });
    }
  }
}
