// Commerce: coupons and memberships. It prices an order before payment (payments still fixes
// amount_fen and checks it on notify) and hears how each order ends; see README.md.
import type { Knex } from 'knex';
import type { Clock } from '../../platform/clock.js';
import type { Logger } from '../../platform/logger.js';
import type { AuditService } from '../audit/index.js';
import { createCommerceRoutes } from './commerce-routes.js';
import { createCouponService } from './coupon-service.js';
import { createMembershipService } from './membership-service.js';
import { createOrderPricing } from './order-pricing.js';
import { createRenewalReminders, type ReminderSender } from './renewal-reminders.js';
import { formatYuan } from '../../platform/money.js';
import { lastDay, priceView } from './commerce-views.js';
import { termsLabel } from './coupon.js';
import { planCovers } from './membership.js';

export { createCommercePrivacy } from './commerce-privacy.js';
export { CouponForm, PlanForm, COUPON_FIELDS, PLAN_FIELDS, type CouponInput } from './commerce-schemas.js';
export { couponView, couponWindow, lastDay, planView, priceView, scopeLabel } from './commerce-views.js';
export { couponState, COUPON_STATE_LABELS, priceWith, termsLabel, MIN_PAYABLE_FEN, type CouponState, type Coupon, type CouponTerms, type Price } from './coupon.js';
export { PERIOD_DAYS, type MembershipPlan } from './membership.js';
export type { CouponService } from './coupon-service.js';
export type { MembershipService } from './membership-service.js';
export type { PlanRefusal } from './commerce-routes.js';
export type { ReminderSender } from './renewal-reminders.js';

export function createCommerce(deps: {
  db: Knex;
  clock: Clock;
  log: Logger;
  audit: AuditService;
  openidOf: (userId: number) => Promise<string | null>;
  /** The Official Account's template message, when one is configured for renewal reminders. */
  sendReminder: ReminderSender | null;
  reminderIntervalMs: number;
}) {
  const coupons = createCouponService(deps);
  const memberships = createMembershipService(deps);
  const reminders = createRenewalReminders({ ...deps, memberships, send: deps.sendReminder, intervalMs: deps.reminderIntervalMs });
  return {
    coupons,
    memberships,

    /** The course page's offer: the membership that opens it, the best coupon held, the plans that would. */
    async offerFor(viewerId: number | null, course: { id: number; priceFen: number; published: boolean }) {
      const [mine, best, plans] = await Promise.all([
        viewerId !== null && course.published ? memberships.ofLearner(viewerId) : Promise.resolve([]),
        viewerId !== null ? coupons.bestFor(viewerId, { kind: 'course', id: course.id, priceFen: course.priceFen }) : Promise.resolve(null),
        memberships.plansCovering(course.id),
      ]);
      const member = mine.find((m) => m.activeNow && planCovers(m.plan, course.id));
      return {
        member: member ? { planName: member.plan.name, until: lastDay(member.endsAt) } : null,
        coupon: best ? { name: best.coupon.name, label: termsLabel(best.coupon), ...priceView(best.price) } : null,
        plans: plans.map((p) => ({ name: p.name, price: formatYuan(p.priceFen), periodDays: p.periodDays })),
      };
    },

    pricing: createOrderPricing({ coupons, memberships }),
    reminders,
    routes: createCommerceRoutes({ coupons, memberships, clock: deps.clock }),
  };
}

export type Commerce = ReturnType<typeof createCommerce>;
