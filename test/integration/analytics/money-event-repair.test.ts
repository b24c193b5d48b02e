import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAnalytics } from '../../../src/modules/analytics/index.js';
import { createLogger } from '../../../src/platform/logger.js';
import { createCourse, createUser } from '../../support/factories.js';
import { startTestApp, type TestApp } from '../../support/test-app.js';

let t: TestApp;
/** The process that runs the repair (it holds the job's lease for the whole file). */
let repairer: ReturnType<typeof analytics>;
beforeAll(async () => {
  t = await startTestApp();
  repairer = analytics();
});
afterAll(async () => t.close());

/** A second analytics, as another process would have: its own buffer, nothing flushed by a timer. */
const analytics = () => createAnalytics({ db: t.db, clock: t.clock, log: createLogger('silent'), secureCookies: false, buffer: { batchSize: 1000, flushMs: 3_600_000, maxBuffered: 1000 }, retentionDays: 180 });

let n = 0;
async function paidOrder(o: { refunds?: number[]; flag?: string } = {}) {
  const user = await createUser(t.db);
  const course = await createCourse(t.db, { priceFen: 10000 });
  const now = t.clock.now();
  const refunded = (o.refunds ?? []).reduce((s, f) => s + f, 0);
  const [id] = await t.db('orders').insert({ out_trade_no: `ZFREPAIR${++n}${Date.now() % 1e6}`, user_id: user.id, course_id: course.id, amount_fen: 10000, list_price_fen: 10000, description: 'x', channel: 'native', status: refunded >= 10000 ? 'refunded' : 'paid', flag: o.flag ?? null, refunded_fen: refunded, expires_at: now, paid_at: now, created_at: now, updated_at: now });
  for (const [i, fen] of (o.refunds ?? []).entries()) {
    await t.db('refunds').insert({ out_refund_no: `RF${Number(id)}x${i}`, order_id: Number(id), amount_fen: fen, status: 'succeeded', origin: 'merchant', succeeded_at: now, created_at: now, updated_at: now });
  }
  return { orderId: Number(id), userId: user.id, courseId: course.id };
}

const events = (orderId: number) => t.db('analytics_events').where({ order_id: orderId }).orderBy('id').pluck('type');
const daily = async (type: string, courseId: number) => Number((await t.db('analytics_daily').where({ type, course_id: courseId }).first('events'))?.events ?? 0);

describe('payment and refund events lost with a killed process', () => {
  it('are rebuilt once from orders and refunds, with their daily counts, and a second pass adds nothing', async () => {
    const o = await paidOrder({ refunds: [3000, 2000] });
    // The process that settled these was killed before its buffer was written: nothing in analytics.
    expect(await repairer.moneyRepair.runOnce()).toEqual({ payments: 1, refunds: 2, orders: 0 });
    expect(await events(o.orderId)).toEqual(['order_paid', 'refund', 'refund']);
    expect([await daily('order_paid', o.courseId), await daily('refund', o.courseId)]).toEqual([1, 2]);

    expect(await repairer.moneyRepair.runOnce()).toEqual({ payments: 0, refunds: 0, orders: 0 });
    expect(await events(o.orderId)).toEqual(['order_paid', 'refund', 'refund']);
  });

  it('counts one event per payment and per refund however a late batch and the repair interleave', async () => {
    const o = await paidOrder({ refunds: [4000] });
    const refs = { userId: o.userId, courseId: o.courseId, orderId: o.orderId };
    const alive = analytics();
    // This process heard of the payment and the refund but has not written them yet…
    alive.sink.track('order_paid', refs);
    alive.sink.track('refund', refs);
    // …when another one repairs, and then this one writes its batch (and writes it again, as after a lost answer).
    expect(await repairer.moneyRepair.runOnce()).toEqual({ payments: 1, refunds: 1, orders: 0 });
    await alive.buffer.flush();
    alive.sink.track('order_paid', refs);
    alive.sink.track('refund', refs);
    await alive.buffer.flush();

    expect(await events(o.orderId)).toEqual(['order_paid', 'refund']);
    expect([await daily('order_paid', o.courseId), await daily('refund', o.courseId)]).toEqual([1, 1]);
  });

  it('writes no order_paid for a second payment or one WeChat reported refunded, as payments never tells one', async () => {
    const second = await paidOrder({ flag: 'duplicate_payment', refunds: [10000] });
    const before = await paidOrder({ flag: 'refunded_before_recorded', refunds: [10000] });
    expect(await repairer.moneyRepair.runOnce()).toEqual({ payments: 0, refunds: 2, orders: 0 });
    expect(await events(second.orderId)).toEqual(['refund']);
    expect(await events(before.orderId)).toEqual(['refund']);
  });
});

describe('order_created events lost with a killed process', () => {
  it('are rebuilt for orders that have none once a batch would have landed, and never for one that has one', async () => {
    const user = await createUser(t.db);
    const course = await createCourse(t.db, { priceFen: 10000 });
    const minuteAgo = new Date(t.clock.now().getTime() - 60_000);
    const order = async (at: Date) => {
      const [id] = await t.db('orders').insert({ out_trade_no: `ZFCREATED${++n}${Date.now() % 1e6}`, user_id: user.id, course_id: course.id, amount_fen: 10000, list_price_fen: 10000, description: 'x', channel: 'native', status: 'pending', refunded_fen: 0, expires_at: at, created_at: at, updated_at: at });
      return Number(id);
    };
    const lost = await order(minuteAgo);
    const told = await order(minuteAgo);
    const justNow = await order(t.clock.now());
    const other = analytics();
    other.sink.track('order_created', { userId: user.id, courseId: course.id, orderId: told });
    await other.buffer.flush();

    expect(await repairer.moneyRepair.runOnce()).toEqual({ payments: 0, refunds: 0, orders: 1 });
    expect(await events(lost)).toEqual(['order_created']);
    expect(await events(told)).toEqual(['order_created']);
    // Seconds old: it may still be waiting in a live process's buffer.
    expect(await events(justNow)).toEqual([]);
    expect(await repairer.moneyRepair.runOnce()).toEqual({ payments: 0, refunds: 0, orders: 0 });
  });
});
