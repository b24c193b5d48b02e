/**
 * `npm run bench -- notify`: how many WeChat Pay payment notifications the real webhook settles per
 * second, against two ceilings measured in the same run.
 *
 * 1. The real app, built by `buildApp` in production mode in sandbox mode (its keys generated under a
 *    temporary SANDBOX_DIR), listening on a loopback port, on SQLite and then, when BENCH_MYSQL_URL
 *    (default mysql://root@127.0.0.1:3306/test) answers, on a fresh MariaDB/MySQL database created for
 *    the run and dropped after it.
 * 2. 2,000 pending orders of one paid course for 2,000 distinct learners, written straight with knex.
 * 3. 2,000 distinct TRANSACTION.SUCCESS notifications, signed and encrypted as WeChat does (with
 *    node:crypto, not the app's helpers) and freshly timestamped, POSTed once each to
 *    /wechatpay/notify by autocannon over 50 connections, after a warm-up on 200 other orders. The
 *    rate is answers over the time from the first request written to the last answer read (the load
 *    worker's own clock: autocannon's duration is whole seconds), p50/p99 over every round trip.
 * 4. Every answer must be 204, and afterwards all 2,000 orders paid with 2,000 live purchase grants;
 *    anything else makes the run invalid (exit code 1). The app's SQL statements and transactions
 *    during the timed run are counted (knex `query` events) and reported per notification.
 * 5. The ceilings: a bare Express route answering 204 to the same requests under the same load, right
 *    after, in the same process (what HTTP alone costs here); and an in-process loop that only parses,
 *    verifies (`verifyWechatSignature`) and decrypts (`decryptResource`) the notifications.
 *
 * One summary line on stdout, progress on stderr.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import express from 'express';
import type { Knex } from 'knex';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config/config.js';
import { systemClock } from '../src/platform/clock.js';
import { migrateLatest, openDatabase } from '../src/platform/db/index.js';
import { createLogger } from '../src/platform/logger.js';
import { decryptResource, newOutTradeNo, verifyWechatSignature, WechatPayKeyring } from '../src/modules/payments/index.js';
import { insertBenchCourse } from './lib/course-fixtures.js';
import { listen, mainThreadCpuMs } from './lib/load.js';
import { freshMysqlDatabase } from './lib/scratch-mysql.js';
import { postEach, problemsOf, type PostEachResult } from './lib/post-each.js';
import { paymentSucceeded, readSandboxKeys, type PlatformKeys, type SignedNotification } from './lib/wechatpay-notifications.js';

const ORDERS = 2000;
const WARM_UP_ORDERS = 200;
const CONNECTIONS = 50;
const PRICE_FEN = 19900;
const CRYPTO_PASSES = 5;
const DEFAULT_MYSQL_URL = 'mysql://root@127.0.0.1:3306/test';
/** src/app.ts SANDBOX_MCHID (not exported); a wrong one fails the warm-up with 400 商户号不匹配. */
const SANDBOX_MCHID = '1900000109';

const progress = (line: string) => process.stderr.write(`notify: ${line}\n`);

interface DialectResult {
  label: string;
  perSecond: number;
  load: PostEachResult;
  /** The bare Express route under the same load, right after. */
  bare: { perSecond: number; load: PostEachResult; cpuUs: number | null } | null;
  /** CPU time of the server's thread per notification (Linux): what a busy machine moves least. */
  cpuUs: number | null;
  sql: SqlCount | null;
  problems: string[];
}

/** What the app asked its database during the timed run, per notification. */
interface SqlCount {
  statements: number;
  transactions: number;
  /** Each distinct statement (BEGIN and COMMIT included) and how often it was sent. */
  shapes: Map<string, number>;
}

interface Fixture {
  courseId: number;
  orders: { outTradeNo: string; userId: number }[];
}

/** One paid course, `count` learners and one pending Native order each, in batches. */
async function seedOrders(db: Knex, tag: string, count: number, now: Date): Promise<Fixture> {
  const courseId = await insertBenchCourse(db, { slug: `bench-notify-${tag}`, title: `通知压测课程 ${tag}`, priceFen: PRICE_FEN, now });
  const users = Array.from({ length: count }, (_, i) => ({
    username: `bn_${tag}_${String(i).padStart(5, '0')}`,
    nickname: `压测学员 ${i + 1}`,
    role: 'learner',
    created_at: now,
    updated_at: now,
  }));
  const orders: Fixture['orders'] = [];
  await db.transaction(async (trx) => {
    for (let i = 0; i < users.length; i += 200) await trx('users').insert(users.slice(i, i + 200));
    const ids = (await trx('users').whereIn('username', users.map((u) => u.username)).orderBy('id').select('id')) as { id: number }[];
    const rows = ids.map(({ id }) => {
      const outTradeNo = newOutTradeNo(now);
      orders.push({ outTradeNo, userId: id });
      return {
        out_trade_no: outTradeNo,
        user_id: id,
        course_id: courseId,
        amount_fen: PRICE_FEN,
        description: `知付课程-通知压测课程 ${tag}`,
        channel: 'native',
        status: 'pending',
        code_url: `weixin://wxpay/bizpayurl?pr=${randomBytes(8).toString('hex')}`,
        refunded_fen: 0,
        expires_at: new Date(now.getTime() + 30 * 60_000),
        created_at: now,
        updated_at: now,
      };
    });
    for (let i = 0; i < rows.length; i += 200) await trx('orders').insert(rows.slice(i, i + 200));
  });
  return { courseId, orders };
}

