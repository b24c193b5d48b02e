export type OrderStatus = 'pending' | 'paid' | 'closed' | 'failed' | 'refunding' | 'refunded';
export type Channel = 'jsapi' | 'native' | 'h5';

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
  createdAt: Date;
}
