import { createLogger } from '../../../src/platform/logger.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReconciler } from '../../../src/modules/payments/index.js';
import { fixedClock } from '../../../src/platform/clock.js';
import { openDatabase } from '../../../src/platform/db/index.js';
import { acquireLease, releaseLease } from '../../../src/platform/jobs/lease.js';
import { createCourseWithLessons } from '../../support/catalog-factories.js';
import { createCourse, createUser } from '../../support/factories.js';
import { startListeningApp, type ListeningApp } from '../../support/listening-app.js';
import { buy, createPendingOrder, orderRow, outTradeNoOf, payAtSandbox, sandboxControl, sandboxNotifications, signedInLearner } from '../../support/wechat-pay.js';

let t: ListeningApp;
beforeAll(async () => {
  t = await startListeningApp();
});
afterAll(async () => t?.close());

const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000);

/** A Native order through the real checkout, then made older than the reconciler's two-minute grace. */
async function orderPlaced(opts: { minutesAgo: number; expired?: boolean }) {
  const course = await createCourseWithLessons(t.db, 1, { priceFen: 6600 });
  const { agent, user } = await signedInLearner(t);
  const no = outTradeNoOf((await buy(agent, course)).headers.location);
  await t.db('orders')
    .where({ out_trade_no: no })
    .update({ created_at: minutesAgo(opts.minutesAgo), ...(opts.expired ? { expires_at: minutesAgo(1) } : {}) });
  return { no, user, course, agent };
}

describe('reconciliation of orders whose notification never came', () => {
  it('marks an order paid at WeChat paid, exactly as the notification would have', async () => {
    const { no, user, course } = await orderPlaced({ minutesAgo: 3 });
    const paid = await payAtSandbox(t, no, { delay_ms: 10 * 60_000 });

    const done = await t.payments.reconcile();

    expect(done.orders).toBeGreaterThanOrEqual(1);
    const order = await orderRow(t.db, no);
    expect(order).toMatchObject({ status: 'paid', transaction_id: paid.transaction_id });
    expect(order.paid_at).not.toBeNull();
    expect(order.payer_openid).toMatch(/^oSbx/);
    expect(await t.db('access_grants').where({ user_id: user.id, course_id: course.id })).toEqual([
      expect.objectContaining({ source: 'purchase', order_id: order.id, revoked_at: null }),
    ]);
    // The notification itself is still waiting at WeChat; when it comes it changes nothing.
    expect(await sandboxNotifications(t, no)).toEqual([expect.objectContaining({ status: 'pending' })]);
  });

  it('leaves an order younger than two minutes to its notification', async () => {
    const { no } = await orderPlaced({ minutesAgo: 1 });
    await payAtSandbox(t, no, { delay_ms: 10 * 60_000 });

    await t.payments.reconcile();

    expect(await orderRow(t.db, no)).toMatchObject({ status: 'pending' });
  });

  it('closes an expired unpaid order at WeChat and locally', async () => {
    const { no } = await orderPlaced({ minutesAgo: 40, expired: true });

    await t.payments.reconcile();

    expect(await orderRow(t.db, no)).toMatchObject({ status: 'closed' });
    expect(await sandboxControl(t, `/sandbox/transactions/${no}/pay`)).toMatchObject({ status: 400, json: { code: 'ORDER_CLOSED' } });
  });

  it('keeps an unexpired unpaid order pending', async () => {
    const { no } = await orderPlaced({ minutesAgo: 5 });

    await t.payments.reconcile();

    expect(await orderRow(t.db, no)).toMatchObject({ status: 'pending' });
  });

  it('closes locally an expired order WeChat never heard of, instead of retrying it for ever', async () => {
    // The process stopped between writing the order and asking WeChat for a prepay id.
    const user = await createUser(t.db, { passwordHash: 'x' });
    const course = await createCourse(t.db);
    const order = await createPendingOrder(t.db, { userId: user.id, courseId: course.id, createdAt: minutesAgo(40), expiresAt: minutesAgo(10) });

    await t.payments.reconcile();

    expect(await orderRow(t.db, order.out_trade_no)).toMatchObject({ status: 'closed' });
  });

  it('marks an order paid by the reconciler running in the background jobs', async () => {
    const { no } = await orderPlaced({ minutesAgo: 3 });
    await payAtSandbox(t, no, { delay_ms: 10 * 60_000 });
    const clock = fixedClock(new Date());
    const reconciler = createReconciler({ db: t.db, clock, log: createLogger('silent'), payments: t.payments, intervalMs: 60_000 });

    expect(await reconciler.runOnce()).toBe(true);

    expect(await orderRow(t.db, no)).toMatchObject({ status: 'paid' });
  });
});

