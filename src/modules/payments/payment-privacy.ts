import type { Knex } from 'knex';

/** A learner's orders and refunds, and their anonymisation: amounts, times and course stay for accounting. */
export function createPaymentPrivacy() {
  return {
    /** Each order with what it bought (a course, or a membership plan) and how its amount came about: list price, discount, coupon. */
    async personalData(db: Knex, userId: number) {
      const orders = await db('orders').where({ user_id: userId }).orderBy('id').select('id', 'out_trade_no', 'course_id', 'plan_id', 'description', 'list_price_fen', 'discount_fen', 'coupon_id', 'amount_fen', 'refunded_fen', 'status', 'channel', 'payer_openid', 'created_at', 'paid_at');
      const refunds = orders.length ? await db('refunds').whereIn('order_id', orders.map((o) => o.id)).orderBy('id').select('order_id', 'out_refund_no', 'amount_fen', 'reason', 'status', 'created_at', 'succeeded_at') : [];
      return { orders, refunds };
    },

    /** The payer's openid goes; the order (who is now 已注销用户), its amount and its refunds stay. */
    async erase(trx: Knex, userId: number): Promise<void> {
      await trx('orders').where({ user_id: userId }).update({ payer_openid: null });
    },
  };
}
