import type { Knex } from 'knex';
import { insertIfAbsent, isDuplicateKey, isSqlite, toDate, toDateOrNull } from '../../platform/db/index.js';
import { ConflictError } from '../../platform/errors.js';
import type { Channel, Order, OrderFilter, OrderFlag, OrderStatus, OrderTotals, Refund, RefundOrigin, RefundStatus } from './order.js';

type Row = Record<string, unknown>;

function toOrder(r: Row): Order {
  return {
    id: Number(r.id),
    outTradeNo: String(r.out_trade_no),
    userId: Number(r.user_id),
    courseId: r.course_id === null || r.course_id === undefined ? null : Number(r.course_id),
    planId: r.plan_id === null || r.plan_id === undefined ? null : Number(r.plan_id),
    amountFen: Number(r.amount_fen),
    listPriceFen: Number(r.list_price_fen ?? r.amount_fen),
    discountFen: Number(r.discount_fen ?? 0),
    couponId: r.coupon_id === null || r.coupon_id === undefined ? null : Number(r.coupon_id),
    couponGrantId: r.coupon_grant_id === null || r.coupon_grant_id === undefined ? null : Number(r.coupon_grant_id),
    description: String(r.description),
    channel: r.channel as Channel,
    status: r.status as OrderStatus,
    prepayId: (r.prepay_id as string | null) ?? null,
    codeUrl: (r.code_url as string | null) ?? null,
    h5Url: (r.h5_url as string | null) ?? null,
    transactionId: (r.transaction_id as string | null) ?? null,
    refundedFen: Number(r.refunded_fen),
    flag: (r.flag as OrderFlag | null) ?? null,
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
    origin: (r.origin as RefundOrigin | undefined) ?? 'merchant',
    createdAt: toDate(r.created_at),
    succeededAt: toDateOrNull(r.succeeded_at),
  };
}

/** Notification outcomes that changed an order or a refund; see recordNotification. */
const APPLIED_OUTCOMES = ['paid', 'closed', 'refund_settled'];

/** States a successful payment may arrive in: WeChat's word wins over a local close or failure. */
const PAYABLE: OrderStatus[] = ['pending', 'closed', 'failed'];

/** What an order buys, as the repository keys it: a course or a membership plan. */
export type ProductRef = { kind: 'course' | 'membership'; id: number };

/** The value of orders.payable_key while an order can be paid: one per learner and course or plan (unique). */
const payableKey = (userId: number, p: ProductRef) => (p.kind === 'course' ? `${userId}:${p.id}` : `${userId}:p${p.id}`);

const productColumns = (p: ProductRef) => (p.kind === 'course' ? { course_id: p.id, plan_id: null } : { course_id: null, plan_id: p.id });

export const productOf = (o: Pick<Order, 'courseId' | 'planId'>): ProductRef => (o.courseId !== null ? { kind: 'course', id: o.courseId } : { kind: 'membership', id: o.planId! });


function filtered(db: Knex, f: OrderFilter): Knex.QueryBuilder {
  const q = db('orders');
  if (f.status) q.where('status', f.status);
  if (f.courseId) q.where('course_id', f.courseId);
  if (f.from) q.where('created_at', '>=', f.from);
  if (f.until) q.where('created_at', '<', f.until);
  const text = f.text;
  if (text) q.where((w) => (text.userIds.length > 0 ? w.where('out_trade_no', text.outTradeNo).orWhereIn('user_id', text.userIds) : w.where('out_trade_no', text.outTradeNo)));
  return q;
}

