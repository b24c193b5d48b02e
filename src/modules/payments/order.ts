import type { Knex } from 'knex';

export type OrderStatus = 'pending' | 'paid' | 'closed' | 'failed' | 'refunding' | 'refunded';
export type Channel = 'jsapi' | 'native' | 'h5';
export type OrderFlag = 'duplicate_payment' | 'refunded_before_recorded';
/** Who started a refund: the creator, WeChat's merchant console, or our duplicate-payment refund. */
export type RefundOrigin = 'merchant' | 'console' | 'auto';

export interface Order {
  id: number;
  outTradeNo: string;
  userId: number;
  /** What the order buys: a course, or (courseId null) a membership plan. */
  courseId: number | null;
  planId: number | null;
  /** What WeChat is asked for: the list price less the discount. */
  amountFen: number;
  listPriceFen: number;
  discountFen: number;
  couponId: number | null;
  /** The learner's coupon copy this order reserved (commerce's coupon_grants). */
  couponGrantId: number | null;
  description: string;
  channel: Channel;
  status: OrderStatus;
  prepayId: string | null;
  codeUrl: string | null;
  h5Url: string | null;
  transactionId: string | null;
  refundedFen: number;
  /** Needs a person's eyes: a second payment for an owned course, or one WeChat reported already refunded. */
  flag: OrderFlag | null;
  expiresAt: Date;
  paidAt: Date | null;
  createdAt: Date;
}

export type RefundStatus = 'pending' | 'processing' | 'succeeded' | 'closed' | 'abnormal';

export interface Refund {
  id: number;
  outRefundNo: string;
  orderId: number;
  amountFen: number;
  reason: string;
  status: RefundStatus;
  refundId: string | null;
  origin: RefundOrigin;
  createdAt: Date;
  succeededAt: Date | null;
}

/** The creator's order list: every field optional; `text` matches an order number or the given learners. */
export interface OrderFilter {
  status?: OrderStatus;
  courseId?: number;
  /** created_at ≥ from, < until (UTC instants; the admin page turns Beijing days into them). */
  from?: Date;
  until?: Date;
  text?: { outTradeNo: string; userIds: number[] };
}

export interface OrderTotals {
  count: number;
  /** What was paid by the orders that were paid (refunds included). */
  paidFen: number;
  refundedFen: number;
}

/** What an order buys, as checkout prices it. */
export interface Purchasable {
  kind: 'course' | 'membership';
  id: number;
  priceFen: number;
}

/** The price checkout fixes on an order, with the coupon copy it reserved. */
export interface Reservation {
  listFen: number;
  discountFen: number;
  payableFen: number;
  couponId: number | null;
  grantId: number | null;
}

/**
 * Commerce as payments sees it: it prices an order before payment and hears, inside the same
 * transaction, how the order ends. Payments still fixes amount_fen and checks it on notify.
 */
export interface OrderPricing {
  /** Prices the checkout and reserves its coupon copy; throws a COUPON_ error the page shows. */
  reserve(trx: Knex, r: { userId: number; product: Purchasable; couponCode: string | null; now: Date }): Promise<Reservation>;
  /**
   * Checks a typed code before checkout closes the learner's open order for it (whose copy counts as
   * theirs), throwing the refusal reserve would; returns the coupon's id.
   */
  preflight(r: { userId: number; product: Purchasable; couponCode: string; heldByOrder: number | null }): Promise<number>;
  /** The discount the learner's best held coupon would give now, reserving nothing. */
  bestDiscount(userId: number, product: Purchasable): Promise<number>;
  attach(trx: Knex, grantId: number, orderId: number): Promise<void>;
  /** Paid: the coupon copy is used; a membership order's period starts when `grantsAccess`. */
  paid(trx: Knex, order: Order, grantsAccess: boolean): Promise<void>;
  /** Closed or failed unpaid: the coupon copy goes back. */
  closed(trx: Knex, order: Order): Promise<void>;
  /** Fully refunded: the copy is not given back; a membership order's period ends. */
  refunded(trx: Knex, order: Order): Promise<void>;
}
