import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../../src/platform/clock.js';
import { createCourseWithLessons } from '../../support/catalog-factories.js';
import { createCoupon, issuedCount } from '../../support/coupons.js';
import { startListeningApp, type ListeningApp } from '../../support/listening-app.js';
import { seedLearnerSessions } from '../../support/sessions.js';

// 100 coupons, 500 signed-in learners checking out within 10 s over real HTTP, on whichever
// database the suite runs on (SQLite, and MariaDB in CI).
const LEARNERS = 500;
const COUPONS = 100;

const clock = fixedClock(new Date());
let t: ListeningApp;
beforeAll(async () => {
  t = await startListeningApp({ ORDER_EXPIRE_MINUTES: '1' }, { clock });
});
afterAll(async () => t?.close());

/** Starts fn(item) for each item at evenly spaced moments over `windowMs`, with at most `inFlight` unanswered. */
async function arrivingOver<T, R>(windowMs: number, inFlight: number, items: T[], fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  const started = Date.now();
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      const due = started + (i * windowMs) / items.length;
      if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  return out;
}

describe('a flash sale', () => {
  it('gives 100 coupons to exactly 100 of 500 learners checking out at once, and a clear 优惠券已领完 to the other 400', async () => {
    const course = await createCourseWithLessons(t.db, 1, { priceFen: 19_900 });
    const coupon = await createCoupon(t.db, { code: 'FLASH', amountOffFen: 10_000, quantity: COUPONS, perLearner: 1 }, clock);
    const crowd = await seedLearnerSessions(t.db, t.config.session.secret, LEARNERS);

    // They arrive evenly over 10 s, at most 50 waiting for an answer at a time (browsers wait too).
    const replies = await arrivingOver(10_000, 50, crowd, ({ cookie, csrf }) => request(t.baseUrl).post('/orders').set('Cookie', cookie).type('form').send({ _csrf: csrf, course_id: String(course.id), coupon_code: 'FLASH' }));

    const placed = replies.filter((r) => r.status === 303);
    const soldOut = replies.filter((r) => r.status === 422 && r.text.includes('优惠券已领完'));
    expect(placed).toHaveLength(COUPONS);
    expect(soldOut).toHaveLength(LEARNERS - COUPONS);
    const orders = await t.db('orders').where({ course_id: course.id });
    expect(orders).toHaveLength(COUPONS);
    expect(orders.every((o) => o.coupon_id === coupon.id && Number(o.amount_fen) === 9900 && Number(o.discount_fen) === 10_000 && o.status === 'pending')).toBe(true);
    const grants = await t.db('coupon_grants').where({ coupon_id: coupon.id });
    expect(grants).toHaveLength(COUPONS);
    expect(grants.every((g) => g.status === 'reserved')).toBe(true);
    // One copy per order and per learner: none used twice.
    expect(new Set(grants.map((g) => Number(g.order_id))).size).toBe(COUPONS);
    expect(new Set(grants.map((g) => Number(g.user_id))).size).toBe(COUPONS);
    expect(new Set(orders.map((o) => Number(o.coupon_grant_id)))).toEqual(new Set(grants.map((g) => Number(g.id))));
    expect(await issuedCount(t.db, coupon.id)).toBe(COUPONS);

    // None is lost to an order that was never paid: they expire, and every copy is back in the pool.
    clock.advance(3 * 60_000);
    while ((await t.payments.reconcile()).orders > 0);
    expect(await t.db('orders').where({ course_id: course.id, status: 'pending' })).toEqual([]);
    expect(await issuedCount(t.db, coupon.id)).toBe(0);
    expect(await t.db('coupon_grants').where({ coupon_id: coupon.id }).whereNot({ status: 'released' })).toEqual([]);
  }, 180_000);
});
