import type { Knex } from 'knex';

/**
 * A learner's coupons and memberships. Erasure ends the memberships and drops unused coupon copies;
 * copies that paid orders used stay (the creator's counts and the orders' discounts keep adding up),
 * tied to the erased account like its orders.
 */
export function createCommercePrivacy() {
  return {
    async personalData(db: Knex, userId: number) {
      const coupons = await db('coupon_grants as g').join('coupons as c', 'c.id', 'g.coupon_id').where('g.user_id', userId).orderBy('g.id').select('c.name', 'g.source', 'g.status', 'g.order_id', 'g.claimed_at', 'g.used_at');
      const memberships = await db('memberships as m').join('membership_plans as p', 'p.id', 'm.plan_id').where('m.user_id', userId).orderBy('m.id').select('p.name as plan', 'm.order_id', 'm.starts_at', 'm.ends_at', 'm.ended_at', 'm.ended_reason');
      return { coupons, memberships };
    },

    async erase(trx: Knex, userId: number): Promise<void> {
      await trx('membership_reminders').where({ user_id: userId }).delete();
      await trx('memberships').where({ user_id: userId }).delete();
      await trx('coupon_grants').where({ user_id: userId }).whereIn('status', ['available', 'released']).delete();
    },
  };
}