function notificationsFor(keys: PlatformKeys, merchant: { appid: string; mchid: string }, fixture: Fixture, runId: string): SignedNotification[] {
  const now = new Date();
  return fixture.orders.map((o, i) =>
    paymentSucceeded(keys, merchant, { outTradeNo: o.outTradeNo, amountFen: PRICE_FEN, transactionId: `4200${runId}${String(i).padStart(6, '0')}` }, now),
  );
}

/** Notifications per second of parse + verify + decrypt alone, on this thread: the best of a few passes. */
function cryptoCeiling(keys: PlatformKeys, notifications: SignedNotification[]): number {
  const keyring = new WechatPayKeyring();
  keyring.addPublicKey(keys.publicKeyId, keys.platformPublicKeyPem);
  const pass = () => {
    const started = performance.now();
    for (const n of notifications) {
      const verdict = verifyWechatSignature(
        keyring,
        {
          timestamp: n.headers['wechatpay-timestamp'],
          nonce: n.headers['wechatpay-nonce'],
          signature: n.headers['wechatpay-signature'],
          serial: n.headers['wechatpay-serial'],
          body: n.body,
        },
        Math.floor(Date.now() / 1000),
      );
      if (verdict !== 'ok') throw new Error(`the crypto loop rejected a notification: ${verdict}`);
      const { resource } = JSON.parse(n.body) as { resource: { nonce: string; associated_data: string; ciphertext: string } };
      decryptResource(keys.apiV3Key, resource);
    }
    return performance.now() - started;
  };
  pass(); // warm-up
  const best = Math.min(...Array.from({ length: CRYPTO_PASSES }, pass));
  return notifications.length / (best / 1000);
}

async function verifyPaid(db: Knex, fixture: Fixture): Promise<string[]> {
  const count = async (q: Knex.QueryBuilder) => Number(((await q.count({ n: '*' }).first()) as { n: number | string } | undefined)?.n ?? 0);
  const paid = await count(db('orders').where({ course_id: fixture.courseId, status: 'paid' }));
  const entitlements = await count(db('access_grants').where({ course_id: fixture.courseId, source: 'purchase' }).whereNull('revoked_at'));
  const learners = Number(
    ((await db('access_grants').where({ course_id: fixture.courseId }).whereNull('revoked_at').countDistinct({ n: 'user_id' }).first()) as { n: number | string } | undefined)?.n ?? 0,
  );
  const recorded = await count(
    db('payment_notifications as n').join('orders as o', 'o.out_trade_no', 'n.out_trade_no').where({ 'o.course_id': fixture.courseId, 'n.outcome': 'paid' }),
  );
  const want = fixture.orders.length;
  return [
    paid !== want ? `${paid} of ${want} orders paid` : '',
    entitlements !== want || learners !== want ? `${entitlements} entitlements for ${learners} learners, expected ${want}` : '',
    recorded !== want ? `${recorded} of ${want} notifications recorded as paid` : '',
  ].filter(Boolean);
}

function postProblems(label: string, r: PostEachResult, expected: number): string[] {
  const codes = Object.keys(r.statusCodes);
  const not204 = codes.length === 1 && codes[0] === '204' ? [] : [`answers ${codes.map((c) => `${c}×${r.statusCodes[c]}`).join(', ')}, expected only 204`];
  return [...problemsOf(r, expected), ...not204].map((p) => `${label} ${p}`);
}

