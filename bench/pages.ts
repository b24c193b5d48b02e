/**
 * `npm run bench -- pages`: the four pages most people hit, under 200 connections, and how close the
 * signed-in lesson page comes to the cost of just rendering its template.
 *
 * 1. The real app (`buildApp` in production mode, sandbox WeChat Pay reached over HTTP) listening on a
 *    loopback port, behind a pretend HTTPS proxy (TRUST_PROXY=loopback, X-Forwarded-Proto: https, so
 *    the Secure session cookie works as in production), on a fresh SQLite file; or, with
 *    BENCH_DATABASE_URL (or BENCH_MYSQL_URL) = mysql://user@host:3306/any, on a fresh database created
 *    on that server for the run and dropped after it.
 * 2. A catalogue of 1,000 published courses plus one course as a learner studies it: 12 lessons of
 *    real teaching material, one of them under 10 comment threads with replies and 29 likes
 *    (bench/lib/lesson-fixtures.ts). Learners are written into `users` and log in through the real
 *    login form (bench/lib/learner-sessions.ts).
 * 3. Each page for BENCH_DURATION seconds (10) with 200 connections, after a warm-up:
 *    - `GET /`, anonymous (no cookies: a first visit);
 *    - `GET /courses/<the studied course>`, anonymous;
 *    - `GET` the lesson with the comments, as a learner who owns the course: their session cookie
 *      and the tracking cookies their browser got on the first page, as a browser sends them;
 *    - `POST /orders` (checkout) by 200 signed-in learners with their CSRF tokens, each learner and
 *      course once (up to 8 paid courses), so every request is a real checkout: a new order and a
 *      prepay call to the WeChat Pay simulator. The database must then hold exactly that many
 *      pending orders with a code_url.
 * 4. The lesson page ratio: the real lesson page's req/s ÷ that of a plain Express app rendering the
 *    same `views/learning/lesson.ejs` with the same locals from memory (taken from one real render),
 *    view cache on, measured in the same run with the same connections, taking turns (two rounds
 *    each, BENCH_DURATION split between them) so a change in the machine's other load hits both.
 *    Bodies are compared after replacing the one per-request token (the comment forms' form_key);
 *    every answer under load must be a 2xx equal to the reference page that way, or the run is
 *    invalid.
 *
 * One summary line on stdout (progress on stderr); exit code 1 when anything is invalid. Goal: lesson
 * ratio ≥ 0.6. BENCH_DURATION=SECONDS shortens a trial run.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Express } from 'express';
import { systemClock } from '../src/platform/clock.js';
import { migrateFor, startApp, type RunningApp } from './lib/app-server.js';
import { checkoutForm } from './lib/checkout-wave.js';
import { insertBenchCourse, seedPublishedCourses } from './lib/course-fixtures.js';
import { BENCH_ARGON2_ENV, seedLearners, signIn, type SignedIn } from './lib/learner-sessions.js';
import { seedStudyCourse, type StudyCourse } from './lib/lesson-fixtures.js';
import { describe, isValid, listen, problems, type LoadResult } from './lib/load.js';
import { normaliser, pageLoad, type Replacement } from './lib/page-load.js';
import { postEach } from './lib/post-each.js';
import { freshMysqlDatabase, type ScratchDatabase } from './lib/scratch-mysql.js';
import { templateApp } from './lib/template-app.js';

const COURSES = 1000;
const CONNECTIONS = 200;
const DEFAULT_SECONDS = 10;
const WARM_UP_REQUESTS = 2000;
const COMMENTERS = 29;
const BUYERS = 200;
const MAX_CHECKOUT_COURSES = 8;
const GOAL = 0.6;
const ROUNDS = 2;
const HTTPS = { 'x-forwarded-proto': 'https' };
/** The comment forms' one-time key (a UUID per form) is the only part of the lesson page that changes per request. */
const PER_REQUEST: Replacement[] = [{ pattern: 'name="form_key" value="[0-9a-f-]{36}"', flags: 'g', with: 'name="form_key" value="FORM-KEY"' }];

const progress = (line: string) => process.stderr.write(`pages: ${line}\n`);

function durationSeconds(raw: string | undefined): number {
  if (raw === undefined || raw === '') return DEFAULT_SECONDS;
  if (!/^\d+$/.test(raw) || Number(raw) < 1) throw new Error(`BENCH_DURATION must be a whole number of seconds ≥ 1, got "${raw}"`);
  return Number(raw);
}

