import type { Knex } from 'knex';
import { insertIfAbsent, toDate, toDateOrNull } from '../../platform/db/index.js';
import type { Channel, Order, OrderStatus, Refund, RefundStatus } from './order.js';

type Row = Record<string, unknown>;

function toOrder(r: Row): Order {
  return {
    id: Number(r.id),
    outTradeNo: String(r.out_trade_no),
    userId: Number(r.user_id),
    courseId: Number(r.course_id),
    amountFen: Number(r.amount_fen),
    description: String(r.description),
    channel: r.channel as Channel,
    status: r.status as OrderStatus,
    prepayId: (r.prepay_id as string | null) ?? null,
    codeUrl: (r.code_url as string | null) ?? null,
    h5Url: (r.h5_url as string | null) ?? null,
    transactionId: (r.transaction_id as string | null) ?? null,
    refundedFen: Number(r.refunded_fen),
    expiresAt: toDate(r.expires_at),
    paidAt: toDateOrNull(r.paid_at),
    createdAt: toDate(r.created_at),
  };
}

function toRefund(r: Row): Refund {
  return {
    id: Number(r.id),
    outRefundNo: String(r.out_refund_no),
    orderId: Number(r.order_id),
    amountFen: Number(r.amount_fen),
    reason: String(r.reason),
    status: r.status as RefundStatus,
    refundId: (r.refund_id as string | null) ?? null,
    createdAt: toDate(r.created_at),
  };
}

/** Notification outcomes that changed an order or a refund; see recordNotification. */
const APPLIED_OUTCOMES = ['paid', 'closed', 'refund_settled'];

/** States a successful payment may arrive in: WeChat's word wins over a local close or failure. */
const PAYABLE: OrderStatus[] = ['pending', 'closed', 'failed'];

