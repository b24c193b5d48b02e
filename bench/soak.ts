/**
 * `npm run bench -- soak`: several processes, real load, real faults; then proof that nothing was
 * lost, doubled or leaked (issue 16).
 *
 * Setup, all on 127.0.0.1 under one temp folder: a private MariaDB server (never the shared one),
 * the standalone WeChat Pay sandbox (`src/modules/sandbox/wechatpay/standalone.ts`, its own SQLite,
 * retries on WeChat's schedule ÷ SANDBOX_TIME_SCALE), two app processes (`src/main.ts`,
 * NODE_ENV=production, live WeChat Pay mode pointed at the sandbox with the sandbox's keys,
 * reconciliation every RECONCILE_INTERVAL_SECONDS) behind a round-robin proxy (soak-proxy.ts) that
 * learners and the sandbox's notifications go through.
 *
 * Load: 1,000 learners (rows written with one cheap argon2 hash, then logged in through the form)
 * buy 1–3 of six courses over HTTP (POST /orders with CSRF) and pay through the sandbox's controls;
 * some payments carry duplicates, a sign probe or a delay (so a refund overtakes the payment), some
 * orders are refunded by the admin over HTTP (full or partial) or in the "merchant console", some are
 * left unpaid to expire or fail, some are paid while MariaDB is down and while an app is dead.
 * Faults: MariaDB is stopped (SIGTERM) and started again; one app process gets SIGKILL and is started
 * again. Then the run waits (bounded) for retries and reconciliation to settle everything, stops
 * the apps gracefully and checks (soak-checks.ts).
 *
 * Exit 0 with zero violations, 1 on any, 2 on bad usage. One summary line on stdout, progress on
 * stderr. SOAK_LEARNERS (1000) scales the load; SOAK_KEEP=1 keeps the temp folder (logs).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import knex from 'knex';
import { knexConfig, migrateLatest } from '../src/platform/db/index.js';
import { loadOrCreateSandboxKeys } from '../src/modules/sandbox/wechatpay/index.js';
import { insertBenchCourse } from './lib/course-fixtures.js';
import { checkoutForm } from './lib/checkout-wave.js';
import { BENCH_ARGON2_ENV, seedLearners, signIn, type SignedIn } from './lib/learner-sessions.js';
import { freePort } from './lib/ports.js';
import { accessChecks, eventChecks, ledgerChecks, readApp, readSandbox, type Check } from './lib/soak-checks.js';
import { QUIET_KNEX_LOG, startPrivateMariaDb } from './lib/soak-mariadb.js';
import { service } from './lib/soak-processes.js';
import { startSoakProxy, type FiveXx } from './lib/soak-proxy.js';

const progress = (line: string) => process.stderr.write(`soak: [${(performance.now() / 1000).toFixed(0).padStart(3)} s] ${line}\n`);
const num = (name: string, fallback: number) => (process.env[name] && /^\d+$/.test(process.env[name]!) ? Number(process.env[name]) : fallback);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const LEARNERS = Math.max(10, num('SOAK_LEARNERS', 1000));
const COURSES = 6;
const PRICES_FEN = [9900, 19900, 4900, 29900, 14900, 990];
const TIME_SCALE = 30;
const RECONCILE_SECONDS = 5;
const CONCURRENCY = 24;
/** Learners start over this long, so the faults land in the middle of the traffic. */
const SPREAD_MS = 90_000;
const DB_RESTART_AT_MS = 30_000;
const KILL_AT_MS = 70_000;
const KILLED_FOR_MS = 6_000;
/** Unpaid and failed orders only this early: they must expire (1 min) and be reconciled (2 min) before the end. */
const UNPAID_UNTIL_MS = 45_000;
const TRAFFIC_MAX_MS = 200_000;
const DRAIN_MAX_MS = 170_000;
/** 5xx within this long after MariaDB answers again are still the outage's. */
const OUTAGE_GRACE_MS = 3_000;
/** A request the killed process had in flight is answered 502 by the proxy; those land right at the kill. */
const KILL_GRACE_MS = 2_000;
const HOLD_LEAD_MS = 35_000;
const HOLD_MAX = 30;

