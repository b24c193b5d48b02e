import { Router, type Request, type Response } from 'express';
import { AppError } from '../../platform/errors.js';
import { formValues, setFlash } from '../../platform/http/index.js';
import { formatFen } from '../../platform/money.js';
import { requireAdmin, type AccountService } from '../accounts/index.js';
import { yuanToFen, type CourseService } from '../catalog/index.js';
import { ORDER_STATUS_LABELS, type Order, type PaymentService } from '../payments/index.js';

const STATUS_LABELS: Record<string, string> = {
  ...ORDER_STATUS_LABELS,
  processing: '处理中',
  succeeded: '退款成功',
  abnormal: '退款异常',
};

const when = (d: Date) => d.toISOString().replace('T', ' ').slice(0, 16) + ' UTC';

/** Orders and refunds for the creator. Refund amounts are typed in yuan and checked by payments. */
export function orderAdminRoutes(deps: { payments: PaymentService; courses: CourseService; accounts: AccountService }): Router {
  const { payments, courses, accounts } = deps;
  const router = Router();
  router.use('/admin/orders', requireAdmin);

  async function describe(order: Order) {
    const [course, buyer] = await Promise.all([courses.byId(order.courseId), accounts.currentUser(order.userId)]);
    return {
      outTradeNo: order.outTradeNo,
      courseTitle: course?.title ?? `#${order.courseId}`,
      buyer: buyer ? `${buyer.nickname}${buyer.username ? ` @${buyer.username}` : ''}` : `#${order.userId}`,
      amount: formatFen(order.amountFen),
      refunded: formatFen(order.refundedFen),
      refundableYuan: ((order.amountFen - order.refundedFen) / 100).toFixed(2),
      status: order.status,
      statusLabel: STATUS_LABELS[order.status] ?? order.status,
      channel: order.channel.toUpperCase(),
      transactionId: order.transactionId,
      createdAt: when(order.createdAt),
      paidAt: order.paidAt ? when(order.paidAt) : null,
    };
  }

  async function renderOrder(res: Response, order: Order, status = 200, form = { amount: '', reason: '' }, error: string | null = null) {
    const refunds = await payments.refundsOf(order.id);
    res.status(status).render('admin/order', {
      title: `订单 ${order.outTradeNo}`,
      order: await describe(order),
      refunds: refunds.map((r) => ({ outRefundNo: r.outRefundNo, amount: formatFen(r.amountFen), reason: r.reason, statusLabel: STATUS_LABELS[r.status] ?? r.status, createdAt: when(r.createdAt) })),
      canRefund: order.status === 'paid' && order.refundedFen < order.amountFen,
      form,
      error,
    });
  }

  router.get('/admin/orders', async (_req, res) => {
    const orders = await payments.latestOrders(100);
    res.render('admin/orders', { title: '订单管理', orders: await Promise.all(orders.map(describe)) });
  });

  router.get('/admin/orders/:outTradeNo', async (req, res) => {
    await renderOrder(res, await payments.order(String(req.params.outTradeNo)));
  });

  router.post('/admin/orders/:outTradeNo/refunds', async (req: Request, res) => {
    const order = await payments.order(String(req.params.outTradeNo));
    const form = formValues(req.body, ['amount', 'reason']) as { amount: string; reason: string };
    const amount = form.amount.trim();
    if (!/^\d{1,6}(\.\d{1,2})?$/.test(amount)) return renderOrder(res, order, 422, form, '退款金额请填写如 99 或 99.90（最多两位小数）');
    if (form.reason.length > 80) return renderOrder(res, order, 422, form, '退款原因最多 80 个字');
    try {
      const refund = await payments.refund(req.currentUser!.id, order.outTradeNo, yuanToFen(amount), form.reason.trim());
      setFlash(req, 'success', `已申请退款 ${formatFen(refund.amountFen)}，等待微信支付确认`);
      res.redirect(303, `/admin/orders/${order.outTradeNo}`);
    } catch (err) {
      if (err instanceof AppError && err.status < 500) return renderOrder(res, await payments.order(order.outTradeNo), 422, form, err.message);
      if (err instanceof AppError) return renderOrder(res, await payments.order(order.outTradeNo), 502, form, err.message);
      throw err;
    }
  });

  return router;
}
