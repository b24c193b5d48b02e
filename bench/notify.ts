/**
 * `npm run bench -- notify`: how many WeChat Pay payment notifications the real webhook settles per
 * second, against the ceiling set by the cryptography alone.
 *
 * 1. The real app, built by `buildApp` in production mode in sandbox mode (its keys generated under a
 *    temporary SANDBOX_DIR), listening on a loopback port, on SQLite and then, when BENCH_MYSQL_URL
 *    (default mysql://root@127.0.0.1:3306/test) answers, on a fresh MariaDB/MySQL database created for
 *    the run and dropped after it.
 * 2. 2,000 pending orders of one paid course for 2,000 distinct learners, written straight with knex.
 * 3. 2,000 distinct TRANSACTION.SUCCESS notifications, signed and encrypted as WeChat does (with
 *    node:crypto, not the app's helpers) and freshly timestamped, POSTed once each to
 *    /wechatpay/notify by autocannon over 50 connections, after a warm-up on 200 other orders.
 * 4. Every answer must be 204, and afterwards all 2,000 orders paid with 2,000 live purchase grants;
 *    anything else makes the run invalid (exit code 1).
 * 5. The ceiling: an in-process loop that only parses, verifies (`verifyWechatSignature`) and decrypts
 *    (`decryptResource`) the same 2,000 notifications.
 *
 * One summary line on stdout, progress on stderr.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import knex, { type Knex } from 'knex';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config/config.js';
import { systemClock } from '../src/platform/clock.js';
import { migrateLatest, openDatabase } from '../src/platform/db/index.js';
import { createLogger } from '../src/platform/logger.js';
import { decryptResource, newOutTradeNo, verifyWechatSignature, WechatPayKeyring } from '../src/modules/payments/index.js';
import { insertBenchCourse } from './lib/course-fixtures.js';
import { listen } from './lib/load.js';
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
  problems: string[];
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
      // Counted during the warm-up only, so the listener costs nothing in the measured run.
      let queries = 0;
      const countQuery = () => (queries += 1);
      db.on('query', countQuery);
      const warmUp = await postEach({ ...job, requests: warm });
      db.off('query', countQuery);
      progress(`${label}: ${(queries / warm.length).toFixed(1)} SQL statements per notification`);
      const warmProblems = [...postProblems(`${label} warm-up`, warmUp, warm.length), ...(await verifyPaid(db, warmFixture)).map((p) => `${label} warm-up ${p}`)];
      if (warmProblems.length > 0) return { label, perSecond: 0, load: warmUp, problems: warmProblems };

      progress(`${label}: ${notifications.length} notifications over ${CONNECTIONS} connections`);
      const load = await postEach({ ...job, requests: notifications });
      const perSecond = load.completed / (load.elapsedMs / 1000);
      progress(
        `${label}: ${perSecond.toFixed(0)} notif/s, latency mean ${load.meanMs.toFixed(1)} ms p50 ${load.p50Ms} ms p99 ${load.p99Ms} ms, ` +
          `${load.completed} in ${(load.elapsedMs / 1000).toFixed(2)} s`,
      );
      const problems = [...postProblems(label, load, notifications.length), ...(await verifyPaid(db, fixture)).map((p) => `${label} ${p}`)];
      if (problems.length === 0) progress(`${label}: all ${ORDERS} orders paid, ${ORDERS} entitlements, ${ORDERS} notifications recorded`);
      return { label, perSecond, load, problems };
    } finally {
      await server.close();
    }
  } finally {
    await db.destroy();
  }
}

/** A fresh database on the server BENCH_MYSQL_URL names, or why there is none. */
async function freshMysqlDatabase(url: string): Promise<{ url: string; drop(): Promise<void> } | { skipped: string }> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { skipped: `BENCH_MYSQL_URL is not a URL` };
  }
  const admin = knex({
    client: 'mysql2',
    connection: {
      host: parsed.hostname,
      port: parsed.port ? Number(parsed.port) : 3306,
      user: decodeURIComponent(parsed.username),
      password: decodeURIComponent(parsed.password),
      connectTimeout: 3000,
    },
    pool: { min: 0, max: 1 },
    // An unreachable server is an expected outcome here, reported once below, not a stack trace.
    log: { warn: () => {}, error: () => {}, debug: () => {}, deprecate: () => {} },
  });
  const name = `zhifu_bench_notify_${randomBytes(4).toString('hex')}`;
  try {
    await admin.raw('select 1');
    await admin.raw(`create database \`${name}\` character set utf8mb4 collate utf8mb4_unicode_ci`);
  } catch (err) {
    await admin.destroy();
    return { skipped: (err as { code?: string }).code ?? (err as Error).message };
  }
  const fresh = new URL(url);
  fresh.pathname = `/${name}`;
  return {
    url: fresh.toString(),
    async drop() {
      try {
        await admin.raw(`drop database if exists \`${name}\``);
      } finally {
        await admin.destroy();
      }
    },
  };
}

function summary(r: DialectResult, cryptoPerSecond: number, withCrypto: boolean): string {
  const ratio = (r.perSecond / cryptoPerSecond).toFixed(2);
  return `${r.label} ${r.perSecond.toFixed(0)} notif/s p99 ${r.load.p99Ms} ms (ratio ${ratio}${withCrypto ? ` of crypto ${cryptoPerSecond.toFixed(0)}/s` : ''})`;
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
    const mysql = await freshMysqlDatabase(mysqlUrl);
    let mysqlNote = '';
    if ('skipped' in mysql) {
      mysqlNote = ` | mariadb skipped (${mysql.skipped})`;
      progress(`MariaDB/MySQL at ${new URL(mysqlUrl).host} did not answer (${mysql.skipped}); SQLite only`);
    } else {
      dropMysql = mysql.drop;
      progress(`MariaDB/MySQL: fresh database ${new URL(mysql.url).pathname.slice(1)}`);
      results.push(await runOn('mariadb', mysql.url, dir, state));
    }

    const cryptoPerSecond = state.cryptoPerSecond!;
    const invalid = results.flatMap((r) => r.problems);
    process.stdout.write(
      'notify: ' +
        results.map((r, i) => summary(r, cryptoPerSecond, i === 0)).join(' | ') +
        mysqlNote +
        (invalid.length > 0 ? ` | INVALID: ${invalid.join('; ')}` : '') +
        '\n',
    );
    return invalid.length > 0 ? 1 : 0;
  } finally {
    await cleanUp();
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
  }
}