const cookiesOf = (res: Response) => res.headers.getSetCookie().map((c) => c.split(';')[0]!);

/** One request before the load: the page must be a 200 containing `marker`; its normalised body. */
async function referencePage(label: string, url: string, headers: Record<string, string>, marker: string): Promise<string> {
  const res = await fetch(url, { headers });
  const body = await res.text();
  if (res.status !== 200) throw new Error(`${label} answered ${res.status}: ${body.slice(0, 300)}`);
  if (!body.includes(marker)) throw new Error(`${label} does not show ${JSON.stringify(marker)}`);
  return normaliser(PER_REQUEST)(body);
}

function firstDifference(a: string, b: string): string {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  const around = (s: string) => JSON.stringify(s.slice(Math.max(0, i - 60), i + 60));
  return `at character ${i}:\n  real:      ${around(a)}\n  in-memory: ${around(b)}`;
}

interface Page {
  label: string;
  url: string;
  headers: Record<string, string>;
  expectBody: string;
}

const jobOf = (p: Page) => ({ ...p, connections: CONNECTIONS, normalise: PER_REQUEST });

/** Not counted; wrong answers abort the run, timeouts only mean an overloaded machine. */
async function warmUp(p: Page): Promise<void> {
  progress(`${p.label}: ${p.expectBody.length} characters; warming up (${WARM_UP_REQUESTS} requests)`);
  const warm = await pageLoad({ ...jobOf(p), amount: WARM_UP_REQUESTS });
  if (warm.non2xx > 0 || warm.mismatches > 0) throw new Error(`${p.label} warm-up failed: ${problems(warm)}`);
  if (!isValid(warm)) progress(`${p.label}: warm-up had ${problems(warm)}; the machine looks overloaded`);
}

async function measure(p: Page, seconds: number): Promise<LoadResult> {
  await warmUp(p);
  progress(`${p.label}: ${CONNECTIONS} connections for ${seconds} s`);
  const result = await pageLoad({ ...jobOf(p), seconds });
  progress(describe(result));
  return result;
}

/** Rounds of one page as one result: the rate over all of them, the slowest round's latencies. */
function combined(rounds: LoadResult[]): LoadResult {
  const sum = (f: (r: LoadResult) => number) => rounds.reduce((n, r) => n + f(r), 0);
  const completed = sum((r) => r.completed);
  const seconds = sum((r) => r.seconds);
  const cpu = rounds.every((r) => r.cpuUsPerReq !== null) && completed > 0 ? sum((r) => r.cpuUsPerReq! * r.completed) / completed : null;
  const statusCodes: Record<string, number> = {};
  for (const r of rounds) for (const [code, n] of Object.entries(r.statusCodes)) statusCodes[code] = (statusCodes[code] ?? 0) + n;
  return {
    label: rounds[0]!.label,
    reqPerSec: completed / seconds,
    p50Ms: Math.max(...rounds.map((r) => r.p50Ms)),
    p99Ms: Math.max(...rounds.map((r) => r.p99Ms)),
    meanMs: sum((r) => r.meanMs * r.completed) / Math.max(1, completed),
    completed,
    seconds,
    non2xx: sum((r) => r.non2xx),
    mismatches: sum((r) => r.mismatches),
    errors: sum((r) => r.errors),
    timeouts: sum((r) => r.timeouts),
    statusCodes,
    cpuUsPerReq: cpu,
  };
}

/**
 * Two pages compared: the load takes turns between them, ROUNDS times, so a change in what else
 * runs on the machine falls on both alike rather than on whichever ran second.
 */
async function compare(a: Page, b: Page, seconds: number): Promise<[LoadResult, LoadResult]> {
  await warmUp(a);
  await warmUp(b);
  const slice = Math.max(1, Math.round(seconds / ROUNDS));
  const rounds: [LoadResult[], LoadResult[]] = [[], []];
  for (let i = 1; i <= ROUNDS; i++) {
    for (const [n, p] of [a, b].entries()) {
      const r = await pageLoad({ ...jobOf(p), seconds: slice });
      progress(`round ${i}/${ROUNDS} ${describe(r)}`);
      rounds[n]!.push(r);
    }
  }
  const out: [LoadResult, LoadResult] = [combined(rounds[0]), combined(rounds[1])];
  for (const r of out) progress(`all rounds ${describe(r)}`);
  return out;
}