function mulberry32(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Fate = 'pay' | 'unpaid' | 'fail' | 'admin-refund' | 'admin-partial' | 'overtaken' | 'console-refund' | 'held-db' | 'held-kill';

interface Counters {
  orders: number;
  fates: Record<Fate, number>;
  duplicates: number;
  signProbes: number;
  delayed: number;
  retries: number;
  gaveUp: string[];
  /** The orders learners were sent to (303 /orders/<no>): each of these had its order_created. */
  told: Set<string>;
}

/** One HTTP call with bounded retries on 5xx and network errors (a learner pressing again). */
async function call(c: Counters, url: string, init: RequestInit, ok: (status: number) => boolean, what: string, again: (status: number) => boolean = () => false): Promise<Response | null> {
  for (let attempt = 1; attempt <= 40; attempt++) {
    try {
      const res = await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(20_000), ...init });
      if (ok(res.status)) return res;
      const text = await res.text();
      if (res.status < 500 && !again(res.status)) {
        // The page's own message (role="alert") says why; else the start of the body.
        const why = /role="alert">([^<]+)</.exec(text)?.[1] ?? text.slice(0, 120);
        c.gaveUp.push(`${what}: ${res.status} ${why.replace(/\s+/g, ' ')}`);
        return null;
      }
    } catch {
      // a connection reset while a process died: try again
    }
    c.retries += 1;
    await sleep(1000);
  }
  c.gaveUp.push(`${what}: no answer after 40 attempts`);
  return null;
}

