/**
 * `npm run bench -- dashboard`: the creator's dashboard at scale. Seeds a temporary database with
 * 1,000,000 analytics events (and the rollups the event writer would have kept), 50,000 learners,
 * 20,000 orders with refunds, access and progress, over the last year; then times
 * `GET /admin/dashboard` as a signed-in admin over several date ranges, with and without a course
 * selected, against `GET /admin/orders` (a plain admin page with one query) measured in the same run.
 *
 * BENCH_EVENTS / BENCH_LEARNERS / BENCH_ORDERS scale it down for a trial; DATABASE_URL=mysql://…
 * runs it on MySQL (the database is emptied first: use a scratch one).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Knex } from 'knex';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config/config.js';
import { systemClock } from '../src/platform/clock.js';
import { migrateLatest, openDatabase } from '../src/platform/db/index.js';
import { createLogger } from '../src/platform/logger.js';
import { beijingDate } from '../src/platform/time.js';
import { createPasswordHasher } from '../src/modules/accounts/index.js';
import { seedPublishedCourses } from './lib/course-fixtures.js';
import { listen } from './lib/load.js';

const progress = (line: string) => process.stderr.write(`dashboard: ${line}\n`);
const num = (name: string, fallback: number) => (process.env[name] && /^\d+$/.test(process.env[name]!) ? Number(process.env[name]) : fallback);
const EVENTS = num('BENCH_EVENTS', 1_000_000);
const LEARNERS = num('BENCH_LEARNERS', 50_000);
const ORDERS = num('BENCH_ORDERS', 20_000);
const COURSES = 100;
const LESSONS_PER_COURSE = 10;
const DAY = 86_400_000;
const GOAL_MS = 300;
const ROUNDS = 5;
const TYPES = ['page_view', 'course_view', 'course_view', 'lesson_open', 'study_heartbeat', 'study_heartbeat', 'like', 'comment'] as const;
const SOURCES = ['direct', 'direct', 'menu', 'reply', 'article', 'share', 'search', 'wechat'] as const;

/** A tiny deterministic generator, so two runs seed the same data. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

async function insertChunked(db: Knex, table: string, rows: Record<string, unknown>[], size: number) {
  await db.transaction(async (trx) => {
    for (let i = 0; i < rows.length; i += size) await trx(table).insert(rows.slice(i, i + size));
  });
}

async function seed(db: Knex, now: Date): Promise<{ adminPassword: string; courseIds: number[] }> {
  const rand = rng(42);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
  const ago = (maxDays: number) => new Date(now.getTime() - Math.floor(rand() * maxDays * DAY));
  await seedPublishedCourses(db, { count: COURSES, now });
  const courseIds = (await db('courses').orderBy('id').pluck('id')).map(Number);
  const lessons: Record<string, unknown>[] = [];
  for (const c of courseIds) for (let p = 1; p <= LESSONS_PER_COURSE; p++) lessons.push({ course_id: c, position: p, title: `第 ${p} 课`, body_md: '正文', media_url: null, duration_seconds: 600, is_free_preview: p === 1, created_at: now, updated_at: now });
  await insertChunked(db, 'lessons', lessons, 200);
  const lessonIds = new Map<number, number[]>();
  for (const l of await db('lessons').select('id', 'course_id').orderBy('position')) lessonIds.set(Number(l.course_id), [...(lessonIds.get(Number(l.course_id)) ?? []), Number(l.id)]);
  progress(`${COURSES} courses, ${lessons.length} lessons`);

  const adminPassword = 'bench admin password 1';
  const hash = await createPasswordHasher({ memoryCost: 19456, timeCost: 2, parallelism: 1 }).hash(adminPassword);
  const users: Record<string, unknown>[] = [{ username: 'benchadmin', password_hash: hash, nickname: '作者', role: 'admin', created_at: now, updated_at: now }];
  for (let i = 1; i <= LEARNERS; i++) users.push({ username: `learner${i}`, password_hash: null, nickname: `学员${i}`, role: 'learner', created_at: ago(365), updated_at: now });
  await insertChunked(db, 'users', users, 200);
  const firstLearner = Number((await db('users').where({ username: 'learner1' }).first('id')).id);
  progress(`${LEARNERS} learners`);

  const orders: Record<string, unknown>[] = [];
  const grants: Record<string, unknown>[] = [];
  const progressRows = new Map<string, Record<string, unknown>>();
  const paidKeys = new Set<string>();
  for (let i = 0; i < ORDERS; i++) {
    const userId = firstLearner + Math.floor(rand() * LEARNERS);
    const courseId = pick(courseIds);
    const key = `${userId}:${courseId}`;
    const created = ago(365);
    const paid = rand() < 0.8 && !paidKeys.has(key);
    if (paid) paidKeys.add(key);
    const refunded = paid && rand() < 0.05 ? (rand() < 0.5 ? 9900 : 3000) : 0;
    orders.push({ out_trade_no: `ZFB${String(i).padStart(10, '0')}`, user_id: userId, course_id: courseId, amount_fen: 9900, description: '课程', channel: 'native', status: paid ? (refunded === 9900 ? 'refunded' : 'paid') : 'closed', refunded_fen: refunded, expires_at: created, paid_at: paid ? new Date(created.getTime() + 60_000) : null, created_at: created, updated_at: created, payable_key: null });
    if (paid && refunded !== 9900) grants.push({ user_id: userId, course_id: courseId, source: 'purchase', source_key: `order:b${i}`, order_id: null, granted_at: created, revoked_at: null });
    if (paid) {
      const ls = lessonIds.get(courseId)!;
      const reached = Math.floor(rand() * (ls.length + 1));
      for (let j = 0; j < reached; j++) {
        const last = new Date(created.getTime() + rand() * Math.max(1, now.getTime() - created.getTime()));
        progressRows.set(`${userId}:${ls[j]}`, { user_id: userId, lesson_id: ls[j], course_id: courseId, first_opened_at: last, last_opened_at: last, last_active_at: last, seconds_studied: Math.floor(rand() * 1200), completed_at: rand() < 0.8 ? last : null });
      }
    }
  }
  await insertChunked(db, 'orders', orders, 100);
  await insertChunked(db, 'access_grants', grants, 200);
  await insertChunked(db, 'lesson_progress', [...progressRows.values()], 200);
  const refunded = await db('orders').where('refunded_fen', '>', 0).select('id', 'refunded_fen', 'paid_at');
  await insertChunked(db, 'refunds', refunded.map((o, i) => ({ out_refund_no: `RFB${i}`, order_id: o.id, amount_fen: o.refunded_fen, reason: '退款', status: 'succeeded', refund_id: null, requested_by: null, succeeded_at: new Date(Number(new Date(o.paid_at)) + DAY), created_at: o.paid_at, updated_at: o.paid_at })), 200);
  progress(`${ORDERS} orders (${refunded.length} refunded), ${grants.length} grants, ${progressRows.size} progress rows`);

  // Events and the rollups the writer keeps beside them, as it would have written them.
  const daily = new Map<string, number>();
  const actors = new Set<string>();
  for (let done = 0; done < EVENTS; ) {
    const batch: Record<string, unknown>[] = [];
    for (let i = 0; i < 5000 && done < EVENTS; i++, done++) {
      const at = ago(365);
      const type = pick(TYPES);
      const source = pick(SOURCES);
      const known = rand() < 0.6;
      const userId = known ? firstLearner + Math.floor(rand() * LEARNERS) : null;
      const visitor = known ? null : `v${Math.floor(rand() * LEARNERS * 2)}`;
      const courseId = type === 'page_view' ? null : pick(courseIds);
      batch.push({ occurred_at: at, type, user_id: userId, visitor_id: visitor, course_id: courseId, lesson_id: null, order_id: null, source, medium: null, campaign: null, sharer_id: null, first_source: source, first_sharer_id: null, ua_class: 'wechat_phone', referrer_class: 'none', path: '/' });
      const day = beijingDate(at);
      const dkey = `${day}|${type}|${source}|${courseId ?? 0}`;
      daily.set(dkey, (daily.get(dkey) ?? 0) + 1);
      if (rand() < 0.3) daily.set(`${day}|visit|${source}|${courseId ?? 0}`, (daily.get(`${day}|visit|${source}|${courseId ?? 0}`) ?? 0) + 1);
      actors.add(`${day}|${type}|${courseId ?? 0}|${userId !== null ? `u:${userId}` : `v:${visitor}`}`);
    }
    await insertChunked(db, 'analytics_events', batch, 250);
    if (done % 200_000 === 0) progress(`${done} events`);
  }
  await insertChunked(db, 'analytics_daily', [...daily].map(([k, n]) => { const [day, type, source, course] = k.split('|'); return { day, type, source, course_id: Number(course), events: n }; }), 500);
  await insertChunked(db, 'analytics_daily_actors', [...actors].map((k) => { const [day, type, course, actor] = k.split('|'); return { day, type, course_id: Number(course), actor }; }), 500);
  progress(`${EVENTS} events, ${daily.size} daily counts, ${actors.size} daily actors`);
  return { adminPassword, courseIds };
}

async function timed(url: string, cookie: string, mustContain: string): Promise<number> {
  const start = process.hrtime.bigint();
  const res = await fetch(url, { headers: { cookie }, redirect: 'manual' });
  const body = await res.text();
  if (res.status !== 200 || !body.includes(mustContain)) throw new Error(`${url} answered ${res.status} without “${mustContain}”`);
  return Number(process.hrtime.bigint() - start) / 1e6;
}

const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil(xs.length * 0.95) - 1)]!;

export async function main(): Promise<number> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'zhifu-bench-dashboard-'));
  // NODE_ENV=test: production's Secure session cookie would not be set over this plain-HTTP loopback.
  const config = loadConfig({ NODE_ENV: 'test', DATABASE_URL: process.env.DATABASE_URL ?? `sqlite:${path.join(dir, 'bench.db')}`, ALLOW_SQLITE_IN_PRODUCTION: 'true', WECHATPAY_SANDBOX_IN_PRODUCTION: 'true', WECHAT_SANDBOX_IN_PRODUCTION: 'true', SESSION_SECRET: 'bench-session-secret-0123456789abcdef-xyz', SANDBOX_DIR: path.join(dir, 'sandbox'), UPLOAD_DIR: path.join(dir, 'uploads'), LOG_LEVEL: 'silent', LOGIN_RATE_LIMIT: '1000' }, dir);
  const db = openDatabase(config.database);
  try {
    if (config.database.client === 'mysql') {
      await db.raw('SET FOREIGN_KEY_CHECKS = 0');
      for (const t of ((await db.raw('show tables'))[0] as Record<string, string>[]).map((r) => Object.values(r)[0]!)) await db.schema.dropTableIfExists(t);
      await db.raw('SET FOREIGN_KEY_CHECKS = 1');
    }
    await migrateLatest(db);
    const now = new Date();
    const started = Date.now();
    const { adminPassword, courseIds } = await seed(db, now);
    progress(`seeded in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    const { app } = buildApp({ config, db, clock: systemClock, logger: createLogger(process.env.BENCH_LOG === '1' ? 'error' : 'silent') });
    const server = await listen(app);
    try {
      // Sign in as the admin through the real login form.
      const login = await fetch(`${server.url}/login`);
      const sid = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
      const csrf = /name="_csrf" value="([^"]+)"/.exec(await login.text())![1]!;
      const posted = await fetch(`${server.url}/login`, { method: 'POST', redirect: 'manual', headers: { cookie: sid, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ _csrf: csrf, username: 'benchadmin', password: adminPassword }) });
      const cookie = (posted.headers.get('set-cookie') ?? sid).split(';')[0]!;
      const today = beijingDate(now);
      const daysAgo = (n: number) => beijingDate(new Date(now.getTime() - n * DAY));
      const ranges = [
        `from=${daysAgo(6)}&to=${today}`,
        `from=${daysAgo(29)}&to=${today}`,
        `from=${daysAgo(89)}&to=${today}&by=week`,
        `from=${daysAgo(364)}&to=${today}&by=month`,
      ];
      const urls = [...ranges.map((r) => `/admin/dashboard?${r}`), ...ranges.map((r) => `/admin/dashboard?${r}&course=${courseIds[3]}`)];
      for (const u of urls) await timed(server.url + u, cookie, 'data-testid="total-net"');
      const dash: number[] = [];
      const base: number[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        for (const u of urls) dash.push(await timed(server.url + u, cookie, 'data-testid="total-net"'));
        for (let i = 0; i < urls.length; i++) base.push(await timed(`${server.url}/admin/orders`, cookie, 'data-testid="order-totals"'));
      }
      const worst = Math.max(...dash);
      const line = `dashboard: p95 ${p95(dash).toFixed(0)} ms (max ${worst.toFixed(0)} ms) over ${urls.length} ranges × ${ROUNDS} at ${EVENTS} events, ${LEARNERS} learners, ${ORDERS} orders on ${config.database.client} | baseline /admin/orders p95 ${p95(base).toFixed(0)} ms | ratio ${(p95(dash) / p95(base)).toFixed(1)} (goal p95 < ${GOAL_MS} ms)`;
      process.stdout.write(`${line}\n`);
      return 0;
    } finally {
      await server.close();
    }
  } finally {
    await db.destroy();
    if (process.env.BENCH_KEEP === '1') progress(`kept ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}