/** SQL statements the app sends for one request, averaged over `n` sequential ones. */
async function statementsPer(app: RunningApp, url: string, headers: Record<string, string>, n: number): Promise<number> {
  let count = 0;
  const onQuery = () => {
    count += 1;
  };
  app.db.on('query', onQuery);
  try {
    for (let i = 0; i < n; i++) await (await fetch(url, { headers })).arrayBuffer();
  } finally {
    app.db.off('query', onQuery);
  }
  return count / n;
}

/** The locals of the next render of `view` by the real app (res.locals and the route's together). */
function captureLocals(app: Express, view: string): Promise<Record<string, unknown>> {
  const original = app.render.bind(app);
  return new Promise((resolve) => {
    app.render = ((name: string, options: Record<string, unknown>, done: (err: Error, html?: string) => void) => {
      if (name === view) {
        app.render = original;
        const { _locals, ...own } = options;
        resolve({ ...(_locals as Record<string, unknown>), ...own });
      }
      return original(name, options, done);
    }) as Express['render'];
  });
}

/** The template alone: the lesson page's own locals, from memory; its tokens fixed (they are normalised away). */
function inMemoryApp(view: string, pagePath: string, locals: Record<string, unknown>): Express {
  const token = (locals.csrfToken as () => string)();
  const feedback = locals.feedback as Record<string, unknown>;
  const frozen = { ...locals, csrfToken: () => token, feedback: { ...feedback, formKey: () => '00000000-0000-0000-0000-000000000000' } };
  const app = templateApp();
  app.get(pagePath, (_req, res) => res.render(view, frozen));
  return app;
}

interface Fixtures {
  study: StudyCourse;
  reader: SignedIn;
  buyers: SignedIn[];
  checkoutCourses: number[];
  warmCourse: number;
}