export async function main(args: string[]): Promise<number> {
  if (args.length > 0) {
    process.stderr.write('usage: npm run bench -- soak   (no arguments; SOAK_LEARNERS=N scales the load, SOAK_KEEP=1 keeps the logs)\n');
    return 2;
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'zhifu-soak-'));
  const cleanups: Array<() => Promise<void>> = [];
  try {
    return await run(dir, cleanups);
  } finally {
    for (const c of cleanups.reverse()) await c().catch((err: unknown) => progress(`cleanup: ${String(err)}`));
    if (process.env.SOAK_KEEP === '1') progress(`logs kept in ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

async function run(dir: string, cleanups: Array<() => Promise<void>>): Promise<number> {
  // ---- MariaDB of our own: restarting it disturbs nobody.
  const mariadb = await startPrivateMariaDb(path.join(dir, 'mariadb'), await freePort());
  cleanups.push(() => mariadb.close());
  const admin = knex({ client: 'mysql2', connection: { host: '127.0.0.1', port: mariadb.port, user: 'root', password: '' }, pool: { min: 0, max: 1 }, log: QUIET_KNEX_LOG });
  await admin.raw('create database soak character set utf8mb4 collate utf8mb4_unicode_ci');
  await admin.destroy();
  const databaseUrl = mariadb.urlFor('soak');
  const db = knex({ ...knexConfig({ client: 'mysql', url: databaseUrl, poolMax: 4 }), log: QUIET_KNEX_LOG });
  cleanups.push(() => db.destroy());
  await migrateLatest(db);
  progress(`MariaDB ${mariadb.version.split('-')[0]} on 127.0.0.1:${mariadb.port}, migrated`);

  // ---- Keys: the sandbox's generated merchant and platform keys, given to the app as files, as a
  // merchant's own would be.
  const sandboxDir = path.join(dir, 'sandbox');
  const keys = loadOrCreateSandboxKeys(sandboxDir);
  const file = (name: string, text: string) => {
    const p = path.join(dir, name);
    writeFileSync(p, text, { mode: 0o600 });
    return p;
  };
  const merchant = { mchid: '1900000001', appid: 'wxsandbox00000001' };
  const sandboxPort = await freePort();
  const sandboxUrl = `http://127.0.0.1:${sandboxPort}`;
  const sandbox = service({
    name: 'sandbox',
    entry: 'src/modules/sandbox/wechatpay/standalone.ts',
    port: sandboxPort,
    dir,
    // Unsigned, /v3/certificates is refused with 401 (as WeChat does): any answer means it is up.
    readyPath: '/v3/certificates',
    ready: (status) => status === 401,
    env: { SANDBOX_PORT: String(sandboxPort), SANDBOX_DIR: sandboxDir, SANDBOX_TIME_SCALE: String(TIME_SCALE), WECHATPAY_MCHID: merchant.mchid, WECHAT_APPID: merchant.appid, LOG_LEVEL: 'warn' },
  });
  await sandbox.start();
  cleanups.push(() => sandbox.stop());

  // ---- Two app processes behind the proxy.
  const appPorts = [await freePort(), await freePort()];
  const proxy = await startSoakProxy(appPorts);
  cleanups.push(() => proxy.close());
  const appEnv = {
    NODE_ENV: 'production',
    DATABASE_URL: databaseUrl,
    DATABASE_POOL_MAX: '10',
    SESSION_SECRET: randomBytes(32).toString('base64url'),
    PUBLIC_URL: proxy.url,
    TRUST_PROXY: 'loopback',
    LOG_LEVEL: 'warn',
    SEED_DEMO_DATA: 'never',
    UPLOAD_DIR: path.join(dir, 'uploads'),
    WECHAT_SANDBOX_IN_PRODUCTION: 'true',
    WECHAT_APPID: merchant.appid,
    WECHATPAY_MCHID: merchant.mchid,
    WECHATPAY_APIV3_KEY: keys.apiV3Key,
    WECHATPAY_MERCHANT_PRIVATE_KEY_FILE: file('merchant-key.pem', keys.merchant.privateKeyPem),
    WECHATPAY_MERCHANT_SERIAL: keys.merchant.serial,
    WECHATPAY_PUBLIC_KEY_FILE: file('wechatpay-public-key.pem', keys.platform.publicKeyPem),
    WECHATPAY_PUBLIC_KEY_ID: keys.platform.publicKeyId,
    WECHATPAY_API_BASE: sandboxUrl,
    ORDER_EXPIRE_MINUTES: '1',
    RECONCILE_INTERVAL_SECONDS: String(RECONCILE_SECONDS),
    RECS_BUILD_INTERVAL_MINUTES: '0',
    LOGIN_RATE_LIMIT: '100000',
    REGISTER_RATE_LIMIT: '100000',
    ...BENCH_ARGON2_ENV,
  };
  const apps = appPorts.map((port, i) => service({ name: `app-${i + 1}`, entry: 'src/main.ts', port, dir, readyPath: '/healthz', env: { ...appEnv, PORT: String(port), HOST: '127.0.0.1' } }));
  await Promise.all(apps.map((a) => a.start()));
  for (const a of apps) cleanups.push(() => a.stop());
  progress(`sandbox on :${sandboxPort} (time ×${TIME_SCALE}), apps on :${appPorts.join(' and :')}, proxy ${proxy.url}`);

  // ---- Fixtures: six courses, the learners and one admin, logged in through the proxy.
  const now = new Date();
  const courseIds: number[] = [];
  for (let i = 0; i < COURSES; i++) courseIds.push(await insertBenchCourse(db, { slug: `soak-${i + 1}`, title: `耐久压测课 ${i + 1}`, priceFen: PRICES_FEN[i]!, now }));
  const seeded = await seedLearners(db, 'soak', LEARNERS, now);
  const [adminRow] = await seedLearners(db, 'soakadmin', 1, now);
  await db('users').where({ id: adminRow!.userId }).update({ role: 'admin' });
  const t0 = performance.now();
  const learners = await signIn(proxy.url, seeded, '/me/orders', 16);
  const [adminSession] = await signIn(proxy.url, [adminRow!], '/me/orders', 1);
  progress(`${COURSES} courses, ${LEARNERS} learners and an admin signed in through the proxy in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  // ---- Traffic and faults.
  const c: Counters = { orders: 0, fates: { pay: 0, unpaid: 0, fail: 0, 'admin-refund': 0, 'admin-partial': 0, overtaken: 0, 'console-refund': 0, 'held-db': 0, 'held-kill': 0 }, duplicates: 0, signProbes: 0, delayed: 0, retries: 0, gaveUp: [], told: new Set() };
  const windows = { dbStop: 0, dbUp: 0, kill: 0, killedBackend: 1, restarted: 0 };
  const held: Record<'held-db' | 'held-kill', string[]> = { 'held-db': [], 'held-kill': [] };
  const paidDuring = { db: 0, kill: 0 };
  const trafficStart = performance.now();
  const elapsed = () => performance.now() - trafficStart;
  const random = mulberry32(16);
  const control = (no: string, action: string, body: object = {}) =>
    call(c, `${sandboxUrl}/__sandbox/wechatpay/sandbox/transactions/${no}/${action}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }, (s) => s === 200, `sandbox ${action} ${no}`);
  const pay = async (no: string) => {
    const faults: Record<string, unknown> = {};
    if (random() < 0.15) {
      faults.duplicates = 2;
      c.duplicates += 1;
    }
    if (random() < 0.1) {
      faults.sign_probe = true;
      c.signProbes += 1;
    }
    if (random() < 0.1) {
      faults.delay_ms = 800;
      c.delayed += 1;
    }
    return control(no, 'pay', faults);
  };
  const waitPaid = async (no: string) => {
    for (let i = 0; i < 120; i++) {
      const o = (await db('orders').where({ out_trade_no: no }).first('status').catch(() => null)) as { status: string } | null | undefined;
      if (o?.status === 'paid') return true;
      await sleep(250);
    }
    return false;
  };
  const adminRefund = async (no: string, amountFen: number) => {
    const body = new URLSearchParams({ _csrf: adminSession!.csrf, amount: (amountFen / 100).toFixed(2), reason: '耐久压测退款', confirmed: 'yes', request_key: randomBytes(16).toString('hex') }).toString();
    if (!(await waitPaid(no))) return void c.gaveUp.push(`admin refund ${no}: never paid`);
    await call(c, `${proxy.url}/admin/orders/${no}/refunds`, { method: 'POST', headers: { cookie: adminSession!.cookie, 'content-type': 'application/x-www-form-urlencoded' }, body }, (s) => s === 303, `admin refund ${no}`);
  };

  function fateOf(): Fate {
    const r = random();
    const t = elapsed();
    const early = t < UNPAID_UNTIL_MS;
    if (r < 0.08) return early ? 'unpaid' : 'pay';
    if (r < 0.11) return early ? 'fail' : 'pay';
    if (r < 0.19) return 'admin-refund';
    if (r < 0.24) return 'admin-partial';
    if (r < 0.29) return 'overtaken';
    if (r < 0.34) return 'console-refund';
    if (r < 0.4 && DB_RESTART_AT_MS - t > 0 && DB_RESTART_AT_MS - t < HOLD_LEAD_MS && held['held-db'].length < HOLD_MAX) return 'held-db';
    if (r < 0.46 && KILL_AT_MS - t > 0 && KILL_AT_MS - t < HOLD_LEAD_MS && held['held-kill'].length < HOLD_MAX) return 'held-kill';
    return 'pay';
  }

  async function buy(l: SignedIn, courseId: number, priceFen: number): Promise<void> {
    const res = await call(c, `${proxy.url}/orders`, { method: 'POST', headers: { cookie: l.cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: checkoutForm({ csrf: l.csrf, courseId }) }, (s) => s === 303, `checkout by ${l.username}`,
      // 409 订单正在创建: an earlier try's order still waits for its prepay answer (that request died
      // with the database or the process); the learner presses again a little later.
      (s) => s === 409);
    const no = /^\/orders\/([A-Za-z0-9_-]+)$/.exec(res?.headers.get('location') ?? '')?.[1];
    if (!no) {
      if (res) c.gaveUp.push(`checkout by ${l.username}: 303 to ${res.headers.get('location')}`);
      return;
    }
    c.orders += 1;
    c.told.add(no);
    const fate = fateOf();
    c.fates[fate] += 1;
    switch (fate) {
      case 'unpaid':
        return;
      case 'fail':
        await control(no, 'fail');
        return;
      case 'held-db':
      case 'held-kill':
        held[fate].push(no);
        return;
      case 'admin-refund':
        await pay(no);
        return adminRefund(no, priceFen);
      case 'admin-partial':
        await pay(no);
        return adminRefund(no, Math.max(1, Math.floor(priceFen * 0.3)));
      case 'overtaken':
        // The payment's notice waits 2 s; the console refund's REFUND.SUCCESS goes out at once.
        await control(no, 'pay', { delay_ms: 2000 });
        await control(no, 'console-refund');
        return;
      case 'console-refund':
        await pay(no);
        if (await waitPaid(no)) await control(no, 'console-refund');
        return;
      case 'pay':
        await pay(no);
    }
  }

  async function learner(i: number): Promise<void> {
    const l = learners[i]!;
    const wanted = 1 + Math.floor(random() * 3);
    const picks = [...courseIds.keys()].sort(() => random() - 0.5).slice(0, wanted);
    for (const k of picks) await buy(l, courseIds[k]!, PRICES_FEN[k]!);
  }

  const payHeld = async (which: 'held-db' | 'held-kill') => {
    const list = held[which].splice(0);
    await Promise.all(list.map((no) => pay(no)));
    return list.length;
  };

  const faults = (async () => {
    await sleep(Math.max(0, DB_RESTART_AT_MS - elapsed()));
    windows.dbStop = Date.now();
    progress('fault: stopping MariaDB (SIGTERM)');
    await mariadb.stop();
    paidDuring.db = await payHeld('held-db');
    progress(`MariaDB is down; ${paidDuring.db} orders paid at WeChat meanwhile`);
    await sleep(5_000);
    await mariadb.start();
    await Promise.all(apps.map((a) => waitHealthy(a.port)));
    windows.dbUp = Date.now();
    progress(`MariaDB back and both apps healthy after ${((windows.dbUp - windows.dbStop) / 1000).toFixed(1)} s`);
    await sleep(Math.max(0, KILL_AT_MS - elapsed()));
    const victim = apps[windows.killedBackend]!;
    progress(`fault: SIGKILL ${victim.name} (pid ${victim.pid()})`);
    windows.kill = Date.now();
    await victim.kill();
    paidDuring.kill = await payHeld('held-kill');
    await sleep(KILLED_FOR_MS);
    await victim.start();
    windows.restarted = Date.now();
    progress(`${victim.name} started again after ${((windows.restarted - windows.kill) / 1000).toFixed(1)} s; ${paidDuring.kill} orders paid while it was dead`);
  })();

  let nextLearner = 0;
  const gap = SPREAD_MS / LEARNERS;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (nextLearner < LEARNERS && elapsed() < TRAFFIC_MAX_MS) {
        const i = nextLearner++;
        const due = i * gap - elapsed();
        if (due > 0) await sleep(due);
        await learner(i);
        if (i % 100 === 99) progress(`${i + 1} learners done, ${c.orders} orders, ${proxy.fiveXx.length} 5xx so far`);
      }
    }),
  );
  await faults;
  // Anything still held (its fault came before it was queued) is paid now.
  await payHeld('held-db');
  await payHeld('held-kill');
  const trafficMs = elapsed();
  progress(`traffic done: ${nextLearner} learners, ${c.orders} orders in ${(trafficMs / 1000).toFixed(0)} s (${c.retries} retried calls, ${c.gaveUp.length} given up)`);

  // ---- Let retries and reconciliation finish (bounded).
  const drainStart = performance.now();
  let settled = false;
  while (performance.now() - drainStart < DRAIN_MAX_MS) {
    const [open] = (await db.raw(
      `select
         (select count(*) from orders where status in ('pending','refunding')) as orders_open,
         (select count(*) from refunds where status in ('pending','processing')) as refunds_open`,
    )) as [Array<{ orders_open: number; refunds_open: number }>];
    const sbx = await readSandboxCounts(sandboxDir);
    const row = open[0]!;
    if (Number(row.orders_open) === 0 && Number(row.refunds_open) === 0 && sbx.pending === 0 && sbx.processing === 0) {
      settled = true;
      break;
    }
    if (Math.floor((performance.now() - drainStart) / 1000) % 15 === 0) progress(`settling: ${row.orders_open} orders and ${row.refunds_open} refunds open, ${sbx.pending} notifications and ${sbx.processing} refunds pending at WeChat`);
    await sleep(1000);
  }
  progress(settled ? `settled after ${((performance.now() - drainStart) / 1000).toFixed(0)} s` : `not settled after ${DRAIN_MAX_MS / 1000} s; checking anyway`);

  // Graceful stops write what the analytics buffers hold; only the SIGKILL may have lost anything.
  await Promise.all(apps.map((a) => a.stop()));
  await sandbox.stop();

  // ---- Checks.
  const app = await readApp(db, courseIds);
  const sbxDb = knex({ client: 'better-sqlite3', connection: { filename: path.join(sandboxDir, 'wechatpay-sandbox.db'), options: { readonly: true } }, useNullAsDefault: true, log: QUIET_KNEX_LOG });
  const wechat = await readSandbox(sbxDb).finally(() => sbxDb.destroy());
  const { money, created } = eventChecks(app, c.told);
  const checks: Check[] = [...accessChecks(app), ...ledgerChecks(app, wechat), money, created];

  const inOutage = (f: FiveXx) => f.at >= windows.dbStop && f.at <= windows.dbUp + OUTAGE_GRACE_MS;
  const atKill = (f: FiveXx) => f.origin === 'reset' && f.backend === windows.killedBackend && f.at >= windows.kill && f.at <= windows.kill + KILL_GRACE_MS;
  const outside = proxy.fiveXx.filter((f) => !inOutage(f) && !atKill(f));
  const fiveXx: Check = { name: 'zero 5xx outside the outage window', counted: proxy.fiveXx.length, violations: outside.length, examples: outside.slice(0, 5).map((f) => `${f.status} ${f.method} ${f.path} (${f.origin}, app-${f.backend + 1}, ${new Date(f.at).toISOString()})`) };
  checks.push(fiveXx);
  const given: Check = { name: 'every learner and admin action completed', counted: c.orders, violations: c.gaveUp.length, examples: c.gaveUp.slice(0, 5) };
  checks.push(given);

  for (const ch of checks) {
    progress(`${ch.violations === 0 ? 'ok  ' : 'FAIL'} ${ch.name}: ${ch.counted} checked, ${ch.violations} violations`);
    for (const e of ch.examples) progress(`       ${e}`);
  }

  const count = (status: string[]) => app.orders.filter((o) => status.includes(String(o.status))).length;
  const nStatus = (s: string) => wechat.notifications.filter((n) => n.status === s).length;
  const violations = checks.reduce((s, ch) => s + ch.violations, 0);
  const summary = [
    `soak: ${violations === 0 ? 'PASS' : 'FAIL'} ${violations} violations`,
    `${nextLearner} learners, ${c.orders} orders (paid ${count(['paid', 'refunding'])}, refunded ${count(['refunded'])}, closed ${count(['closed'])}, failed ${count(['failed'])}, pending ${count(['pending'])})`,
    `refunds ${app.refunds.filter((r) => r.status === 'succeeded').length} settled (${app.refunds.filter((r) => r.origin === 'console').length} console)`,
    `live purchase grants ${app.grants.filter((g) => g.revoked_at === null).length}, ended by refund ${app.grants.filter((g) => g.revoked_at !== null).length}`,
    `notifications ${nStatus('delivered')} delivered / ${nStatus('pending')} pending / ${nStatus('failed')} failed (duplicated ${c.duplicates}, sign-probed ${c.signProbes}, delayed ${c.delayed}, overtaken by a refund ${c.fates.overtaken})`,
    `faults: MariaDB down ${((windows.dbUp - windows.dbStop) / 1000).toFixed(1)} s with ${paidDuring.db} paid meanwhile, app-${windows.killedBackend + 1} SIGKILLed for ${((windows.restarted - windows.kill) / 1000).toFixed(1)} s with ${paidDuring.kill} paid meanwhile`,
    `5xx ${proxy.fiveXx.length} (${proxy.fiveXx.filter(inOutage).length} in the outage window, ${proxy.fiveXx.filter(atKill).length} in flight at the kill, ${outside.length} outside), failovers ${proxy.failovers}`,
    `lost events ${money.violations + created.violations} (money ${money.violations}, order_created ${created.violations})`,
    `requests app-1 ${proxy.requests[0]} app-2 ${proxy.requests[1]}`,
    `${settled ? 'settled' : 'NOT settled'}; ${(performance.now() / 1000).toFixed(0)} s in all`,
  ].join('; ');
  process.stdout.write(`${summary}\n`);
  return violations === 0 ? 0 : 1;
}

async function waitHealthy(port: number): Promise<void> {
  for (let i = 0; i < 150; i++) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      if (res.status === 200) return;
    } catch {
      // still reconnecting
    }
    await sleep(200);
  }
  throw new Error(`app on :${port} did not become healthy again`);
}

async function readSandboxCounts(sandboxDir: string): Promise<{ pending: number; processing: number }> {
  const sbx = knex({ client: 'better-sqlite3', connection: { filename: path.join(sandboxDir, 'wechatpay-sandbox.db'), options: { readonly: true } }, useNullAsDefault: true, log: QUIET_KNEX_LOG });
  try {
    const n = await sbx('sandbox_wechatpay_notifications').where({ status: 'pending' }).count({ n: '*' }).first();
    const r = await sbx('sandbox_wechatpay_refunds').where({ status: 'PROCESSING' }).count({ n: '*' }).first();
    return { pending: Number(n?.n ?? 0), processing: Number(r?.n ?? 0) };
  } finally {
    await sbx.destroy();
  }
}
