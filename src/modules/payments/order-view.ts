import { formatYuan } from '../../platform/money.js';
import { beijingDateTime } from '../../platform/time.js';
import type { Order, Refund } from './order.js';

export const ORDER_STATUS_LABELS: Record<Order['status'], string> = {
  pending: '待支付',
  paid: '已支付',
  closed: '已关闭',
  failed: '下单失败',
  refunding: '退款中',
  refunded: '已退款',
};

export const REFUND_STATUS_LABELS: Record<Refund['status'], string> = {
  pending: '退款中',
  processing: '退款中',
  succeeded: '已退款',
  closed: '退款关闭',
  abnormal: '退款异常',
};

/** What a learner reads as an order's state: a partly refunded order is not just 已支付. */
export function learnerStatusLabel(order: Order, now: Date): string {
  if (order.status === 'pending') return order.expiresAt > now ? '待支付' : '已过期';
  if (order.status === 'paid' && order.flag === 'duplicate_payment') return '重复支付，将自动退款';
  if (order.status === 'paid' && order.refundedFen > 0) return '部分退款';
  return ORDER_STATUS_LABELS[order.status];
}

export function refundView(r: Refund) {
  return {
    outRefundNo: r.outRefundNo,
    amount: formatYuan(r.amountFen),
    statusLabel: REFUND_STATUS_LABELS[r.status],
    succeeded: r.status === 'succeeded',
    reason: r.reason,
    at: beijingDateTime(r.succeededAt ?? r.createdAt),
  };
}