async function seed(app: RunningApp, seconds: number): Promise<Fixtures> {
  const { db } = app;
  const now = new Date();
  const t0 = performance.now();
  const seeded = await seedPublishedCourses(db, { count: COURSES, now });
  const people = await seedLearners(db, 'bpr', 1 + COMMENTERS, now);
  const study = await seedStudyCourse(db, { reader: people[0]!.userId, commenters: people.slice(1).map((p) => p.userId), now });
  const courseCount = Math.max(2, Math.min(MAX_CHECKOUT_COURSES, seconds));
  const checkoutCourses: number[] = [];
  for (let i = 0; i <= courseCount; i++) checkoutCourses.push(await insertBenchCourse(db, { slug: `bench-pages-buy-${i}`, title: `页面压测 购买课 ${i}`, priceFen: 9900, now }));
  const warmCourse = checkoutCourses.shift()!;
  const [reader] = await signIn(app.url, [people[0]!], '/me/orders', 1, HTTPS);
  const buyers = await signIn(app.url, await seedLearners(db, 'bpb', BUYERS, now), '/me/orders', 16, HTTPS);
  progress(`${seeded.published} courses, the studied course with ${study.lessonIds.length} lessons, ${BUYERS + 1} learners signed in, in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return { study, reader: reader!, buyers, checkoutCourses, warmCourse };
}

interface CheckoutOutcome {
  label: string;
  reqPerSec: number;
  p50Ms: number;
  p99Ms: number;
  completed: number;
  /** New orders: answers 303 to the order's page. */
  made: number;
  /** Answers that are not a new order (a 502 when the prepay call failed under load): measured, not held against the run. */
  failed: string;
  /** What makes the run invalid: requests never answered, or answers the database does not agree with. */
  problems: string[];
}

/** Every (learner, course) pair once, learner-major within a course, so no learner has two in flight. */
async function checkouts(app: RunningApp, buyers: SignedIn[], courseIds: number[]): Promise<CheckoutOutcome> {
  const requests = courseIds.flatMap((courseId) =>
    buyers.map((b) => ({ headers: { ...HTTPS, cookie: b.cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: checkoutForm({ csrf: b.csrf, courseId }) })),
  );
  const r = await postEach({ url: app.url, path: '/orders', connections: CONNECTIONS, timeoutSeconds: 30, requests });
  // A checkout answers 303 to the new order's page; autocannon counts any non-2xx, so those are checked by code.
  const answered303 = r.statusCodes['303'] ?? 0;
  const others = Object.entries(r.statusCodes).filter(([code]) => code !== '303');
  const pending = Number(
    ((await app.db('orders').whereIn('course_id', courseIds).where({ status: 'pending' }).whereNotNull('code_url').count({ n: '*' }).first()) as { n: number | string }).n,
  );
  // A request that timed out may still have made its order; one answered 303 must have.
  const unanswered = r.errors + r.timeouts;
  const found = [
    r.completed + unanswered < requests.length ? `${requests.length - r.completed - unanswered} of ${requests.length} checkouts never sent` : '',
    pending < answered303 || pending > answered303 + unanswered ? `${pending} pending orders with a code_url after ${answered303} answers 303 and ${unanswered} unanswered` : '',
  ].filter(Boolean);
  const failed = [others.map(([s, n]) => `${s}×${n}`).join(', '), r.errors > 0 ? `${r.errors} socket errors` : '', r.timeouts > 0 ? `${r.timeouts} timeouts` : ''].filter(Boolean).join(', ');
  return { label: 'checkout', reqPerSec: r.completed / (r.elapsedMs / 1000), p50Ms: Math.round(r.p50Ms), p99Ms: Math.round(r.p99Ms), completed: r.completed, made: answered303, failed: failed || '0', problems: found };
}

const line = (r: { label: string; reqPerSec: number; p50Ms: number; p99Ms: number }, errors: string) =>
  `${r.label} ${r.reqPerSec.toFixed(0)} req/s p50 ${r.p50Ms} ms p99 ${r.p99Ms} ms errors ${errors}`;

export async function main(_args: string[]): Promise<number> {
  const seconds = durationSeconds(process.env.BENCH_DURATION);
  // Express reads NODE_ENV for its own defaults; the real app below is configured for production too.
  process.env.NODE_ENV = 'production';
  const [load1] = os.loadavg();
  const cpus = os.availableParallelism();
  if (load1! > cpus / 2) progress(`warning: load average ${load1!.toFixed(1)} on ${cpus} CPUs; req/s will swing between runs, the ratio less`);

  const dir = mkdtempSync(path.join(os.tmpdir(), 'zhifu-bench-pages-'));
  let scratch: ScratchDatabase | null = null;
  const cleanUp = async () => {
    await scratch?.drop();
    rmSync(dir, { recursive: true, force: true });
  };
  const onSignal = () => {
    void cleanUp().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal).once('SIGTERM', onSignal);

  const mysqlUrl = process.env.BENCH_DATABASE_URL ?? process.env.BENCH_MYSQL_URL;
  let app: RunningApp | null = null;
  try {
    scratch = mysqlUrl ? await freshMysqlDatabase(mysqlUrl, 'zhifu_bench_pages') : null;
    const databaseLabel = scratch ? `${scratch.server} (${scratch.name})` : 'SQLite';
    const env = {
      NODE_ENV: 'production',
      DATABASE_URL: scratch?.url ?? `sqlite:${path.join(dir, 'bench.db')}`,
      ALLOW_SQLITE_IN_PRODUCTION: 'true',
      SESSION_SECRET: randomBytes(32).toString('hex'),
      LOG_LEVEL: 'silent',
      TRUST_PROXY: 'loopback',
      WECHATPAY_SANDBOX_IN_PRODUCTION: 'true',
      WECHAT_SANDBOX_IN_PRODUCTION: 'true',
      SANDBOX_DIR: path.join(dir, 'sandbox'),
      UPLOAD_DIR: path.join(dir, 'uploads'),
      SEED_DEMO_DATA: 'never',
      LOGIN_RATE_LIMIT: '100000',
      ...BENCH_ARGON2_ENV,
    };
    await migrateFor(env, dir);
    app = await startApp(env, systemClock, dir);
    progress(`real app on ${databaseLabel} at ${app.url}`);
    const f = await seed(app, seconds);
    const anonymous = {};
    const homeUrl = `${app.url}/`;
    const courseUrl = `${app.url}/courses/${f.study.slug}`;
    const lessonPath = `/courses/${f.study.slug}/lessons/${f.study.busyLessonId}`;

    // The reader's browser keeps the tracking cookies its first page set, as every browser does.
    const first = await fetch(`${app.url}${lessonPath}`, { headers: { ...HTTPS, cookie: f.reader.cookie } });
    await first.arrayBuffer();
    const reader = { ...HTTPS, cookie: [f.reader.cookie, ...cookiesOf(first)].join('; ') };

    const homeBody = await referencePage('GET /', homeUrl, anonymous, '<li class="course-card">');
    const courseBody = await referencePage('course page', courseUrl, anonymous, f.study.title);
    const locals = captureLocals(app.built.app, 'learning/lesson');
    const lessonBody = await referencePage('lesson page', `${app.url}${lessonPath}`, reader, 'data-testid="comment-form"');
    const memoryApp = inMemoryApp('learning/lesson', lessonPath, await locals);
    const sql = await statementsPer(app, `${app.url}${lessonPath}`, reader, 200);
    progress(`lesson page: ${sql.toFixed(1)} SQL statements per request`);

    const home = await measure({ label: 'home', url: homeUrl, headers: anonymous, expectBody: homeBody }, seconds);
    const course = await measure({ label: 'course', url: courseUrl, headers: anonymous, expectBody: courseBody }, seconds);

    const memoryServer = await listen(memoryApp);
    let lesson: LoadResult;
    let memory: LoadResult;
    try {
      const memoryBody = await referencePage('in-memory lesson page', `${memoryServer.url}${lessonPath}`, {}, 'data-testid="comment-form"');
      if (memoryBody !== lessonBody) throw new Error(`the in-memory lesson page differs from the real one, so the comparison would be meaningless; ${firstDifference(lessonBody, memoryBody)}`);
      [lesson, memory] = await compare(
        { label: 'lesson', url: `${app.url}${lessonPath}`, headers: reader, expectBody: lessonBody },
        { label: 'lesson in-memory', url: `${memoryServer.url}${lessonPath}`, headers: {}, expectBody: lessonBody },
        seconds,
      );
    } finally {
      await memoryServer.close();
    }

    progress(`checkout: warm-up, ${f.buyers.length} checkouts`);
    const warm = await checkouts(app, f.buyers, [f.warmCourse]);
    if (warm.problems.length > 0) progress(`checkout warm-up: ${warm.problems.join('; ')}`);
    progress(`checkout: ${f.buyers.length} learners × ${f.checkoutCourses.length} courses, ${CONNECTIONS} connections`);
    const checkout = await checkouts(app, f.buyers, f.checkoutCourses);
    progress(`checkout: ${checkout.completed} checkouts, ${checkout.made} new orders, ${checkout.reqPerSec.toFixed(0)}/s, p50 ${checkout.p50Ms} ms p99 ${checkout.p99Ms} ms, errors ${checkout.failed}${checkout.problems.length > 0 ? ` — INVALID: ${checkout.problems.join('; ')}` : ''}`);

    const ratio = lesson.reqPerSec / memory.reqPerSec;
    if (lesson.cpuUsPerReq !== null && memory.cpuUsPerReq !== null) {
      progress(`CPU per request: lesson ${lesson.cpuUsPerReq.toFixed(0)} µs, in-memory ${memory.cpuUsPerReq.toFixed(0)} µs, ratio ${(memory.cpuUsPerReq / lesson.cpuUsPerReq).toFixed(2)}`);
    }
    const errorsOf = (r: LoadResult) => (isValid(r) ? '0' : problems(r));
    const invalid = [
      ...[home, course, lesson, memory].filter((r) => !isValid(r)).map((r) => `${r.label} ${problems(r)}`),
      ...checkout.problems.map((p) => `checkout ${p}`),
    ];
    process.stdout.write(
      `pages (${databaseLabel}, ${CONNECTIONS} connections): ` +
        [line(home, errorsOf(home)), line(course, errorsOf(course)), line(lesson, errorsOf(lesson)), line(checkout, checkout.failed) + ` (${checkout.made} new orders)`].join(' | ') +
        ` | lesson in-memory ${memory.reqPerSec.toFixed(0)} req/s | lesson ratio ${ratio.toFixed(2)} (goal ≥ ${GOAL.toFixed(2)})` +
        ` | home ÷ lesson ${(home.reqPerSec / lesson.reqPerSec).toFixed(1)} | ${sql.toFixed(1)} SQL per lesson page` +
        (invalid.length > 0 ? ` | INVALID: ${invalid.join('; ')}` : '') +
        '\n',
    );
    return invalid.length > 0 ? 1 : 0;
  } finally {
    await app?.close();
    await cleanUp();
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
  }
}