async function runOn(label: string, databaseUrl: string, dir: string, state: { cryptoPerSecond: number | null }): Promise<DialectResult> {
  const sandboxDir = path.join(dir, 'sandbox');
  const config = loadConfig({
    NODE_ENV: 'production',
    DATABASE_URL: databaseUrl,
    ALLOW_SQLITE_IN_PRODUCTION: 'true',
    SESSION_SECRET: randomBytes(32).toString('hex'),
    LOG_LEVEL: 'silent',
    // The built-in WeChat Pay sandbox: its keys, generated once, stay in the temporary folder.
    WECHATPAY_SANDBOX_IN_PRODUCTION: 'true',
    WECHAT_SANDBOX_IN_PRODUCTION: 'true',
    SANDBOX_DIR: sandboxDir,
    UPLOAD_DIR: path.join(dir, 'uploads'),
  });
  const db = openDatabase(config.database);
  try {
    await migrateLatest(db);
    // Background jobs (reconciliation, the simulator's own deliveries) stay off: only our POSTs count.
    const built = buildApp({ config, db, logger: createLogger(config.logLevel), clock: systemClock });
    const keys = readSandboxKeys(sandboxDir);
    const merchant = { appid: built.payments.appId, mchid: SANDBOX_MCHID };

    const now = new Date();
    const warmFixture = await seedOrders(db, `${label}-warm`, WARM_UP_ORDERS, now);
    const fixture = await seedOrders(db, label, ORDERS, now);
    progress(`${label}: ${WARM_UP_ORDERS} + ${ORDERS} pending orders for as many learners`);

    const runId = Date.now().toString().slice(-10);
    const warm = notificationsFor(keys, merchant, warmFixture, `${runId}9`);
    const notifications = notificationsFor(keys, merchant, fixture, `${runId}0`);
    progress(`${label}: ${warm.length + notifications.length} notifications signed and encrypted`);

    if (state.cryptoPerSecond === null) {
      state.cryptoPerSecond = cryptoCeiling(keys, notifications);
      progress(`crypto ceiling (parse + verify + decrypt, one thread): ${state.cryptoPerSecond.toFixed(0)} notif/s`);
    }

    const server = await listen(built.app);
    try {
      const job = { url: server.url, path: '/wechatpay/notify', connections: CONNECTIONS, timeoutSeconds: 30 };
      progress(`${label}: warming up with ${warm.length} notifications`);
      const warmCounted = countSql(db);
      const warmUp = await postEach({ ...job, requests: warm });
      // Which statements they are, per notification; the analytics buffer's batched writes are among them.
      for (const [sql, n] of warmCounted.stop(warm.length).shapes) progress(`${label}:   ${(n / warm.length).toFixed(2)} × ${sql.length > 150 ? `${sql.slice(0, 150)}…` : sql}`);
      const warmProblems = [...postProblems(`${label} warm-up`, warmUp, warm.length), ...(await verifyPaid(db, warmFixture)).map((p) => `${label} warm-up ${p}`)];
      if (warmProblems.length > 0) return { label, perSecond: 0, load: warmUp, bare: null, sql: null, cpuUs: null, problems: warmProblems };

      progress(`${label}: ${notifications.length} notifications over ${CONNECTIONS} connections`);
      const counted = countSql(db);
      const cpuBefore = mainThreadCpuMs();
      const load = await postEach({ ...job, requests: notifications });
      const cpuUs = cpuPerRequest(cpuBefore, load.completed);
      const sql = counted.stop(load.completed);
      const perSecond = load.completed / (load.elapsedMs / 1000);
      progress(
        `${label}: ${perSecond.toFixed(0)} settled/s, latency mean ${load.meanMs.toFixed(1)} ms p50 ${load.p50Ms.toFixed(1)} ms p99 ${load.p99Ms.toFixed(1)} ms, ` +
          `${load.completed} in ${(load.elapsedMs / 1000).toFixed(3)} s, server thread ${cpuUs?.toFixed(0) ?? '?'} µs CPU each; ${sql.statements.toFixed(2)} SQL statements and ${sql.transactions.toFixed(2)} transactions per notification`,
      );
      const problems = [...postProblems(label, load, notifications.length), ...(await verifyPaid(db, fixture)).map((p) => `${label} ${p}`)];
      if (problems.length === 0) progress(`${label}: all ${ORDERS} orders paid, ${ORDERS} entitlements, ${ORDERS} notifications recorded`);
      const bare = await bareExpress([...notifications, ...notifications]);
      progress(`${label}: bare Express 204 under the same load: ${bare.perSecond.toFixed(0)} req/s, ${bare.cpuUs?.toFixed(0) ?? '?'} µs CPU each, p50 ${bare.load.p50Ms.toFixed(1)} ms p99 ${bare.load.p99Ms.toFixed(1)} ms`);
      return { label, perSecond, load, bare, sql, cpuUs, problems: [...problems, ...postProblems(`${label} bare Express`, bare.load, notifications.length * 2)] };
    } finally {
      await server.close();
    }
  } finally {
    await db.destroy();
  }
}

/**
 * Counts the statements knex sends from now until `stop`; BEGIN and COMMIT (or ROLLBACK) are counted
 * as one transaction, not as statements. The warm-up's list says which statements they are.
 */
