import type { Knex } from 'knex';
import type { Order, OrderPricing } from '../payments/index.js';
import type { CouponService } from './coupon-service.js';
import type { MembershipService } from './membership-service.js';

/** Commerce's side of an order's life: the coupon copy it carries and the membership period it buys. */
export function createOrderPricing(deps: { coupons: CouponService; memberships: MembershipService }): OrderPricing {
  const { coupons, memberships } = deps;
  return {
    reserve: (trx, r) => coupons.reserve(trx, r),

    preflight: (r) => coupons.preflight(r),

    async bestDiscount(userId, product) {
      return (await coupons.bestFor(userId, product))?.price.discountFen ?? 0;
    },

    attach: (trx, grantId, orderId) => coupons.attach(trx, grantId, orderId),

    async paid(trx: Knex, order: Order, grantsAccess: boolean) {
      if (order.couponGrantId !== null) await coupons.consume(trx, order.couponGrantId, order.id);
      if (grantsAccess && order.planId !== null) await memberships.addPeriod(trx, { userId: order.userId, planId: order.planId, orderId: order.id, paidAt: order.paidAt ?? order.createdAt });
    },

    async closed(trx, order) {
      if (order.couponGrantId !== null) await coupons.release(trx, order.couponGrantId, order.id);
    },

    async refunded(trx, order) {
      if (order.couponGrantId !== null) await coupons.markRefunded(trx, order.couponGrantId, order.id);
      if (order.planId !== null) await memberships.endPeriodOfOrder(trx, order.id);
    },
  };
}
