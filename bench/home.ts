/**
 * `npm run bench -- home`: how close the real course list (`GET /`) comes to the cost of just
 * rendering its template.
 *
 * 1. The real app, built by `buildApp` in production mode on a temporary SQLite file holding 1,000
 *    published courses, with every middleware, both queries and the real template.
 * 2. A plain Express app that renders the same `views/catalog/home.ejs` from an in-memory copy of the
 *    same first page, with the same locals the real route and middleware pass, and view cache on.
 *
 * Both pages must be byte-identical, and every answer under load must be a 200 with exactly that body;
 * anything else makes the run invalid (exit code 1). BENCH_DURATION=SECONDS shortens a trial run.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Express } from 'express';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config/config.js';
import { systemClock } from '../src/platform/clock.js';
import { migrateLatest, openDatabase } from '../src/platform/db/index.js';
import { createLogger } from '../src/platform/logger.js';
import { CATEGORIES, createCourseService } from '../src/modules/catalog/index.js';
import { seedPublishedCourses } from './lib/course-fixtures.js';
import { describe, isValid, listen, load, problems, type LoadResult } from './lib/load.js';
import { templateApp } from './lib/template-app.js';

const COURSES = 1000;
const CONNECTIONS = 50;
const DEFAULT_SECONDS = 10;
const WARM_UP_REQUESTS = 2000;
const GOAL = 0.7;
const CARD = '<li class="course-card">';
const CARDS_ON_FIRST_PAGE = 12;

const progress = (line: string) => process.stderr.write(`home: ${line}\n`);

function durationSeconds(raw: string | undefined): number {
  if (raw === undefined || raw === '') return DEFAULT_SECONDS;
  if (!/^\d+$/.test(raw) || Number(raw) < 1) throw new Error(`BENCH_DURATION must be a whole number of seconds ≥ 1, got "${raw}"`);
  return Number(raw);
}

type FirstPage = Awaited<ReturnType<ReturnType<typeof createCourseService>['listPublished']>>;

/** The same query string rules as `listUrl` in src/modules/catalog/course-routes.ts. */
function listUrl(category: string | null, page: number): string {
  const q = new URLSearchParams();
  if (category) q.set('category', category);
  if (page > 1) q.set('page', String(page));
  const s = q.toString();
  return s ? `/?${s}` : '/';
}

/**
 * The template alone: the locals `catalogRoutes` passes for the first, unfiltered page, plus what the
 * real middleware leaves in `res.locals` for an anonymous visitor (no flash, no user, a lazy CSRF token,
 * a first visit).
 */
function inMemoryApp(firstPage: FirstPage): Express {
  const list = structuredClone(firstPage);
  const app = templateApp();
  app.use((req, res, next) => {
    res.locals.csrfToken = () => 'bench-csrf-token';
    res.locals.currentUser = null;
    res.locals.currentPath = req.path;
    // A visitor without cookies is on a first visit: the real page shows the privacy notice.
    res.locals.firstVisit = true;
    next();
  });
  app.get('/', (_req, res) => {
    const category = null;
    res.render('catalog/home', {
      title: '全部课程',
      ...list,
      // A visitor gets no 为你推荐.
      forYou: [],
      category,
      categories: CATEGORIES.map((c) => ({ ...c, url: listUrl(c.code, 1), active: false })),
      allUrl: listUrl(null, 1),
      prevUrl: list.page > 1 ? listUrl(category, Math.min(list.page - 1, list.totalPages)) : null,
      nextUrl: list.page < list.totalPages ? listUrl(category, list.page + 1) : null,
      firstUrl: listUrl(category, 1),
    });
  });
  return app;
}

/** One request before the load: the page must be a 200 with a full first page of course cards. */
async function referencePage(label: string, url: string): Promise<string> {
  const res = await fetch(`${url}/`);
  const body = await res.text();
  const cards = body.split(CARD).length - 1;
  if (res.status !== 200) throw new Error(`${label} GET / answered ${res.status}: ${body.slice(0, 300)}`);
  if (cards !== CARDS_ON_FIRST_PAGE) throw new Error(`${label} GET / shows ${cards} course cards, expected ${CARDS_ON_FIRST_PAGE}`);
  return body;
}

function firstDifference(a: string, b: string): string {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  const around = (s: string) => JSON.stringify(s.slice(Math.max(0, i - 60), i + 60));
  return `at character ${i}:\n  real:      ${around(a)}\n  in-memory: ${around(b)}`;
}