describe('two reconcilers sharing the database', () => {
  it('lets only the one holding the lease run, until the lease runs out', async () => {
    const clock = fixedClock(new Date());
    const otherProcessDb = openDatabase(t.config.database);
    try {
      const log = createLogger('silent');
      // Clear any lease an earlier test left.
      await t.db('job_leases').where({ name: 'payments.reconcile' }).delete();
      const a = createReconciler({ db: t.db, clock, log, payments: t.payments, intervalMs: 60_000 });
      const b = createReconciler({ db: otherProcessDb, clock, log, payments: t.payments, intervalMs: 60_000 });

      const first = await Promise.all([a.runOnce(), b.runOnce()]);
      expect(first.filter(Boolean)).toHaveLength(1);
      const [holder, other] = first[0] ? [a, b] : [b, a];

      clock.advance(60_000);
      expect(await holder.runOnce()).toBe(true); // renews
      expect(await other.runOnce()).toBe(false);

      // The holder dies: 1.8 intervals after its last renewal the other takes over.
      clock.advance(108_001);
      expect(await other.runOnce()).toBe(true);
      expect(await holder.runOnce()).toBe(false);
    } finally {
      await otherProcessDb.destroy();
    }
  });
});

describe('acquireLease', () => {
  const now = new Date('2026-11-25T08:00:00.000Z');
  const at = (ms: number) => new Date(now.getTime() + ms);

  it('gives a free lease to the first owner and refuses a second while it lasts', async () => {
    expect(await acquireLease(t.db, 'test.free', 'p1', 10_000, now)).toBe(true);
    expect(await acquireLease(t.db, 'test.free', 'p2', 10_000, at(9_999))).toBe(false);
    expect(await t.db('job_leases').where({ name: 'test.free' }).first()).toMatchObject({ owner: 'p1' });
  });

  it('lets the holder renew, pushing the expiry on', async () => {
    await acquireLease(t.db, 'test.renew', 'p1', 10_000, now);
    expect(await acquireLease(t.db, 'test.renew', 'p1', 10_000, at(8_000))).toBe(true);
    expect(await acquireLease(t.db, 'test.renew', 'p2', 10_000, at(12_000))).toBe(false);
    expect(await acquireLease(t.db, 'test.renew', 'p2', 10_000, at(18_000))).toBe(true);
    expect(await t.db('job_leases').where({ name: 'test.renew' }).first()).toMatchObject({ owner: 'p2' });
  });

  it('lets another owner in once the holder releases it', async () => {
    await acquireLease(t.db, 'test.release', 'p1', 10_000, now);
    await releaseLease(t.db, 'test.release', 'p1');
    expect(await acquireLease(t.db, 'test.release', 'p2', 10_000, at(1))).toBe(true);
  });

  it('gives a free lease to exactly one of ten owners racing for it, each on its own connection pool', async () => {
    const pools = Array.from({ length: 10 }, () => openDatabase(t.config.database));
    try {
      const won = await Promise.all(pools.map((db, i) => acquireLease(db, 'test.race', `p${i}`, 10_000, now)));
      expect(won.filter(Boolean)).toHaveLength(1);
      expect(await t.db('job_leases').where({ name: 'test.race' }).first()).toMatchObject({ owner: `p${won.indexOf(true)}` });
    } finally {
      await Promise.all(pools.map((db) => db.destroy()));
    }
  });
});
