export type OrderStatus = 'pending' | 'paid' | 'closed' | 'failed' | 'refunding' | 'refunded';
export type Channel = 'jsapi' | 'native' | 'h5';
export type OrderFlag = 'duplicate_payment' | 'refunded_before_recorded';
/** Who started a refund: the creator, WeChat's merchant console, or our duplicate-payment refund. */
export type RefundOrigin = 'merchant' | 'console' | 'auto';

export interface Order {
  id: number;
  outTradeNo: string;
  userId: number;
  courseId: number;
  amountFen: number;
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
