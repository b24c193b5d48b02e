import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import type { Clock } from '../../platform/clock.js';
import { retryOnDeadlock } from '../../platform/db/index.js';
import { AppError, ConflictError, NotFoundError, ValidationError } from '../../platform/errors.js';
import type { Logger } from '../../platform/logger.js';
import type { EventSink } from '../analytics/index.js';
import type { AuditService } from '../audit/index.js';
import type { EnrolmentService } from '../enrolments/index.js';
import type { Channel, Order, OrderFilter, OrderPricing, OrderTotals, Refund, RefundOrigin } from './order.js';
import { createOrderRepository, productOf } from './order-repository.js';
import { WechatPayError, type WechatPayClient, type WechatRefund, type WechatTransaction } from './wechatpay-client.js';
import { decryptResource, SIGNATURE_WINDOW_SECONDS, verifyWechatSignature } from './wechatpay-crypto.js';

/** `ZF` + UTC yyyymmddHHMMss + 12 random base36 characters: 28 of [A-Za-z0-9], unique and unguessable. */
export function newOutTradeNo(now: Date, prefix = 'ZF'): string {
  const stamp = now.toISOString().replace(/\D/g, '').slice(0, 14);
  const rand = BigInt('0x' + randomBytes(8).toString('hex')).toString(36).padStart(12, '0').slice(-12);
  return `${prefix}${stamp}${rand}`.toUpperCase();
}

/** A definite no from WeChat (a verified 4xx): the refund was not taken and may be closed. */
function refusedByWechat(err: unknown): boolean {
  return err instanceof WechatPayError && err.definite;
}

function withinWindow(timestamp: string | undefined, now: Date): boolean {
  return /^\d{1,12}$/.test(timestamp ?? '') && Math.abs(Math.floor(now.getTime() / 1000) - Number(timestamp)) < SIGNATURE_WINDOW_SECONDS;
}

/** The refusals a refund and its preview share, so the confirmation page says what the refund would. */
const refundRefusals = {
  badAmount: () => new ValidationError('BAD_AMOUNT', '退款金额至少 0.01 元'),
  notRefundable: (status: Order['status']) => new ConflictError('ORDER_NOT_REFUNDABLE', status === 'refunding' ? '这笔订单正在退款中，请等待结果' : '只有已支付的订单可以退款'),
  tooLarge: (refundableFen: number) => new ValidationError('REFUND_TOO_LARGE', `最多可退 ${(refundableFen / 100).toFixed(2)} 元`),
};
const validRefundAmount = (fen: number) => Number.isSafeInteger(fen) && fen >= 1;

/** The reason WeChat shows the payer on the refund of a second payment. */
export const DUPLICATE_REFUND_REASON = '重复支付，自动退款';

/** How long an order without a prepay answer counts as one whose prepay call is still in flight. */
const PREPAY_IN_FLIGHT_MS = 30_000;

/** What checkout sells: a course (onSale = published) or a membership plan (onSale = active). */
export interface CheckoutProduct {
  kind: 'course' | 'membership';
  id: number;
  title: string;
  priceFen: number;
  onSale: boolean;
}

/** Thrown inside checkout's transaction when a racing checkout took the payable slot: undoes the reservation. */
class CheckoutRaceLost extends Error {}

/** The actor of changes the system makes on its own, in the audit trail. */
const SYSTEM_ACTOR = 0;

export interface NotifyResult {
  status: 204 | 400 | 401 | 500;
  body?: { code: string; message: string };
}

/** Writes a notification's record inside the transaction that applied it, with that transaction's outcome. */
type PaymentNote = (trx: Knex, outcome: 'paid' | 'duplicate' | 'refunded' | 'unchanged') => Promise<void>;

interface NotifyEnvelope {
  id?: string;
  event_type?: string;
  resource?: { algorithm?: string; ciphertext?: string; nonce?: string; associated_data?: string; original_type?: string };
}

