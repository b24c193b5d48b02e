/**
 * The build half of `npm run bench -- recs`, in a process of its own so that its peak RSS is the
 * build's (on top of Node, tsx and the app's modules, as `npm run recs:build` would have), not the
 * seeding's. bench/recs.ts starts it with `runBuildInChild`; it runs one full build through the
 * module's public surface, reports once over IPC and exits.
 *
 * Besides the total it reports each stage the build announces through its progress callback
 * (reading signals, content, item-kNN / EASE^R, co-occurrence, writing neighbours, ranking
 * learners; the last one runs on through the list stats, the swap and pruning), with the time
 * spent inside SQL (knex `query` → `query-response`) and the stage's peak RSS. The parent samples
 * the child's VmRSS from /proc every 50 ms: on SQLite the build's awaits all settle as microtasks
 * (better-sqlite3 answers synchronously), so the child's own event loop does not turn until the
 * build ends, and a timer in it would never fire. The peak is the kernel's high-water mark
 * (VmHWM). How long the child's loop went without turning is reported too: a web process that
 * builds in-process (app.ts starts the schedule) cannot answer a request for that long.
 */
import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { Knex } from 'knex';

export interface BuildJob {
  databaseUrl: string;
  cwd: string;
  /** RECS_* settings passed through to the config, so a run can try another model or weights. */
  recsEnv: Record<string, string>;
}

export interface StageTiming {
  stage: string;
  ms: number;
  /** Time between knex's `query` and `query-response` events: inside the database and the driver. */
  sqlMs: number;
  queries: number;
  /** Epoch ms, to match the parent's samples. */
  startedAt: number;
  /** The highest of the parent's RSS samples inside the stage (0: none fell inside it). */
  peakSampledMb: number;
}

export type BuildReport =
  | {
      ok: true;
      ms: number;
      mode: string;
      algorithm: string;
      courses: number;
      learners: number;
      interactions: number;
      rssStartMb: number;
      vmHwmMb: number;
      /**
       * The longest the event loop went without turning during the build: what a web process that
       * builds in-process (app.ts starts the schedule) would make its requests wait.
       */
      longestStallMs: number;
      stages: StageTiming[];
      /** The build's slowest statements, their SQL cut short. */
      slowest: { sql: string; ms: number; stage: string }[];
    }
  | { ok: false; error: string };

const MB = 1024 * 1024;

function vmHwmMb(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) / 1024 : process.memoryUsage().rss / MB;
}

const epochNow = () => performance.timeOrigin + performance.now();