function countSql(db: Knex): { stop(notifications: number): SqlCount } {
  let statements = 0;
  let transactions = 0;
  const shapes = new Map<string, number>();
  const onQuery = (q: { sql?: string }) => {
    shapes.set(q.sql ?? '', (shapes.get(q.sql ?? '') ?? 0) + 1);
    const sql = (q.sql ?? '').trimStart().slice(0, 8).toUpperCase();
    if (sql.startsWith('BEGIN') || sql.startsWith('START TR')) transactions += 1;
    else if (!sql.startsWith('COMMIT') && !sql.startsWith('ROLLBACK')) statements += 1;
  };
  db.on('query', onQuery);
  return {
    stop(notifications) {
      db.off('query', onQuery);
      return { statements: statements / notifications, transactions: transactions / notifications, shapes };
    },
  };
}

/** What HTTP alone costs here: an Express route that reads the body and answers 204, under the same load. */
/** µs of the server thread's CPU per answer since `before` (ms, from mainThreadCpuMs); null off Linux. */
function cpuPerRequest(before: number | null, answers: number): number | null {
  const after = mainThreadCpuMs();
  return before !== null && after !== null && answers > 0 ? ((after - before) * 1000) / answers : null;
}

async function bareExpress(requests: SignedNotification[]): Promise<NonNullable<DialectResult['bare']>> {
  const app = express();
  app.post('/wechatpay/notify', express.raw({ type: () => true, limit: '64kb' }), (_req, res) => {
    res.status(204).end();
  });
  const server = await listen(app);
  try {
    const cpuBefore = mainThreadCpuMs();
    const load = await postEach({ url: server.url, path: '/wechatpay/notify', connections: CONNECTIONS, timeoutSeconds: 30, requests });
    return { perSecond: load.completed / (load.elapsedMs / 1000), load, cpuUs: cpuPerRequest(cpuBefore, load.completed) };
  } finally {
    await server.close();
  }
}

function summary(r: DialectResult): string {
  const sql = r.sql ? `, ${r.sql.statements.toFixed(1)} SQL + ${r.sql.transactions.toFixed(1)} tx per notification` : '';
  const cpu = r.cpuUs !== null ? `, ${r.cpuUs.toFixed(0)} µs CPU` : '';
  const bare = r.bare ? ` (${(r.perSecond / r.bare.perSecond).toFixed(2)} of bare Express ${r.bare.perSecond.toFixed(0)}/s${r.bare.cpuUs !== null ? ` ${r.bare.cpuUs.toFixed(0)} µs` : ''})` : '';
  return `${r.label} ${r.perSecond.toFixed(0)} settled/s p50 ${r.load.p50Ms.toFixed(1)} ms p99 ${r.load.p99Ms.toFixed(1)} ms${cpu}${sql}${bare}`;
}

export async function main(_args: string[]): Promise<number> {
  // Express reads NODE_ENV for its own defaults; the real app below is configured for production too.
  process.env.NODE_ENV = 'production';
  const dir = mkdtempSync(path.join(os.tmpdir(), 'zhifu-bench-notify-'));
  let dropMysql: (() => Promise<void>) | null = null;
  const cleanUp = async () => {
    await dropMysql?.().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  };
  const onSignal = () => {
    void cleanUp().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
  // Throughput on a shared machine depends on what else runs: say so next to the figures.
  progress(`${os.availableParallelism()} CPUs, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);

  try {
    const state: { cryptoPerSecond: number | null } = { cryptoPerSecond: null };
    const results: DialectResult[] = [await runOn('sqlite', `sqlite:${path.join(dir, 'bench.db')}`, dir, state)];

    const mysqlUrl = process.env.BENCH_MYSQL_URL || DEFAULT_MYSQL_URL;
    let mysqlNote = '';
    const mysql = await freshMysqlDatabase(mysqlUrl, 'zhifu_bench_notify').catch((err: unknown) => {
      const why = (err as { code?: string }).code ?? (err as Error).message;
      mysqlNote = ` | mariadb skipped (${why})`;
      progress(`MariaDB/MySQL at ${new URL(mysqlUrl).host} did not answer (${why}); SQLite only`);
      return null;
    });
    if (mysql) {
      dropMysql = mysql.drop;
      progress(`${mysql.server}: fresh database ${mysql.name}`);
      results.push(await runOn('mariadb', mysql.url, dir, state));
    }

    const cryptoPerSecond = state.cryptoPerSecond!;
    const invalid = results.flatMap((r) => r.problems);
    process.stdout.write(
      'notify: ' +
        results.map(summary).join(' | ') +
        mysqlNote +
        ` | crypto alone ${cryptoPerSecond.toFixed(0)}/s` +
        (invalid.length > 0 ? ` | INVALID: ${invalid.join('; ')}` : '') +
        '\n',
    );
    return invalid.length > 0 ? 1 : 0;
  } finally {
    await cleanUp();
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
  }
}