export function createPaymentService(deps: {
  db: Knex;
  clock: Clock;
  log: Logger;
  wechat: WechatPayClient;
  enrolments: EnrolmentService;
  /** Commerce: prices each order (coupons) and hears how it ends (coupon copies, membership periods). */
  pricing: OrderPricing;
  audit: AuditService;
  notifyUrl: string;
  orderExpireMinutes: number;
  /** Told after the commit when an order is paid or a refund settles (analytics). */
  events: EventSink;
}) {
  const { db, clock, log, wechat } = deps;
  const orders = createOrderRepository();
  const { appid, mchid, apiV3Key } = wechat.merchant;

  /**
   * Applies what WeChat says about a payment, from a notification, a query or reconciliation.
   * SUCCESS grants the course, unless the learner already has it (then the payment is a duplicate and
   * goes back); REFUND on an order we never saw paid records the payment without granting anything.
   */
  async function applyTransaction(tx: WechatTransaction, source: 'notify' | 'query', note?: PaymentNote): Promise<'paid' | 'duplicate' | 'refunded' | 'unchanged' | 'closed' | 'rejected'> {
    const order = await orders.findByOutTradeNo(db, tx.out_trade_no);
    if (!order) {
      log.error({ event: 'payments.alert.unknown_order', outTradeNo: tx.out_trade_no, source }, 'payment for an order we do not have');
      return 'rejected';
    }
    if (tx.appid !== appid || tx.mchid !== mchid) {
      log.error({ event: 'payments.alert.merchant_mismatch', outTradeNo: tx.out_trade_no, source }, 'payment for another merchant or app');
      return 'rejected';
    }
    if (tx.trade_state === 'SUCCESS' || tx.trade_state === 'REFUND') {
      if (tx.amount?.total !== order.amountFen || tx.amount.currency !== 'CNY') {
        log.error({ event: 'payments.alert.amount_mismatch', outTradeNo: order.outTradeNo, expected: order.amountFen, got: tx.amount?.total, currency: tx.amount?.currency, source }, 'paid amount differs from the order');
        return 'rejected';
      }
      const outcome = await recordPayment(order, tx, note);
      if (outcome === 'paid') {
        log.info({ event: 'payments.paid', outTradeNo: order.outTradeNo, source }, 'order paid');
        deps.events.track('order_paid', { userId: order.userId, courseId: order.courseId, orderId: order.id });
      }
      else if (outcome === 'unchanged') log.info({ event: 'payments.duplicate', outTradeNo: order.outTradeNo, source }, 'payment already applied');
      if (outcome === 'duplicate') await refundDuplicate(order.outTradeNo);
      return outcome;
    }
    if ((tx.trade_state === 'CLOSED' || tx.trade_state === 'REVOKED') && (await endUnpaid(order, 'closed'))) {
      return 'closed';
    }
    return 'unchanged';
  }

  /**
   * A second payment: the learner already has the course, or (a membership) paid a newer order for
   * the plan after leaving this one, so this payment would buy nothing they meant to buy twice.
   */
  async function isSecondPayment(trx: Knex, order: Order): Promise<boolean> {
    if (order.courseId !== null) return deps.enrolments.isEnrolled(order.userId, order.courseId, trx);
    return orders.paidLaterForPlan(trx, order);
  }

  /**
   * One transaction: the order becomes paid once, and access comes only from a first payment. A
   * notification's own record (`note`) is written in it, so it commits with what it says happened.
   */
  async function recordPayment(order: Order, tx: WechatTransaction, note?: PaymentNote): Promise<'paid' | 'duplicate' | 'refunded' | 'unchanged'> {
    const now = clock.now();
    return retryOnDeadlock(() =>
      db.transaction(async (trx) => {
        const outcome = await applyPayment(trx, order, tx, now);
        await note?.(trx, outcome);
        return outcome;
      }),
    );
  }

  /** The payment's statements, inside recordPayment's transaction. */
  async function applyPayment(trx: Knex, order: Order, tx: WechatTransaction, now: Date): Promise<'paid' | 'duplicate' | 'refunded' | 'unchanged'> {
    // Payments of one learner for one course or plan apply one after another, so a second one sees the first's grant.
    await orders.lockLearnerProduct(trx, order.userId, productOf(order));
    const paidAt = tx.success_time ? new Date(tx.success_time) : now;
    if (!(await orders.markPaid(trx, order.id, { transactionId: tx.transaction_id ?? null, payerOpenid: tx.payer?.openid ?? null, paidAt }, now))) return 'unchanged';
    const summary = { outTradeNo: order.outTradeNo, userId: order.userId, courseId: order.courseId, planId: order.planId, amountFen: order.amountFen };
    // Read again after the update: the refunds settled so far, and the paid order the grant is given.
    const paid = (await orders.findById(trx, order.id))!;
    // A full refund already settled means the money went back before we recorded the payment: our
    // notice of it was lost (WeChat now says REFUND), or the refund's REFUND.SUCCESS overtook a
    // delayed TRANSACTION.SUCCESS that still says SUCCESS. Either way the learner gets nothing.
    if (tx.trade_state === 'REFUND' || paid.refundedFen >= paid.amountFen) {
      // The order is recorded as paid and refunding; when its refund notification has been settled
      // already (it can overtake the query or the payment's notice), the order is refunded, not
      // waiting for a notification that has come and gone.
      await deps.pricing.paid(trx, paid, false);
      const settled = paid.refundedFen >= paid.amountFen;
      await orders.moveStatus(trx, order.id, ['paid'], settled ? 'refunded' : 'refunding', now);
      // The refund's own settlement found no paid order to finish: its coupon copy is refunded here.
      if (settled) await deps.pricing.refunded(trx, paid);
      await orders.setFlag(trx, order.id, 'refunded_before_recorded', now);
      await deps.audit.record(trx, { actorUserId: SYSTEM_ACTOR, action: 'order.refunded_before_recorded', entityType: 'order', entityId: order.id, summary });
      log.error({ event: 'payments.alert.refunded_before_recorded', outTradeNo: order.outTradeNo }, 'payment recorded after its money went back (WeChat says REFUND, or the refund notice came first); no access granted');
      return 'refunded';
    }
    if (await isSecondPayment(trx, paid)) {
      // The coupon copy is used (the discounted amount was taken) and, refunded, not given back.
      await deps.pricing.paid(trx, paid, false);
      await orders.setFlag(trx, order.id, 'duplicate_payment', now);
      await deps.audit.record(trx, { actorUserId: SYSTEM_ACTOR, action: 'order.duplicate_payment', entityType: 'order', entityId: order.id, summary });
      log.error({ event: 'payments.alert.duplicate_payment', ...summary }, 'second payment for something the learner already has; refunding it in full');
      return 'duplicate';
    }
    await grantPaid(trx, paid);
    return 'paid';
  }

  /** What a first payment gives: the course, or the membership period (commerce adds it). */
  async function grantPaid(trx: Knex, order: Order): Promise<void> {
    if (order.courseId !== null) await deps.enrolments.grant(trx, { userId: order.userId, courseId: order.courseId, source: 'purchase', orderId: order.id });
    await deps.pricing.paid(trx, order, true);
  }

  /** A pending order closed or failed unpaid, in one transaction with its coupon copy going back. */
  async function endUnpaid(order: Order, to: 'closed' | 'failed'): Promise<boolean> {
    return db.transaction(async (trx) => {
      if (!(await orders.moveStatus(trx, order.id, ['pending'], to, clock.now()))) return false;
      await deps.pricing.closed(trx, order);
      return true;
    });
  }

  /** The full refund of a second payment; a failure is retried by reconciliation. */
  async function refundDuplicate(outTradeNo: string): Promise<void> {
    try {
      const order = (await orders.findByOutTradeNo(db, outTradeNo))!;
      await startRefund(order, { amountFen: order.amountFen - order.refundedFen, reason: DUPLICATE_REFUND_REASON, requestedBy: null, origin: 'auto' });
    } catch (err) {
      log.error({ event: 'payments.duplicate_refund_failed', outTradeNo, err }, 'automatic refund of a second payment failed; reconciliation retries it');
    }
  }

  /** A refund WeChat refused or never received: closed, and the order refundable again. */
  async function abandonRefund(refund: Refund): Promise<void> {
    const now = clock.now();
    const closed = await db.transaction(async (trx) => {
      if (!(await orders.moveRefund(trx, refund.id, ['pending'], 'closed', {}, now))) return false;
      await orders.moveStatus(trx, refund.orderId, ['refunding'], 'paid', now);
      return true;
    });
    if (closed) log.warn({ event: 'payments.refund_abandoned', outRefundNo: refund.outRefundNo }, 'refund closed without reaching WeChat');
  }

  /**
   * A refund we did not request (made in WeChat's merchant console) becomes a refund row of its order,
   * found by out_trade_no, so it settles like ours instead of being refused while WeChat retries.
   */
  async function adoptConsoleRefund(r: WechatRefund): Promise<Refund | null> {
    const order = r.out_trade_no ? await orders.findByOutTradeNo(db, r.out_trade_no) : null;
    const amountFen = r.amount?.refund;
    if (!order || r.amount?.total !== order.amountFen || !Number.isSafeInteger(amountFen) || amountFen! < 1 || amountFen! > order.amountFen) {
      log.error({ event: 'payments.alert.unknown_refund', outRefundNo: r.out_refund_no, outTradeNo: r.out_trade_no }, 'refund for no order of ours, or with amounts that do not match it');
      return null;
    }
    const refund = await orders.insertRefund(db, { outRefundNo: r.out_refund_no, orderId: order.id, amountFen: amountFen!, reason: '商户平台退款', requestedBy: null, origin: 'console', status: 'processing', refundId: r.refund_id ?? null, now: clock.now() });
    log.warn({ event: 'payments.console_refund', outRefundNo: r.out_refund_no, outTradeNo: order.outTradeNo, amountFen }, 'refund made outside the app recorded');
    return refund;
  }

  async function applyRefund(r: WechatRefund): Promise<'settled' | 'unchanged' | 'rejected'> {
    const refund = (await orders.findRefund(db, r.out_refund_no)) ?? (await adoptConsoleRefund(r));
    if (!refund) return 'rejected';
    const order = (await orders.findById(db, refund.orderId))!;
    if ((r.out_trade_no !== undefined && r.out_trade_no !== order.outTradeNo) || (r.amount?.refund !== undefined && r.amount.refund !== refund.amountFen)) {
      log.error({ event: 'payments.alert.refund_mismatch', outRefundNo: refund.outRefundNo, outTradeNo: r.out_trade_no, amount: r.amount?.refund }, 'refund answer does not match our refund');
      return 'rejected';
    }
    const status = r.refund_status ?? r.status;
    const now = clock.now();
    if (status === 'SUCCESS') {
      const settled = await retryOnDeadlock(() => db.transaction(async (trx) => {
        if (!(await orders.moveRefund(trx, refund.id, ['pending', 'processing'], 'succeeded', { refundId: r.refund_id ?? null, succeededAt: r.success_time ? new Date(r.success_time) : now }, now))) return false;
        await orders.addRefunded(trx, refund.orderId, refund.amountFen, now);
        const after = (await orders.findById(trx, refund.orderId))!;
        if (after.refundedFen >= after.amountFen) {
          // Fully refunded: this order no longer gives access. Other sources (another payment, an
          // admin grant) stand. A partial refund keeps access.
          await orders.moveStatus(trx, after.id, ['paid', 'refunding'], 'refunded', now);
          if (after.courseId !== null) await deps.enrolments.revokeOrder(trx, { userId: after.userId, courseId: after.courseId, orderId: after.id });
          await deps.pricing.refunded(trx, after);
        } else {
          await orders.moveStatus(trx, after.id, ['refunding'], 'paid', now);
        }
        return true;
      }));
      if (settled) {
        log.info({ event: 'payments.refund_succeeded', outRefundNo: refund.outRefundNo }, 'refund succeeded');
        deps.events.track('refund', { userId: order.userId, courseId: order.courseId, orderId: order.id });
      }
      return settled ? 'settled' : 'unchanged';
    }
    if (status === 'CLOSED' || status === 'ABNORMAL') {
      const moved = await db.transaction(async (trx) => {
        if (!(await orders.moveRefund(trx, refund.id, ['pending', 'processing'], status === 'CLOSED' ? 'closed' : 'abnormal', {}, now))) return false;
        await orders.moveStatus(trx, refund.orderId, ['refunding'], 'paid', now);
        return true;
      });
      if (moved) log.warn({ event: 'payments.refund_failed', outRefundNo: refund.outRefundNo, status }, 'refund did not go through');
      return moved ? 'settled' : 'unchanged';
    }
    // PROCESSING: WeChat has it (our copy may still be pending if its answer was lost).
    await orders.moveRefund(db, refund.id, ['pending'], 'processing', { refundId: r.refund_id ?? null }, now);
    return 'unchanged';
  }

  /**
   * Reserves the refund and sends it. The guard (never more than paid minus refunded minus refunds in
   * flight) is read inside the transaction that moves the order paid → refunding, so two refunds
   * requested at once cannot both pass it.
   */
  async function startRefund(order: Order, r: { amountFen: number; reason: string; requestedBy: number | null; origin: RefundOrigin; requestKey?: string }): Promise<Refund> {
    if (!validRefundAmount(r.amountFen)) throw refundRefusals.badAmount();
    const now = clock.now();
    const refund = await retryOnDeadlock(() => db.transaction(async (trx) => {
      // The same confirmation submitted again: that refund, not a second one.
      const again = r.requestKey ? await orders.refundByRequestKey(trx, r.requestKey) : null;
      if (again) throw new ConflictError('REFUND_ALREADY_REQUESTED', `这笔退款（${(again.amountFen / 100).toFixed(2)} 元）已经提交过了，没有重复退款`);
      if (!(await orders.moveStatus(trx, order.id, ['paid'], 'refunding', now))) {
        throw refundRefusals.notRefundable((await orders.findById(trx, order.id))!.status);
      }
      const refundable = await orders.refundableFen(trx, order.id);
      if (r.amountFen > refundable) throw refundRefusals.tooLarge(refundable);
      const created = await orders.insertRefund(trx, { outRefundNo: newOutTradeNo(now, 'RF'), orderId: order.id, amountFen: r.amountFen, reason: r.reason, requestedBy: r.requestedBy, origin: r.origin, requestKey: r.requestKey ?? null, now });
      if (r.requestedBy !== null) {
        await deps.audit.record(trx, { actorUserId: r.requestedBy, action: 'order.refund', entityType: 'refund', entityId: created.id, summary: { courseId: order.courseId, userId: order.userId, outTradeNo: order.outTradeNo, amountFen: r.amountFen } });
      }
      return created;
    }));
    try {
      const answer = await wechat.refund({ outTradeNo: order.outTradeNo, outRefundNo: refund.outRefundNo, reason: r.reason, refundFen: r.amountFen, totalFen: order.amountFen, notifyUrl: deps.notifyUrl });
      await orders.moveRefund(db, refund.id, ['pending'], 'processing', { refundId: answer.refund_id ?? null }, clock.now());
      if ((answer.status ?? answer.refund_status) !== 'PROCESSING') await applyRefund(answer);
    } catch (err) {
      if (!refusedByWechat(err)) {
        // No answer, a 5xx or an unverifiable one: WeChat may have taken the refund. Closing it here
        // would make its REFUND.SUCCESS a no-op and the money would leave unrecorded; the
        // notification or reconciliation (which closes it if WeChat never heard of it) settles it.
        log.error({ event: 'payments.refund_outcome_unknown', outRefundNo: refund.outRefundNo, err }, 'refund sent, answer lost');
        throw new AppError('REFUND_OUTCOME_UNKNOWN', '退款请求已发出，但未收到微信支付的答复；系统会自动核对结果，请勿重复退款', 502, { cause: err });
      }
      await abandonRefund(refund);
      throw new AppError('REFUND_FAILED', `微信支付拒绝了退款：${(err as WechatPayError).message}`, 502, { cause: err });
    }
    log.info({ event: 'payments.refund_requested', outRefundNo: refund.outRefundNo, requestedBy: r.requestedBy, origin: r.origin }, 'refund requested');
    return (await orders.findRefund(db, refund.outRefundNo))!;
  }

  /**
   * Makes sure nothing else can be paid for the order: closed at WeChat first (a payment that beat the
   * close is applied instead), then locally. Throws when WeChat cannot be reached, so the order stays
   * the learner's one payable order rather than gaining a second.
   */
  async function closePayable(order: Order): Promise<void> {
    // Closed at WeChat even without a prepay result of ours: the process that created it may have
    // reached WeChat and stopped before recording the answer. WeChat's signed 404 means it never did.
    try {
      await wechat.close(order.outTradeNo);
    } catch (err) {
      if (err instanceof WechatPayError && err.definite && err.code === 'ORDERPAID') {
        await refresh(order.outTradeNo);
        return;
      }
      if (!(err instanceof WechatPayError && err.notFound)) {
        log.warn({ event: 'payments.close_failed', outTradeNo: order.outTradeNo, err }, 'could not close the open order at WeChat');
        throw new AppError('PAYMENT_UNAVAILABLE', '微信支付暂时不可用，请稍后再试', 502, { cause: err });
      }
    }
    if (await endUnpaid(order, 'closed')) log.info({ event: 'payments.order_closed', outTradeNo: order.outTradeNo }, 'open order closed');
  }

  /** "我已支付" and reconciliation: ask WeChat instead of waiting for a notification. */
  async function refresh(outTradeNo: string): Promise<Order> {
    return (await checkPayment(outTradeNo)).order;
  }

  /** Asks WeChat about one order and applies the answer; also says what WeChat said (PAYERROR…). */
  async function checkPayment(outTradeNo: string): Promise<{ order: Order; tradeState: WechatTransaction['trade_state'] | null }> {
    const tx = await wechat.query(outTradeNo);
    if (tx) await applyTransaction(tx, 'query');
    const order = (await orders.findByOutTradeNo(db, outTradeNo))!;
    if (order.status === 'pending' && order.expiresAt <= clock.now() && (!tx || tx.trade_state === 'NOTPAY' || tx.trade_state === 'PAYERROR')) {
      // An order WeChat never heard of (the process stopped before the prepay call) has nothing to
      // close there, and closing it would fail with 404 on every reconciliation pass.
      if (tx) await wechat.close(outTradeNo);
      await endUnpaid(order, 'closed');
      log.info({ event: 'payments.order_expired', outTradeNo }, 'expired order closed');
    }
    return { order: (await orders.findByOutTradeNo(db, outTradeNo))!, tradeState: tx?.trade_state ?? null };
  }

  return {
    applyTransaction,
    applyRefund,

    /**
     * A pending order for the course or membership plan, priced by commerce (the learner's coupon),
     * reused while it can still be paid, with WeChat's prepay result. JSAPI inside WeChat for a
     * learner whose openid we know; otherwise a Native QR code (or H5). A 100%-off coupon makes the
     * order paid at once, with no WeChat call.
     */
    async checkout(o: { userId: number; openid: string | null; inWechat: boolean; h5: boolean; clientIp: string; product: CheckoutProduct; couponCode: string | null }): Promise<Order> {
      const { product } = o;
      if (!product.onSale) throw product.kind === 'course' ? new NotFoundError('COURSE_NOT_FOUND', '课程不存在或已下架') : new NotFoundError('PLAN_NOT_FOUND', '会员方案不存在或已停售');
      if (product.priceFen <= 0) throw new ConflictError('COURSE_IS_FREE', '这门课程免费，直接加入学习即可');
      const owned = () => (product.kind === 'course' ? deps.enrolments.isEnrolled(o.userId, product.id) : Promise.resolve(false));
      if (await owned()) throw new ConflictError('ALREADY_OWNED', '你已经拥有这门课程');
      const channel: Channel = o.inWechat && o.openid ? 'jsapi' : o.h5 ? 'h5' : 'native';
      const now = clock.now();
      // One payable order per learner and course or plan. The open one is reused while it fits (same
      // channel, at least a minute left, the typed coupon or, with none typed, no better one held now);
      // otherwise it is closed at WeChat before a new one opens, which gives its coupon copy back.
      const open = await orders.findPayable(db, o.userId, product);
      // A typed code is checked first: a wrong or used-up one leaves the open order (and its copy) alone.
      const typedCoupon = o.couponCode === null ? null : await deps.pricing.preflight({ userId: o.userId, product, couponCode: o.couponCode, heldByOrder: open?.id ?? null });
      if (open) {
        // Another checkout is still waiting for WeChat's prepay answer: closing under it would
        // leave an order WeChat opens after we closed ours.
        if (!(open.codeUrl || open.prepayId || open.h5Url) && now.getTime() - open.createdAt.getTime() < PREPAY_IN_FLIGHT_MS) throw new ConflictError('CHECKOUT_BUSY', '订单正在创建，请稍后再试');
        const samePrice =
          open.listPriceFen === product.priceFen &&
          (typedCoupon !== null ? open.couponId === typedCoupon : open.couponId !== null || (await deps.pricing.bestDiscount(o.userId, product)) === 0);
        const fits = samePrice && open.channel === channel && open.expiresAt.getTime() > now.getTime() + 60_000 && (open.codeUrl || open.prepayId || open.h5Url);
        if (fits) return open;
        await closePayable(open);
        if (await owned()) throw new ConflictError('ALREADY_OWNED', '你已经拥有这门课程');
      }

      const created: Order | { raced: Order } = await db.transaction(async (trx) => {
        const price = await deps.pricing.reserve(trx, { userId: o.userId, product, couponCode: o.couponCode, now });
        const order = await orders.insert(trx, {
          outTradeNo: newOutTradeNo(now),
          userId: o.userId,
          product,
          amountFen: price.payableFen,
          listPriceFen: price.listFen,
          discountFen: price.discountFen,
          couponId: price.couponId,
          couponGrantId: price.grantId,
          description: (product.kind === 'course' ? `知付课程-${product.title}` : `知付会员-${product.title}`).slice(0, 127),
          channel,
          expiresAt: new Date(now.getTime() + deps.orderExpireMinutes * 60_000),
          createdAt: now,
        });
        // A checkout that raced this one holds the slot: undo the reservation, take the learner there.
        if (!order) throw new CheckoutRaceLost();
        if (price.grantId !== null) await deps.pricing.attach(trx, price.grantId, order.id);
        if (price.payableFen > 0) return order;
        // Free with the coupon: paid now, nothing for WeChat to collect.
        await orders.markPaid(trx, order.id, { transactionId: null, payerOpenid: null, paidAt: now }, now);
        await grantPaid(trx, (await orders.findById(trx, order.id))!);
        return order;
      }).catch(async (err: unknown) => {
        if (!(err instanceof CheckoutRaceLost)) throw err;
        const winner = await orders.findPayable(db, o.userId, product);
        if (winner) return { raced: winner };
        throw new ConflictError('CHECKOUT_BUSY', '订单正在创建，请稍后再试');
      });
      // The racing checkout that won asks WeChat for its own prepay.
      if ('raced' in created) return created.raced;
      if (created.amountFen === 0) {
        log.info({ event: 'payments.order_free', outTradeNo: created.outTradeNo, couponId: created.couponId }, 'order paid in full by a coupon');
        deps.events.track('order_paid', { userId: created.userId, courseId: created.courseId ?? undefined, orderId: created.id });
        return (await orders.findById(db, created.id))!;
      }
      const order = created;
      const prepay = { outTradeNo: order.outTradeNo, description: order.description, amountFen: order.amountFen, notifyUrl: deps.notifyUrl, expiresAt: order.expiresAt };
      try {
        if (channel === 'jsapi') await orders.setPrepay(db, order.id, await wechat.jsapi(prepay, o.openid!), now);
        else if (channel === 'h5') await orders.setPrepay(db, order.id, await wechat.h5(prepay, o.clientIp), now);
        else await orders.setPrepay(db, order.id, await wechat.native(prepay), now);
      } catch (err) {
        await endUnpaid(order, 'failed');
        log.error({ event: 'payments.prepay_failed', outTradeNo: order.outTradeNo, err }, 'WeChat Pay refused or did not answer');
        throw new AppError('PAYMENT_UNAVAILABLE', '微信支付暂时不可用，请稍后再试', 502, { cause: err });
      }
      log.info({ event: 'payments.order_created', outTradeNo: order.outTradeNo, channel }, 'order created');
      return (await orders.findById(db, order.id))!;
    },

    /**
     * What the order page may offer: a pending order for a course the learner already has (another
     * payment, an admin grant) is closed rather than offered for payment again.
     */
    async forPayment(order: Order): Promise<{ order: Order; owned: boolean }> {
      const owned = order.courseId !== null && (await deps.enrolments.isEnrolled(order.userId, order.courseId));
      if (owned && order.status === 'pending') {
        await closePayable(order).catch((err: unknown) => log.warn({ event: 'payments.close_owned_failed', outTradeNo: order.outTradeNo, err }, 'could not close an order for an owned course'));
        return { order: (await orders.findById(db, order.id))!, owned };
      }
      return { order, owned };
    },

    appId: appid,

    async order(outTradeNo: string): Promise<Order> {
      const order = /^[A-Za-z0-9_-]{6,32}$/.test(outTradeNo) ? await orders.findByOutTradeNo(db, outTradeNo) : null;
      if (!order) throw new NotFoundError('ORDER_NOT_FOUND', '订单不存在');
      return order;
    },

    refresh,
    checkPayment,

    /**
     * The webhook, strictly in order: signature (key by serial, probes refused, 300 s window) → decrypt
     * with the tag checked → apply. Every notification is recorded; a repeat answers 204 again.
     */
    async handleNotification(headers: Record<string, string | undefined>, rawBody: string): Promise<NotifyResult> {
      const receivedAt = clock.now();
      const record = (n: { id?: string | null; eventType?: string; outcome: string; detail?: string; outTradeNo?: string | null; processed?: boolean }, via: Knex = db) =>
        orders.recordNotification(via, {
          notificationId: n.id ?? null,
          eventType: n.eventType ?? '',
          outcome: n.outcome,
          detail: n.detail ?? '',
          outTradeNo: n.outTradeNo ?? null,
          receivedAt,
          processedAt: n.processed ? clock.now() : null,
        });
      const signed = { timestamp: headers['wechatpay-timestamp'], nonce: headers['wechatpay-nonce'], signature: headers['wechatpay-signature'], serial: headers['wechatpay-serial'], body: rawBody };
      let verdict = verifyWechatSignature(wechat.keyring, signed, Math.floor(receivedAt.getTime() / 1000));
      // Certificate mode: a rotated platform certificate shows up first as an unknown serial. Only a
      // notification inside the time window is worth a look at the certificates, so a flood of forged
      // serials costs nothing but this comparison.
      if (verdict === 'unknown_serial' && withinWindow(signed.timestamp, receivedAt) && (await wechat.ensureCertificate(signed.serial ?? ''))) {
        verdict = verifyWechatSignature(wechat.keyring, signed, Math.floor(receivedAt.getTime() / 1000));
      }
      if (verdict !== 'ok') {
        log.warn({ event: 'payments.notify.rejected', verdict }, 'notification refused');
        await record({ outcome: `rejected_${verdict}` });
        return { status: 401, body: { code: 'SIGN_ERROR', message: `签名验证失败：${verdict}` } };
      }
      let envelope: NotifyEnvelope;
      let plaintext: string;
      try {
        envelope = JSON.parse(rawBody) as NotifyEnvelope;
        const r = envelope.resource;
        if (!r?.ciphertext || !r.nonce || r.algorithm !== 'AEAD_AES_256_GCM') throw new Error('no encrypted resource');
        plaintext = decryptResource(apiV3Key, { nonce: r.nonce, associated_data: r.associated_data, ciphertext: r.ciphertext });
      } catch (err) {
        log.warn({ event: 'payments.notify.undecryptable', err: (err as Error).message }, 'notification could not be decrypted');
        await record({ outcome: 'rejected_decrypt', detail: (err as Error).message });
        return { status: 400, body: { code: 'FAIL', message: '通知内容无法解密' } };
      }
      const eventType = String(envelope.event_type ?? '');
      const id = typeof envelope.id === 'string' ? envelope.id.slice(0, 64) : null;
      try {
        const payload = JSON.parse(plaintext) as Record<string, unknown>;
        const outTradeNo = typeof payload.out_trade_no === 'string' ? payload.out_trade_no : null;
        if (eventType.startsWith('REFUND.')) {
          if (payload.mchid !== mchid) {
            await record({ id, eventType, outcome: 'rejected_mchid', outTradeNo, processed: true });
            log.error({ event: 'payments.alert.merchant_mismatch', outTradeNo }, 'refund notification for another merchant');
            return { status: 400, body: { code: 'FAIL', message: '商户号不匹配' } };
          }
          const outcome = await applyRefund(payload as unknown as WechatRefund);
          await record({ id, eventType, outcome: `refund_${outcome}`, outTradeNo, processed: true });
          return outcome === 'rejected' ? { status: 400, body: { code: 'FAIL', message: '退款单不存在' } } : { status: 204 };
        }
        if (payload.mchid !== mchid) {
          await record({ id, eventType, outcome: 'rejected_mchid', outTradeNo, processed: true });
          log.error({ event: 'payments.alert.merchant_mismatch', outTradeNo }, 'notification for another merchant');
          return { status: 400, body: { code: 'FAIL', message: '商户号不匹配' } };
        }
        // A payment's transaction records the notification itself; every other outcome is recorded here.
        let recorded = false;
        const outcome = await applyTransaction(payload as unknown as WechatTransaction, 'notify', async (trx, applied) => {
          await record({ id, eventType, outcome: applied, outTradeNo, processed: true }, trx);
          recorded = true;
        });
        if (!recorded) await record({ id, eventType, outcome, outTradeNo, processed: true });
        return outcome === 'rejected' ? { status: 400, body: { code: 'FAIL', message: '订单不存在或金额不符' } } : { status: 204 };
      } catch (err) {
        log.error({ event: 'payments.notify.failed', err }, 'notification processing failed');
        await record({ id, eventType, outcome: 'error', detail: (err as Error).message }).catch(() => undefined);
        return { status: 500, body: { code: 'FAIL', message: '处理失败，请重试' } };
      }
    },

    /**
     * Refunds never exceed what was paid minus what is already refunded or being refunded.
     * `requestKey` (from the confirmation page) makes a repeated submission refund once. A creator's
     * refund is audited in the same transaction that reserves it.
     */
    async refund(actorId: number, outTradeNo: string, amountFen: number, reason: string, requestKey?: string): Promise<Refund> {
      try {
        return await startRefund(await this.order(outTradeNo), { amountFen, reason, requestedBy: actorId, origin: 'merchant', requestKey });
      } catch (err) {
        // Two submissions of one confirmation at the same moment: the unique key let one through.
        if (requestKey && !(err instanceof AppError) && (await orders.refundByRequestKey(db, requestKey))) throw new ConflictError('REFUND_ALREADY_REQUESTED', '这笔退款已经提交过了，没有重复退款');
        throw err;
      }
    },

    /**
     * What a refund of `amountFen` would do, checked as the refund itself checks it: throws the same
     * Chinese error it would; otherwise whether the order ends fully refunded and the learner then
     * loses the course (no other source of access left).
     */
    async refundPreview(outTradeNo: string, amountFen: number): Promise<{ full: boolean; accessEnds: boolean }> {
      const order = await this.order(outTradeNo);
      if (!validRefundAmount(amountFen)) throw refundRefusals.badAmount();
      if (order.status !== 'paid') throw refundRefusals.notRefundable(order.status);
      const refundable = await orders.refundableFen(db, order.id);
      if (amountFen > refundable) throw refundRefusals.tooLarge(refundable);
      const full = order.refundedFen + amountFen >= order.amountFen;
      // A membership order's refund ends its period; a course's, unless another source keeps it.
      return { full, accessEnds: full && (order.courseId === null || !(await deps.enrolments.hasOtherSource(order.userId, order.courseId, order.id))) };
    },

    async refundsOf(orderId: number): Promise<Refund[]> {
      return orders.refundsOf(db, orderId);
    },

    /** 我的订单: a learner's orders, newest first, each with its refunds. */
    async ordersOfLearner(userId: number, limit = 200): Promise<Array<{ order: Order; refunds: Refund[] }>> {
      const list = await orders.ofUser(db, userId, limit);
      const refunds = await orders.refundsOfOrders(db, list.map((o) => o.id));
      return list.map((order) => ({ order, refunds: refunds.filter((r) => r.orderId === order.id) }));
    },

    /** The creator's order list: one page of the filtered orders, and the totals of all of them. */
    async searchOrders(filter: OrderFilter, page: { limit: number; offset: number }): Promise<{ orders: Order[]; totals: OrderTotals }> {
      const [list, totals] = await Promise.all([orders.search(db, filter, page.limit, page.offset), orders.totals(db, filter)]);
      return { orders: list, totals };
    },

    /** Lost notifications are normal: ask WeChat about orders and refunds left open. */
    async reconcile(): Promise<{ orders: number; refunds: number }> {
      const cutoff = new Date(clock.now().getTime() - 2 * 60_000);
      const pending = await orders.pendingCreatedBefore(db, cutoff, 100);
      for (const o of pending) {
        try {
          await refresh(o.outTradeNo);
        } catch (err) {
          log.warn({ event: 'payments.reconcile.order_failed', outTradeNo: o.outTradeNo, err }, 'could not reconcile order');
        }
      }
      const open = await orders.openRefundsCreatedBefore(db, cutoff, 100);
      for (const r of open) {
        try {
          const remote = await wechat.queryRefund(r.outRefundNo);
          if (remote) await applyRefund(remote);
          // Still pending and unknown to WeChat two minutes on: the request never reached it.
          else if (r.status === 'pending') await abandonRefund(r);
        } catch (err) {
          log.warn({ event: 'payments.reconcile.refund_failed', outRefundNo: r.outRefundNo, err }, 'could not reconcile refund');
        }
      }
      await wechat.refreshCertificates().catch((err: unknown) => log.warn({ event: 'payments.reconcile.certificates_failed', err }, 'could not refresh the platform certificates'));
      const duplicates = await orders.duplicatesAwaitingRefund(db, 100);
      for (const o of duplicates) await refundDuplicate(o.outTradeNo);
      return { orders: pending.length, refunds: open.length + duplicates.length };
    },
  };
}

export type PaymentService = ReturnType<typeof createPaymentService>;
