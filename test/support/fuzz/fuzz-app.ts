// The harness of the fuzz tests: a listening app with fixtures and signed-in people, a fingerprint
// of every table, and the checks every answer must pass. Property runs are seeded (FUZZ_SEED) and
// sized (FUZZ_RUNS) from the environment; `npm run fuzz` sets both (vitest.fuzz.config.ts).
import os from 'node:os';
import path from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import fc from 'fast-check';
import type { Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildApp } from '../../../src/app.js';
import { loadConfig } from '../../../src/config/config.js';
import { createPasswordHasher } from '../../../src/modules/accounts/index.js';
import { systemClock } from '../../../src/platform/clock.js';
import { openDatabase } from '../../../src/platform/db/index.js';
import { createLogger } from '../../../src/platform/logger.js';
import { createCourseWithLessons, grantAccess } from '../catalog-factories.js';
import { createCoupon } from '../coupons.js';
import { createCourse } from '../factories.js';
import { startListeningApp, TEST_SANDBOX_DIR, type ListeningApp } from '../listening-app.js';
import { createPlan } from '../membership.js';
import { appRoutes, type AppRoute } from '../route-list.js';
import { seedLearnerSessions } from '../sessions.js';
import { groupOf, paramValues, personasFor, type Fixtures, type FuzzGroup, type PersonaName } from './fuzz-routes.js';
import { requestArbitrary, send, toWire, type Answer, type FuzzRequest, type Wire } from './fuzz-requests.js';
import { hostilePathSegment, XSS_MARKER } from './payloads.js';

const DEFAULT_SEED = 20261204;
/** The base seed of this run: FUZZ_SEED replays a failure. */
export const FUZZ_SEED = Number.parseInt(process.env.FUZZ_SEED ?? '', 10) || DEFAULT_SEED;
/** Each property's own seed, derived from FUZZ_SEED, so routes see different requests and one FUZZ_SEED replays them all. */
export function seedFor(name: string): number {
  let h = FUZZ_SEED | 0;
  for (const c of name) h = Math.imul(h ^ c.charCodeAt(0), 0x01000193);
  return h;
}
/** Whether a failure is shrunk to a smaller counterexample (npm run fuzz does, with its long timeout). */
const FUZZ_SHRINK = process.env.FUZZ_SHRINK === '1';
/** Runs per route and person; the normal suite keeps this small. */
export const FUZZ_RUNS = Number.parseInt(process.env.FUZZ_RUNS ?? '', 10) || 3;

/**
 * Tables the app writes on refused requests by design, left out of the half-written-row check:
 * sessions (a visitor's first form gets a session for its CSRF token), rate_limits (failed logins
 * and checkouts are counted so they can be limited) and the analytics tables (every page view is an
 * event, written by a timer a moment later, whatever the next request is).
 */
const WRITTEN_ON_ANY_REQUEST = new Set(['sessions', 'rate_limits', 'analytics_events', 'analytics_visitors', 'analytics_daily', 'analytics_daily_actors', 'analytics_share_codes']);

/** Routes that record what they refused, by design: the tables they may write on a 4xx. */
const WRITTEN_ON_REFUSAL: Readonly<Record<string, readonly string[]>> = {
  // Every notification WeChat (or anyone) delivers is recorded, rejected ones too (payments/README.md).
  'POST /wechatpay/notify': ['payment_notifications'],
};

/** The routes of the app as its router lists them, without a database: for naming tests at collection. */
let routes: AppRoute[] | undefined;
export function listRoutes(): AppRoute[] {
  routes ??= routesOfUnstartedApp();
  return routes;
}

function routesOfUnstartedApp(): AppRoute[] {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'zhifu-fuzz-routes-'));
  const config = loadConfig({ NODE_ENV: 'test', DATABASE_URL: `sqlite:${path.join(dir, 'unused.db')}`, SANDBOX_DIR: TEST_SANDBOX_DIR });
  const db = openDatabase(config.database);
  try {
    return appRoutes(buildApp({ config, db, clock: systemClock, logger: createLogger('silent') }).app);
  } finally {
    void db.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}