async function measure(label: string, app: Express, expectBody: string | null, seconds: number): Promise<{ result: LoadResult; body: string }> {
  const server = await listen(app);
  try {
    const body = await referencePage(label, server.url);
    if (expectBody !== null && body !== expectBody) {
      throw new Error(`the in-memory page differs from the real one, so the comparison would be meaningless; ${firstDifference(expectBody, body)}`);
    }
    progress(`${label}: ${body.length} characters, ${CARDS_ON_FIRST_PAGE} cards; warming up (${WARM_UP_REQUESTS} requests)`);
    const warm = await load({ label, url: `${server.url}/`, expectBody: body, connections: CONNECTIONS, amount: WARM_UP_REQUESTS });
    // Wrong answers mean a broken page; timeouts during warm-up only mean an overloaded machine.
    if (warm.non2xx > 0 || warm.mismatches > 0) throw new Error(`${label} warm-up failed: ${problems(warm)}`);
    if (!isValid(warm)) progress(`${label}: warm-up had ${problems(warm)}; the machine looks overloaded`);
    progress(`${label}: ${CONNECTIONS} connections for ${seconds} s`);
    const result = await load({ label, url: `${server.url}/`, expectBody: body, connections: CONNECTIONS, seconds });
    progress(describe(result));
    return { result, body };
  } finally {
    await server.close();
  }
}

export async function main(_args: string[]): Promise<number> {
  const seconds = durationSeconds(process.env.BENCH_DURATION);
  // Express reads NODE_ENV for its own defaults; the real app below is configured for production too.
  process.env.NODE_ENV = 'production';

  const [load1] = os.loadavg();
  const cpus = os.availableParallelism();
  if (load1! > cpus / 2) {
    progress(`warning: load average ${load1!.toFixed(1)} on ${cpus} CPUs; other processes compete for the CPU, so req/s will swing between runs (CPU per request is steadier)`);
  }

  const dir = mkdtempSync(path.join(os.tmpdir(), 'zhifu-bench-'));
  const removeDir = () => rmSync(dir, { recursive: true, force: true });
  const onSignal = () => {
    removeDir();
    process.exit(130);
  };
  process.once('SIGINT', onSignal).once('SIGTERM', onSignal);

  const config = loadConfig({
    NODE_ENV: 'production',
    DATABASE_URL: `sqlite:${path.join(dir, 'bench.db')}`,
    ALLOW_SQLITE_IN_PRODUCTION: 'true',
    SESSION_SECRET: randomBytes(32).toString('hex'),
    LOG_LEVEL: 'silent',
    // Payments are not on this page: the built-in WeChat Pay sandbox satisfies the production check,
    // and its generated keys and any uploads stay in the temporary folder.
    WECHATPAY_SANDBOX_IN_PRODUCTION: 'true',
    WECHAT_SANDBOX_IN_PRODUCTION: 'true',
    SANDBOX_DIR: path.join(dir, 'sandbox'),
    UPLOAD_DIR: path.join(dir, 'uploads'),
  });
  const db = openDatabase(config.database);
  try {
    await migrateLatest(db);
    const seeded = await seedPublishedCourses(db, { count: COURSES });
    progress(`seeded ${seeded.published} published courses (${seeded.free} free) in ${dir}`);

    const realApp = buildApp({ config, db, logger: createLogger(config.logLevel), clock: systemClock }).app;
    const real = await measure('real', realApp, null, seconds);

    const firstPage = await createCourseService({ db, clock: systemClock, listCacheMs: 0 }).listPublished({ category: null, page: 1 });
    const memory = await measure('in-memory', inMemoryApp(firstPage), real.body, seconds);

    const ratio = real.result.reqPerSec / memory.result.reqPerSec;
    if (real.result.cpuUsPerReq !== null && memory.result.cpuUsPerReq !== null) {
      // On a busy machine req/s swings from run to run; CPU time per request is the steadier comparison.
      progress(`CPU per request: real ${real.result.cpuUsPerReq.toFixed(0)} µs, in-memory ${memory.result.cpuUsPerReq.toFixed(0)} µs, ratio ${(memory.result.cpuUsPerReq / real.result.cpuUsPerReq).toFixed(2)}`);
    }
    const invalid = [real.result, memory.result].filter((r) => !isValid(r)).map((r) => `${r.label} ${problems(r)}`);
    process.stdout.write(
      `home: real ${real.result.reqPerSec.toFixed(0)} req/s p99 ${real.result.p99Ms} ms` +
        ` | in-memory ${memory.result.reqPerSec.toFixed(0)} req/s p99 ${memory.result.p99Ms} ms` +
        ` | ratio ${ratio.toFixed(2)} (goal ≥ ${GOAL.toFixed(2)})` +
        (invalid.length > 0 ? ` | INVALID: ${invalid.join('; ')}` : '') +
        '\n',
    );
    return invalid.length > 0 ? 1 : 0;
  } finally {
    await db.destroy();
    removeDir();
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
  }
}