function rssOfMb(pid: number): number | null {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/** Runs one build in a child process (under the same tsx loader as this one; `cpuProfDir` adds --cpu-prof). */
export async function runBuildInChild(job: BuildJob, opts: { cpuProfDir?: string } = {}): Promise<BuildReport & { peakSampledMb?: number }> {
  const execArgv = [...process.execArgv, ...(opts.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${opts.cpuProfDir}`] : [])];
  // The child's stdout goes to our stderr: the benchmark's stdout carries only its summary line.
  const child = fork(fileURLToPath(import.meta.url), ['--child', JSON.stringify(job)], { execArgv, stdio: ['ignore', 2, 2, 'ipc'] });
  const samples: [number, number][] = [];
  const sampler = setInterval(() => {
    const rss = child.pid === undefined ? null : rssOfMb(child.pid);
    if (rss !== null) samples.push([epochNow(), rss]);
  }, 50);
  try {
    const report = await new Promise<BuildReport>((resolve, reject) => {
      let got: BuildReport | null = null;
      child.on('message', (m: BuildReport) => (got = m));
      child.once('error', reject);
      child.once('exit', (code) => (got ? resolve(got) : reject(new Error(`build process exited with code ${code} before reporting`))));
    });
    if (!report.ok) return report;
    report.stages.forEach((s, i) => {
      const end = report.stages[i + 1]?.startedAt ?? s.startedAt + s.ms;
      for (const [t, rss] of samples) if (t >= s.startedAt && t < end) s.peakSampledMb = Math.max(s.peakSampledMb, rss);
    });
    return { ...report, peakSampledMb: Math.max(0, ...samples.map(([, rss]) => rss)) };
  } finally {
    clearInterval(sampler);
  }
}

async function child(job: BuildJob): Promise<BuildReport> {
  const rssStartMb = process.memoryUsage().rss / MB;
  const { loadConfig } = await import('../../src/config/config.js');
  const { systemClock } = await import('../../src/platform/clock.js');
  const { openDatabase } = await import('../../src/platform/db/index.js');
  const { createLogger } = await import('../../src/platform/logger.js');
  const { createRecsBuild } = await import('../../src/modules/recommendations/index.js');
  const config = loadConfig({ NODE_ENV: 'test', DATABASE_URL: job.databaseUrl, LOG_LEVEL: 'silent', RECS_BUILD_INTERVAL_MINUTES: '0', ...job.recsEnv }, job.cwd);
  const db: Knex = openDatabase(config.database);
  try {
    // The batch alone, as `npm run recs:build` runs it.
    const builder = createRecsBuild({ db, clock: systemClock, log: createLogger('silent'), config: config.recommendations });

    const stages: StageTiming[] = [];
    let current: StageTiming = { stage: 'starting', ms: 0, sqlMs: 0, queries: 0, startedAt: epochNow(), peakSampledMb: 0 };
    let stageStart = performance.now();
    const enter = (stage: string) => {
      const t = performance.now();
      current.ms = t - stageStart;
      stages.push(current);
      current = { stage, ms: 0, sqlMs: 0, queries: 0, startedAt: epochNow(), peakSampledMb: 0 };
      stageStart = t;
    };
    const inFlight = new Map<string, number>();
    const timed: { sql: string; ms: number; stage: string }[] = [];
    db.on('query', (q: { __knexQueryUid: string }) => inFlight.set(q.__knexQueryUid, performance.now()));
    const settled = (_: unknown, q: { __knexQueryUid: string; sql?: string }) => {
      const t0 = inFlight.get(q.__knexQueryUid);
      if (t0 === undefined) return;
      inFlight.delete(q.__knexQueryUid);
      const ms = performance.now() - t0;
      current.sqlMs += ms;
      current.queries += 1;
      if (ms > 100) timed.push({ sql: (q.sql ?? '').replace(/\(\?(, \?)*\)/g, '(…)').slice(0, 160), ms, stage: current.stage });
    };
    db.on('query-response', settled).on('query-error', settled);
    let lastTick = performance.now();
    let longestStallMs = 0;
    const ticker = setInterval(() => {
      const t = performance.now();
      longestStallMs = Math.max(longestStallMs, t - lastTick);
      lastTick = t;
    }, 10);

    const started = performance.now();
    const result = await builder.run({
      full: true,
      progress: (_done, _total, stage) => {
        if (stage !== current.stage) enter(stage);
      },
    });
    enter('done');
    const ms = performance.now() - started;
    clearInterval(ticker);
    longestStallMs = Math.max(longestStallMs, performance.now() - lastTick);
    if (result === null) return { ok: false, error: 'another process holds the build lease' };
    // The last stage reported runs until run() returns: list stats, the swap and pruning follow ranking.
    return {
      ok: true,
      ms,
      mode: result.mode,
      algorithm: result.algorithm,
      courses: result.courses,
      learners: result.learners,
      interactions: result.interactions,
      rssStartMb,
      vmHwmMb: vmHwmMb(),
      longestStallMs,
      stages: stages.filter((s) => s.stage !== 'starting' || s.ms > 1),
      slowest: timed.sort((a, b) => b.ms - a.ms).slice(0, 8),
    };
  } finally {
    await db.destroy();
  }
}

if (process.argv[2] === '--child' && process.send) {
  const job = JSON.parse(process.argv[3]!) as BuildJob;
  child(job).then(
    (report) => process.send!(report, () => process.exit(0)),
    (err: unknown) => process.send!({ ok: false, error: err instanceof Error ? (err.stack ?? err.message) : String(err) } satisfies BuildReport, () => process.exit(1)),
  );
}