export function createOrderRepository() {
  return {
    /**
     * A new pending order, holding the learner's one payable slot for the course; null when another
     * order holds it (a racing checkout), which the caller should look up and reuse.
     */
    async insert(db: Knex, o: Omit<Order, 'id' | 'status' | 'prepayId' | 'codeUrl' | 'h5Url' | 'transactionId' | 'refundedFen' | 'paidAt' | 'flag' | 'courseId' | 'planId'> & { product: ProductRef }): Promise<Order | null> {
      try {
        await db('orders').insert({
          payable_key: payableKey(o.userId, o.product),
        out_trade_no: o.outTradeNo,
        user_id: o.userId,
        ...productColumns(o.product),
        amount_fen: o.amountFen,
        list_price_fen: o.listPriceFen,
        discount_fen: o.discountFen,
        coupon_id: o.couponId,
        coupon_grant_id: o.couponGrantId,
        description: o.description,
        channel: o.channel,
        status: 'pending',
        refunded_fen: 0,
        expires_at: o.expiresAt,
        created_at: o.createdAt,
        updated_at: o.createdAt,
        });
      } catch (err) {
        if (isDuplicateKey(err)) return null;
        throw err;
      }
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

    /** The learner's one order for the course or plan that can still be paid (any channel, maybe expired). */
    async findPayable(db: Knex, userId: number, product: ProductRef): Promise<Order | null> {
      const r = await db('orders').where({ payable_key: payableKey(userId, product), status: 'pending' }).first();
      return r ? toOrder(r) : null;
    },

    /**
     * Takes the write lock on every order of one learner and course or plan (MySQL: their rows, in
     * index order, so two payments never deadlock). Payments of the same thing then apply one after
     * the other, and the second sees the first's grant. SQLite needs no statement for it: it has one
     * writer, and a transaction whose first statement is a write (markPaid, next) waits for it and
     * then reads the latest commit, in this process or any other.
     */
    async lockLearnerProduct(trx: Knex, userId: number, product: ProductRef): Promise<void> {
      if (isSqlite(trx)) return;
      await trx('orders').where({ user_id: userId, ...productColumns(product) }).update({ updated_at: trx.ref('updated_at') });
    },

    /** Whether the learner paid a newer order for the same plan: then a late payment of this one is a second payment. */
    async paidLaterForPlan(db: Knex, order: Order): Promise<boolean> {
      const r = await db('orders').where({ user_id: order.userId, plan_id: order.planId }).where('id', '>', order.id).whereIn('status', ['paid', 'refunding']).first('id');
      return r !== undefined;
    },

    async setFlag(db: Knex, id: number, flag: OrderFlag, now: Date): Promise<void> {
      await db('orders').where({ id }).update({ flag, updated_at: now });
    },

    /**
     * Flagged second payments whose automatic refund was never started (the process stopped, or the
     * database failed, between the payment and the refund). One that WeChat refused is left to a person.
     */
    async duplicatesAwaitingRefund(db: Knex, limit: number): Promise<Order[]> {
      const rows = await db('orders as o')
        .where({ 'o.flag': 'duplicate_payment', 'o.status': 'paid', 'o.refunded_fen': 0 })
        .whereNotExists(db('refunds as r').whereRaw('r.order_id = o.id').where('r.origin', 'auto'))
        .orderBy('o.id')
        .limit(limit)
        .select('o.*');
      return rows.map(toOrder);
    },

    async setPrepay(db: Knex, id: number, p: { prepayId?: string; codeUrl?: string; h5Url?: string }, now: Date): Promise<void> {
      await db('orders').where({ id }).update({ prepay_id: p.prepayId ?? null, code_url: p.codeUrl ?? null, h5_url: p.h5Url ?? null, updated_at: now });
    },

    /** pending|closed|failed → paid, once; false when another notification or process got there first. */
    async markPaid(db: Knex, id: number, p: { transactionId: string | null; payerOpenid: string | null; paidAt: Date }, now: Date): Promise<boolean> {
      const n = await db('orders')
        .where({ id })
        .whereIn('status', PAYABLE)
        .update({ status: 'paid', payable_key: null, transaction_id: p.transactionId, payer_openid: p.payerOpenid, paid_at: p.paidAt, updated_at: now });
      return n > 0;
    },

    /** A conditional move; leaving `pending` frees the learner's payable slot for the course. */
    async moveStatus(db: Knex, id: number, from: OrderStatus[], to: OrderStatus, now: Date): Promise<boolean> {
      const n = await db('orders')
        .where({ id })
        .whereIn('status', from)
        .update({ status: to, updated_at: now, ...(to === 'pending' ? {} : { payable_key: null }) });
      return n > 0;
    },

    async addRefunded(db: Knex, id: number, fen: number, now: Date): Promise<void> {
      await db('orders').where({ id }).update({ refunded_fen: db.raw('refunded_fen + ?', [fen]), updated_at: now });
    },

    async pendingCreatedBefore(db: Knex, cutoff: Date, limit: number): Promise<Order[]> {
      const rows = await db('orders').where({ status: 'pending' }).andWhere('created_at', '<', cutoff).orderBy('id').limit(limit);
      return rows.map(toOrder);
    },

    async ofUser(db: Knex, userId: number, limit: number): Promise<Order[]> {
      const rows = await db('orders').where({ user_id: userId }).orderBy('id', 'desc').limit(limit);
      return rows.map(toOrder);
    },

    async refundsOfOrders(db: Knex, orderIds: number[]): Promise<Refund[]> {
      if (orderIds.length === 0) return [];
      const rows = await db('refunds').whereIn('order_id', orderIds).orderBy('id');
      return rows.map(toRefund);
    },

    async search(db: Knex, f: OrderFilter, limit: number, offset: number): Promise<Order[]> {
      const rows = await filtered(db, f).orderBy('id', 'desc').limit(limit).offset(offset);
      return rows.map(toOrder);
    },

    async totals(db: Knex, f: OrderFilter): Promise<OrderTotals> {
      const row = (await filtered(db, f)
        .select(
          db.raw('count(*) as n'),
          db.raw("coalesce(sum(case when status in ('paid', 'refunding', 'refunded') then amount_fen else 0 end), 0) as paid"),
          db.raw('coalesce(sum(refunded_fen), 0) as refunded'),
        )
        .first()) as Record<string, unknown>;
      return { count: Number(row.n), paidFen: Number(row.paid), refundedFen: Number(row.refunded) };
    },


    /** Written once per out_refund_no: a console refund's repeated notification finds the first row. */
    async insertRefund(db: Knex, r: { outRefundNo: string; orderId: number; amountFen: number; reason: string; requestedBy: number | null; origin: RefundOrigin; status?: RefundStatus; refundId?: string | null; requestKey?: string | null; now: Date }): Promise<Refund> {
      await insertIfAbsent(db, 'refunds', {
        request_key: r.requestKey ?? null,
        out_refund_no: r.outRefundNo,
        order_id: r.orderId,
        amount_fen: r.amountFen,
        reason: r.reason,
        status: r.status ?? 'pending',
        refund_id: r.refundId ?? null,
        requested_by: r.requestedBy,
        origin: r.origin,
        created_at: r.now,
        updated_at: r.now,
      }, ['out_refund_no']);
      const row = await this.findRefund(db, r.outRefundNo);
      // Written by nobody: the insert hit another unique key (the confirmation's request_key).
      if (!row) throw new ConflictError('REFUND_ALREADY_REQUESTED', '这笔退款已经提交过了，没有重复退款');
      return row;
    },

    /** What is still refundable: paid minus refunded minus refunds in flight. Read inside the refund's transaction. */
    async refundableFen(db: Knex, orderId: number): Promise<number> {
      const order = await db('orders').where({ id: orderId }).first('amount_fen', 'refunded_fen');
      const open = await db('refunds').where({ order_id: orderId }).whereIn('status', ['pending', 'processing']).sum({ n: 'amount_fen' }).first();
      return Number(order.amount_fen) - Number(order.refunded_fen) - Number(open?.n ?? 0);
    },

    async refundByRequestKey(db: Knex, requestKey: string): Promise<Refund | null> {
      const r = await db('refunds').where({ request_key: requestKey }).first();
      return r ? toRefund(r) : null;
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