export function routesOf(group: FuzzGroup): AppRoute[] {
  return listRoutes().filter((r) => groupOf(r) === group);
}

interface Persona {
  cookie: string | null;
  csrf: string | null;
  /** The session row as seeded. */
  session: Record<string, unknown> | null;
}

export interface FuzzApp {
  t: ListeningApp;
  fixtures: Fixtures;
  personas: Record<PersonaName, Persona>;
  /** Answers by route and status, printed with FUZZ_STATS=1 to show how deep the requests got. */
  statuses: Record<string, Record<number, number>>;
  /** Built on first use: the one query that counts and checksums every table. */
  fingerprintSql?: string;
}

/** A table → "rows:checksum" map; a checksum of every column's length catches most changed rows too. */
async function fingerprintQuery(db: Knex): Promise<string> {
  const mysql = db.client.config.client === 'mysql2';
  const tables = mysql
    ? ((await db.raw('select table_name as name from information_schema.tables where table_schema = database()')) as [Array<{ name: string }>])[0].map((r) => r.name)
    : ((await db.raw("select name from sqlite_master where type = 'table' and name not like 'sqlite_%'")) as Array<{ name: string }>).map((r) => r.name);
  const selects: string[] = [];
  for (const table of tables.filter((t) => !t.startsWith('knex_') && !WRITTEN_ON_ANY_REQUEST.has(t)).sort()) {
    const columns = Object.keys(await db(table).columnInfo());
    const sum = columns.map((c, i) => `${i + 1} * length(coalesce(\`${c}\`, ''))`).join(' + ');
    selects.push(`select '${table}' as t, count(*) as n, coalesce(sum(${sum}), 0) as s from \`${table}\``);
  }
  return selects.join(' union all ');
}

async function fingerprint(db: Knex, sql: string): Promise<Map<string, string>> {
  const res = (await db.raw(sql)) as unknown;
  const rows = (db.client.config.client === 'mysql2' ? (res as [unknown[]])[0] : res) as Array<{ t: string; n: unknown; s: unknown }>;
  return new Map(rows.map((r) => [r.t, `${String(r.n)}:${String(r.s)}`]));
}

function differences(before: Map<string, string>, after: Map<string, string>): string[] {
  return [...after].filter(([t, v]) => before.get(t) !== v).map(([t, v]) => `${t} ${before.get(t) ?? '-'} → ${v}`);
}

async function seededPersonas(t: ListeningApp): Promise<{ personas: Record<PersonaName, Persona>; learnerId: number; otherLearnerId: number }> {
  const [learner, admin, other] = await seedLearnerSessions(t.db, t.config.session.secret, 3);
  if (!learner || !admin || !other) throw new Error('seeding sessions failed');
  await t.db('users').where({ id: admin.userId }).update({ role: 'admin' });
  // Seeded users get a placeholder hash; a login form reaching one must see a real hash.
  const hash = await createPasswordHasher({ memoryCost: 19456, timeCost: 2, parallelism: 1 }).hash('not a fuzzed password');
  await t.db('users').whereIn('id', [learner.userId, admin.userId, other.userId]).update({ password_hash: hash });
  const withRow = async (s: { cookie: string; csrf: string }): Promise<Persona> => {
    const sid = decodeURIComponent(s.cookie.slice(s.cookie.indexOf('=') + 1)).slice(2).split('.')[0]!;
    return { cookie: s.cookie, csrf: s.csrf, session: (await t.db('sessions').where({ sid }).first()) as Record<string, unknown> };
  };
  return {
    personas: { anonymous: { cookie: null, csrf: null, session: null }, learner: await withRow(learner), admin: await withRow(admin) },
    learnerId: learner.userId,
    otherLearnerId: other.userId,
  };
}