export function createOrderRepository() {
  return {
    async insert(db: Knex, o: Omit<Order, 'id' | 'status' | 'prepayId' | 'codeUrl' | 'h5Url' | 'transactionId' | 'refundedFen' | 'paidAt'>): Promise<Order> {
      await db('orders').insert({
        out_trade_no: o.outTradeNo,
        user_id: o.userId,
        course_id: o.courseId,
        amount_fen: o.amountFen,
        description: o.description,
        channel: o.channel,
        status: 'pending',
        refunded_fen: 0,
        expires_at: o.expiresAt,
        created_at: o.createdAt,
        updated_at: o.createdAt,
      });
      return (await this.findByOutTradeNo(db, o.outTradeNo))!;
    },

    async findByOutTradeNo(db: Knex, outTradeNo: string): Promise<Order | null> {
      const r = await db('orders').where({ out_trade_no: outTradeNo }).first();
      return r ? toOrder(r) : null;
    },

    async findById(db: Knex, id: number): Promise<Order | null> {
      const r = await db('orders').where({ id }).first();
      return r ? toOrder(r) : null;
    },

    /** A pending order the learner can still pay, for the same course and channel. */
    async findReusable(db: Knex, userId: number, courseId: number, channel: Channel, validUntil: Date): Promise<Order | null> {
      const r = await db('orders')
        .where({ user_id: userId, course_id: courseId, channel, status: 'pending' })
        .andWhere('expires_at', '>', validUntil)
        .orderBy('id', 'desc')
        .first();
      return r ? toOrder(r) : null;
    },

    async setPrepay(db: Knex, id: number, p: { prepayId?: string; codeUrl?: string; h5Url?: string }, now: Date): Promise<void> {
      await db('orders').where({ id }).update({ prepay_id: p.prepayId ?? null, code_url: p.codeUrl ?? null, h5_url: p.h5Url ?? null, updated_at: now });
    },

    /** pending|closed|failed → paid, once; false when another notification or process got there first. */
    async markPaid(db: Knex, id: number, p: { transactionId: string | null; payerOpenid: string | null; paidAt: Date }, now: Date): Promise<boolean> {
      const n = await db('orders')
        .where({ id })
        .whereIn('status', PAYABLE)
        .update({ status: 'paid', transaction_id: p.transactionId, payer_openid: p.payerOpenid, paid_at: p.paidAt, updated_at: now });
      return n > 0;
    },

    async moveStatus(db: Knex, id: number, from: OrderStatus[], to: OrderStatus, now: Date): Promise<boolean> {
      const n = await db('orders').where({ id }).whereIn('status', from).update({ status: to, updated_at: now });
      return n > 0;
    },

    async addRefunded(db: Knex, id: number, fen: number, now: Date): Promise<void> {
      await db('orders').where({ id }).update({ refunded_fen: db.raw('refunded_fen + ?', [fen]), updated_at: now });
    },

    async pendingCreatedBefore(db: Knex, cutoff: Date, limit: number): Promise<Order[]> {
      const rows = await db('orders').where({ status: 'pending' }).andWhere('created_at', '<', cutoff).orderBy('id').limit(limit);
      return rows.map(toOrder);
    },

    async latest(db: Knex, limit: number): Promise<Order[]> {
      const rows = await db('orders').orderBy('id', 'desc').limit(limit);
      return rows.map(toOrder);
    },

    async insertRefund(db: Knex, r: { outRefundNo: string; orderId: number; amountFen: number; reason: string; requestedBy: number; now: Date }): Promise<Refund> {
      await db('refunds').insert({
        out_refund_no: r.outRefundNo,
        order_id: r.orderId,
        amount_fen: r.amountFen,
        reason: r.reason,
        status: 'pending',
        requested_by: r.requestedBy,
        created_at: r.now,
        updated_at: r.now,
      });
      return (await this.findRefund(db, r.outRefundNo))!;
    },

    async findRefund(db: Knex, outRefundNo: string): Promise<Refund | null> {
      const r = await db('refunds').where({ out_refund_no: outRefundNo }).first();
      return r ? toRefund(r) : null;
    },

    async refundsOf(db: Knex, orderId: number): Promise<Refund[]> {
      const rows = await db('refunds').where({ order_id: orderId }).orderBy('id');
      return rows.map(toRefund);
    },

    async moveRefund(db: Knex, id: number, from: RefundStatus[], to: RefundStatus, extra: { refundId?: string | null; succeededAt?: Date }, now: Date): Promise<boolean> {
      const n = await db('refunds')
        .where({ id })
        .whereIn('status', from)
        .update({ status: to, updated_at: now, ...(extra.refundId ? { refund_id: extra.refundId } : {}), ...(extra.succeededAt ? { succeeded_at: extra.succeededAt } : {}) });
      return n > 0;
    },

    async openRefundsCreatedBefore(db: Knex, cutoff: Date, limit: number): Promise<Refund[]> {
      const rows = await db('refunds').whereIn('status', ['pending', 'processing']).andWhere('created_at', '<', cutoff).orderBy('id').limit(limit);
      return rows.map(toRefund);
    },

    /**
     * Recorded once per notification id; unverified ones have no trustworthy id and get none. A repeat
     * of a notification updates its row, except that the outcome of the copy that changed something
     * (`paid`, `closed`, `refund_settled`) is never overwritten by a later copy's `unchanged`: whichever
     * of several racing copies records last, the row keeps saying what happened.
     */
    async recordNotification(db: Knex, n: { notificationId: string | null; eventType: string; outcome: string; detail: string; outTradeNo: string | null; receivedAt: Date; processedAt: Date | null }): Promise<void> {
      const row = {
        notification_id: n.notificationId,
        event_type: n.eventType.slice(0, 48),
        outcome: n.outcome,
        detail: n.detail.slice(0, 255),
        out_trade_no: n.outTradeNo,
        received_at: n.receivedAt,
        processed_at: n.processedAt,
      };
      if (n.notificationId === null) {
        await db('payment_notifications').insert(row);
        return;
      }
      if (await insertIfAbsent(db, 'payment_notifications', row, ['notification_id'])) return;
      await db('payment_notifications')
        .where({ notification_id: n.notificationId })
        .whereNotIn('outcome', APPLIED_OUTCOMES)
        .update({ outcome: row.outcome, detail: row.detail, processed_at: row.processed_at });
    },
  };
}
