// Coupons for tests: made through the real service (as the admin form and the CLI do), and the
// shapes of the rows the tests check.
import type { Knex } from 'knex';
import { createAuditService } from '../../src/modules/audit/index.js';
import { createCommerce, type Coupon } from '../../src/modules/commerce/index.js';
import { systemClock, type Clock } from '../../src/platform/clock.js';
import { createLogger } from '../../src/platform/logger.js';

export function commerceFor(db: Knex, clock: Clock = systemClock) {
  return createCommerce({ db, clock, log: createLogger('silent'), audit: createAuditService({ db, clock }), openidOf: async () => null, sendReminder: null, reminderIntervalMs: 60_000 });
}

let seq = 0;

/** A coupon; by default 立减 ¥20 on every course, 100 copies, one per learner, always valid, with a unique code. */
export async function createCoupon(db: Knex, c: Partial<Parameters<ReturnType<typeof commerceFor>['coupons']['create']>[1]> = {}, clock: Clock = systemClock): Promise<Coupon> {
  return commerceFor(db, clock).coupons.create(null, {
    name: c.name ?? '立减优惠',
    code: c.code === undefined ? `T${Date.now() % 1_000_000}${++seq}` : c.code,
    kind: c.kind ?? 'amount',
    amountOffFen: c.amountOffFen === undefined ? 2000 : c.amountOffFen,
    thresholdFen: c.thresholdFen ?? null,
    percentOff: c.percentOff ?? null,
    scope: c.scope ?? 'all',
    courseIds: c.courseIds ?? [],
    validFrom: c.validFrom ?? null,
    validUntil: c.validUntil ?? null,
    quantity: c.quantity ?? 100,
    perLearner: c.perLearner ?? 1,
  });
}

export async function grantsOf(db: Knex, couponId: number) {
  return db('coupon_grants').where({ coupon_id: couponId }).orderBy('id');
}

export async function issuedCount(db: Knex, couponId: number): Promise<number> {
  return Number((await db('coupons').where({ id: couponId }).first('issued_count')).issued_count);
}