/** Puts a person's session back as seeded, so a fuzzed logout or login does not end the runs after it. */
async function restoreSession(f: FuzzApp, persona: PersonaName): Promise<void> {
  const row = f.personas[persona].session;
  if (!row) return;
  // An upsert: the app may still be saving the session of the request before.
  await f.t.db('sessions').insert(row).onConflict('sid').merge();
}

/** Content for every kind of path parameter, made through the app where the app makes it. */
async function createFixtures(t: ListeningApp, personas: Record<PersonaName, Persona>, learnerId: number, otherLearnerId: number): Promise<Fixtures> {
  const owned = await createCourseWithLessons(t.db, 2, { priceFen: 9900 });
  await t.db('lessons').where({ id: owned.lessons[0]!.id }).update({ is_free_preview: true });
  await grantAccess(t.db, learnerId, owned.id);
  const forSale = await createCourseWithLessons(t.db, 1, { priceFen: 19900 });
  const draft = await createCourse(t.db, { status: 'draft' });
  const learner = personas.learner;
  const asLearner = (method: string, p: string, form?: Record<string, string>) =>
    send(t.baseUrl, {
      method,
      path: p,
      headers: { cookie: learner.cookie!, ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
      body: form ? Buffer.from(new URLSearchParams({ _csrf: learner.csrf!, ...form }).toString()) : null,
    });
  const lessonPath = `/courses/${owned.slug}/lessons/${owned.lessons[0]!.id}`;
  await asLearner('GET', lessonPath);
  const comment = await asLearner('POST', `${lessonPath}/comments`, { body: '第一条留言' });
  const commentId = Number(/#comment-(\d+)$/.exec(String(comment.headers.location))?.[1]);
  await asLearner('POST', `/courses/${owned.slug}/rating`, { stars: '5', review: '讲得清楚' });
  const rating = (await t.db('ratings').where({ user_id: learnerId }).first('id')) as { id: number } | undefined;
  const ordered = await asLearner('POST', '/orders', { course_id: String(forSale.id) });
  const order = (await t.db('orders').where({ user_id: learnerId }).first('out_trade_no')) as { out_trade_no: string } | undefined;
  const transaction = order && ((await t.db('sandbox_wechatpay_transactions').where({ out_trade_no: order.out_trade_no }).first('pay_token')) as { pay_token: string } | undefined);
  if (!commentId || !rating || !order || !transaction) throw new Error(`fixtures incomplete: comment ${comment.status}, rating ${rating?.id}, order ${ordered.status}`);
  const coupon = await createCoupon(t.db);
  const plan = await createPlan(t.db);
  return {
    learnerId,
    otherLearnerId,
    courses: [owned, forSale, draft],
    lessonIds: [...owned.lessons, ...forSale.lessons].map((l) => l.id),
    commentId,
    ratingId: Number(rating.id),
    outTradeNo: order.out_trade_no,
    payToken: transaction.pay_token,
    couponId: coupon.id,
    claimToken: coupon.claimToken,
    planId: plan.id,
  };
}

/** A fuzz app for one test file: started before its tests, closed after. Read `.current` inside tests. */
export function fuzzApp(): { readonly current: FuzzApp } {
  let f: FuzzApp | undefined;
  beforeAll(async () => {
    const t = await startListeningApp({ CATALOG_CACHE_SECONDS: '0', LOG_LEVEL: process.env.FUZZ_LOG_LEVEL ?? 'silent' });
    const { personas, learnerId, otherLearnerId } = await seededPersonas(t);
    f = { t, personas, statuses: {}, fixtures: await createFixtures(t, personas, learnerId, otherLearnerId) };
  });
  afterAll(async () => {
    if (process.env.FUZZ_STATS && f) for (const [route, counts] of Object.entries(f.statuses)) process.stdout.write(`${route}: ${JSON.stringify(counts)}\n`);
    await f?.t.close();
  });
  return {
    get current() {
      if (!f) throw new Error('the fuzz app is not started');
      return f;
    },
  };
}

/** Signs that an error's internals reached the client. None of the payloads contains these. */
const LEAKS: Array<[RegExp, string]> = [
  [/\n\s+at [^\n]+:\d+:\d+/, 'a stack frame'],
  [/\.(?:ts|js):\d+:\d+/, 'a source location'],
  [/node_modules/, 'a node_modules path'],
  [/\bSQLITE_[A-Z]+/, 'a SQLite error code'],
  [/\bER_[A-Z_]{4,}/, 'a MySQL error code'],
  [/sqlMessage|sqlState|You have an error in your SQL syntax|SQLITE_ERROR|no such column|Duplicate entry/i, 'SQL error text'],
  [/\b(?:TypeError|ReferenceError|RangeError|URIError|SyntaxError)\b/, 'a JavaScript error name'],
  [/Cannot read propert|is not a function|is not iterable|Unexpected token|undefined is not/, 'a JavaScript error message'],
  [/\[object Object\]/, 'an object printed as text'],
];

const XSS_ECHOES = [`<script>${XSS_MARKER}`, `onerror=${XSS_MARKER}`, `onload=${XSS_MARKER}`, `<svg onload`];

/** Proto keys as they were when the worker started; compared after every request. */
const PROTO_KEYS = Object.getOwnPropertyNames(Object.prototype).sort().join(',');

export function prototypeProblems(): string[] {
  const out: string[] = [];
  if (Object.getOwnPropertyNames(Object.prototype).sort().join(',') !== PROTO_KEYS) out.push(`Object.prototype gained keys: ${Object.getOwnPropertyNames(Object.prototype).join(',')}`);
  if ((({}) as Record<string, unknown>).polluted !== undefined) out.push('Object.prototype.polluted is set');
  return out;
}

function isJson(a: Answer): boolean {
  return /^application\/(?:[\w.+-]+\+)?json/.test(String(a.headers['content-type'] ?? ''));
}

/** What is wrong with an answer, in words; empty when it is fine. */
export function answerProblems(route: AppRoute, a: Answer, baseUrl: string): string[] {
  const out: string[] = [];
  if (a.status >= 500) out.push(`status ${a.status}`);
  for (const [re, what] of LEAKS) if (re.test(a.text)) out.push(`the body shows ${what}: …${a.text.slice(Math.max(0, (re.exec(a.text)?.index ?? 0) - 80), (re.exec(a.text)?.index ?? 0) + 120)}…`);
  const html = String(a.headers['content-type'] ?? '').startsWith('text/html');
  if (html) for (const x of XSS_ECHOES) if (a.text.includes(x)) out.push(`the HTML echoes ${x} unescaped`);
  // Node answers 431 itself for oversized headers, before the app sees the request.
  const fromApp = a.status !== 431;
  if (fromApp && a.status >= 400 && a.status < 500) {
    const peer = groupOf(route) === 'peers';
    if (isJson(a)) {
      let parsed: Record<string, unknown> = {};
      try {
        parsed = JSON.parse(a.text) as Record<string, unknown>;
      } catch {
        out.push('a JSON content type with a body that is not JSON');
      }
      const codeMessage = typeof parsed.code === 'string' && typeof parsed.message === 'string';
      const wechat = peer && typeof parsed.errcode === 'number' && typeof parsed.errmsg === 'string';
      if (!codeMessage && !wechat) out.push(`a JSON error without {code, message}: ${a.text.slice(0, 200)}`);
    } else if (!peer) {
      // Pages may answer a JSON client in JSON (the error handler does); /api/ routes answer JSON to anyone.
      if (route.path.startsWith('/api/')) out.push(`a ${a.status} from a JSON endpoint answered ${String(a.headers['content-type'])}`);
      else if (!html) out.push(`a ${a.status} page answered ${String(a.headers['content-type'])}, not HTML`);
    }
  }
  if (fromApp && a.status >= 300 && a.status < 400 && groupOf(route) !== 'peers') {
    const location = String(a.headers.location ?? '');
    const sameSite = (location.startsWith('/') && !location.startsWith('//') && !location.startsWith('/\\')) || location.startsWith(`${baseUrl}/`);
    if (!sameSite) out.push(`a redirect off the site: ${location}`);
  }
  return out;
}

/**
 * Sends one request as `persona` (their session as seeded) and checks the answer, the prototype, and (for a 4xx) that no row changed.
 * Throws with everything that is wrong, so fast-check reports it with the counterexample.
 */
export async function checkedExchange(f: FuzzApp, route: AppRoute, persona: PersonaName, w: Wire): Promise<Answer> {
  f.fingerprintSql ??= await fingerprintQuery(f.t.db);
  await restoreSession(f, persona);
  const before = await fingerprint(f.t.db, f.fingerprintSql);
  const a = await send(f.t.baseUrl, w);
  const key = `${route.method} ${route.path} as ${persona}`;
  f.statuses[key] = { ...f.statuses[key], [a.status]: (f.statuses[key]?.[a.status] ?? 0) + 1 };
  const problems = [...answerProblems(route, a, f.t.baseUrl), ...prototypeProblems()];
  if (a.status >= 400 && a.status < 500) {
    const allowed = WRITTEN_ON_REFUSAL[`${route.method} ${route.path}`];
    const changed = differences(before, await fingerprint(f.t.db, f.fingerprintSql)).filter((d) => !allowed?.some((t) => d.startsWith(`${t} `)));
    if (changed.length > 0) problems.push(`a ${a.status} answer changed rows: ${changed.join('; ')}`);
  }
  if (problems.length > 0) {
    throw new Error(`${w.method} ${w.path.slice(0, 300)} as ${persona} answered ${a.status} (replay with FUZZ_SEED=${FUZZ_SEED}):\n  ${problems.join('\n  ')}\n  body: ${a.text.slice(0, 400)}`);
  }
  return a;
}

/** Fuzzes one route as one person: FUZZ_RUNS random requests, each checked on its own. */
export async function fuzzRoute(f: FuzzApp, route: AppRoute, persona: PersonaName): Promise<void> {
  const who = f.personas[persona];
  const arb = requestArbitrary(route.method, paramValues(route.path, f.fixtures), hostilePathSegment);
  await fc.assert(
    fc.asyncProperty(arb, fc.constantFrom('x', 'a'.repeat(64), '../', "' OR 1=1 --"), async (r: FuzzRequest, hostileCsrf: string) => {
      await checkedExchange(f, route, persona, toWire(route.method, route.path, r, who, hostileCsrf));
    }),
    // Shrinking can take longer than the normal suite's test timeout, which would hide the
    // counterexample behind "timed out": there the first failure is reported as found.
    { seed: seedFor(`${route.method} ${route.path} as ${persona}`), numRuns: FUZZ_RUNS, endOnFailure: !FUZZ_SHRINK },
  );
}

/**
 * A fuzz file's tests: one per route of the group and person, then a check that the app is intact
 * after everything thrown at it (it still serves the home page, Object.prototype is unchanged).
 */
export function fuzzGroup(group: FuzzGroup, title: string): void {
  describe(title, () => {
    const app = fuzzApp();
    for (const route of routesOf(group)) {
      for (const persona of personasFor(route)) {
        test(`${route.method} ${route.path} as ${persona} never answers 5xx, leaks nothing and half-writes nothing`, () => fuzzRoute(app.current, route, persona));
      }
    }
    test('afterwards the app still serves the home page and Object.prototype is untouched', async () => {
      expect(await appStillServes(app.current)).toEqual([]);
    });
  });
}

export async function appStillServes(f: FuzzApp): Promise<string[]> {
  const home = await send(f.t.baseUrl, { method: 'GET', path: '/', headers: {}, body: null });
  const problems = prototypeProblems();
  if (home.status !== 200 || !String(home.headers['content-type']).startsWith('text/html')) problems.push(`GET / answered ${home.status}`);
  return problems;
}
