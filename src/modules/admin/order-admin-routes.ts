import { randomBytes } from 'node:crypto';
import { Router, type Request, type Response } from 'express';
import type { Clock } from '../../platform/clock.js';
import { AppError } from '../../platform/errors.js';
import { formValues, setFlash } from '../../platform/http/index.js';
import { fenToYuanInput, formatFen, formatYuan, yuanToFen } from '../../platform/money.js';
import { requireAdmin, type AccountService } from '../accounts/index.js';
import type { CatalogAdminService, CourseService } from '../catalog/index.js';
import { learnerStatusLabel, orderItem, orderPrice, ORDER_STATUS_LABELS, refundView, type Order, type OrderFilter, type OrderStatus, type PaymentService, type Storefront } from '../payments/index.js';
import { beijingDateTime, beijingDayStart } from '../../platform/time.js';
import { toCsv } from './csv.js';
import { isConfirmed, renderConfirmation } from './confirmation.js';

const when = beijingDateTime;
const PAGE_SIZE = 20;
const CSV_MAX_ROWS = 10_000;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** The filter form's values, as typed (so the form shows them again), and what they mean. */
interface OrderQuery {
  values: { status: string; course: string; from: string; to: string; q: string };
  page: number;
}

function readQuery(query: Record<string, unknown>): OrderQuery {
  const one = (k: string) => (typeof query[k] === 'string' ? (query[k] as string).trim().slice(0, 64) : '');
  const page = Number(one('page'));
  return { values: { status: one('status'), course: one('course'), from: one('from'), to: one('to'), q: one('q') }, page: Number.isSafeInteger(page) && page > 0 ? page : 1 };
}

/** Orders and refunds for the creator. Refund amounts are typed in yuan and checked by payments. */
export function orderAdminRoutes(deps: { payments: PaymentService; courses: CourseService; catalog: CatalogAdminService; accounts: AccountService; clock: Clock; store: Pick<Storefront, 'plan' | 'couponName'> }): Router {
  const { payments, courses, accounts } = deps;

  /** What the filter means; invalid parts are ignored and reported back, never a 500. */
  async function filterOf(q: OrderQuery['values']): Promise<{ filter: OrderFilter; problems: string[] }> {
    const filter: OrderFilter = {};
    const problems: string[] = [];
    if (q.status) {
      if (q.status in ORDER_STATUS_LABELS) filter.status = q.status as OrderStatus;
      else problems.push('状态无效');
    }
    if (q.course) {
      if (/^\d{1,9}$/.test(q.course)) filter.courseId = Number(q.course);
      else problems.push('课程无效');
    }
    if (q.from) {
      if (DAY.test(q.from) && !Number.isNaN(beijingDayStart(q.from).getTime())) filter.from = beijingDayStart(q.from);
      else problems.push('开始日期格式如 2026-12-01');
    }
    if (q.to) {
      if (DAY.test(q.to) && !Number.isNaN(beijingDayStart(q.to).getTime())) filter.until = beijingDayStart(q.to, 1);
      else problems.push('结束日期格式如 2026-12-31');
    }
    if (filter.from && filter.until && filter.from >= filter.until) problems.push('开始日期晚于结束日期，没有订单符合');
    if (q.q) filter.text = { outTradeNo: q.q, userIds: (await accounts.searchUsers(q.q, 200)).map((u) => u.id) };
    return { filter, problems };
  }
  const router = Router();
  router.use('/admin/orders', requireAdmin);

  /** Describes orders for a page or an export, looking each item and buyer up once. */
  function describer() {
    const itemByKey = new Map<string, ReturnType<typeof orderItem>>();
    const buyerById = new Map<number, Promise<Awaited<ReturnType<AccountService['currentUser']>>>>();
    const once = <K, T>(m: Map<K, T>, key: K, load: () => T) => {
      if (!m.has(key)) m.set(key, load());
      return m.get(key)!;
    };
    return (order: Order) =>
      describeWith(
        order,
        once(itemByKey, `${order.courseId}:${order.planId}`, () => orderItem(order, courses, deps.store)),
        once(buyerById, order.userId, () => accounts.currentUser(order.userId)),
      );
  }

  async function describeWith(order: Order, itemPromise: ReturnType<typeof orderItem>, buyerPromise: ReturnType<AccountService['currentUser']>) {
    const [item, buyer, price] = await Promise.all([itemPromise, buyerPromise, orderPrice(order, deps.store)]);
    return {
      outTradeNo: order.outTradeNo,
      courseTitle: item.title,
      buyer: buyer ? `${buyer.nickname}${buyer.username ? ` @${buyer.username}` : ''}` : `#${order.userId}`,
      amount: formatYuan(order.amountFen),
      ...price,
      refunded: order.refundedFen > 0 ? formatYuan(order.refundedFen) : '未退款',
      refundableYuan: ((order.amountFen - order.refundedFen) / 100).toFixed(2),
      status: order.status,
      statusLabel: learnerStatusLabel(order, deps.clock.now()),
      // A 100%-off order never went to WeChat: it has no payment channel to show.
      channel: order.amountFen === 0 ? '优惠券全额抵扣' : order.channel.toUpperCase(),
      transactionId: order.transactionId,
      createdAt: when(order.createdAt),
      paidAt: order.paidAt ? when(order.paidAt) : null,
    };
  }

  async function renderOrder(res: Response, order: Order, status = 200, form = { amount: '', reason: '' }, error: string | null = null) {
    const refunds = await payments.refundsOf(order.id);
    res.status(status).render('admin/order', {
      title: `订单 ${order.outTradeNo}`,
      order: await describer()(order),
      refunds: refunds.map(refundView),
      canRefund: order.status === 'paid' && order.refundedFen < order.amountFen,
      form,
      error,
    });
  }

  router.get('/admin/orders', async (req, res) => {
    const query = readQuery(req.query as Record<string, unknown>);
    const { filter, problems } = await filterOf(query.values);
    let { orders, totals } = await payments.searchOrders(filter, { limit: PAGE_SIZE, offset: (query.page - 1) * PAGE_SIZE });
    const pages = Math.max(1, Math.ceil(totals.count / PAGE_SIZE));
    // A page past the end (an old bookmark) shows the last page rather than "no orders".
    if (query.page > pages) {
      query.page = pages;
      ({ orders, totals } = await payments.searchOrders(filter, { limit: PAGE_SIZE, offset: (pages - 1) * PAGE_SIZE }));
    }
    const link = (extra: Record<string, string>) => `?${new URLSearchParams(Object.entries({ ...query.values, ...extra }).filter(([, v]) => v !== '')).toString()}`;
    res.render('admin/orders', {
      title: '订单管理',
      orders: await Promise.all(orders.map(describer())),
      values: query.values,
      problems,
      statuses: Object.entries(ORDER_STATUS_LABELS).map(([value, label]) => ({ value, label })),
      courses: (await deps.catalog.allCourses()).map((c) => ({ id: String(c.id), title: c.title })),
      totals: { count: totals.count, paid: formatYuan(totals.paidFen), refunded: formatYuan(totals.refundedFen), net: formatYuan(totals.paidFen - totals.refundedFen) },
      pager: { page: query.page, pages, prev: query.page > 1 ? link({ page: String(query.page - 1) }) : null, next: query.page < pages ? link({ page: String(query.page + 1) }) : null },
      csvUrl: `/admin/orders.csv${link({ page: '' })}`,
    });
  });

  router.get('/admin/orders.csv', requireAdmin, async (req, res) => {
    const { filter } = await filterOf(readQuery(req.query as Record<string, unknown>).values);
    const { orders } = await payments.searchOrders(filter, { limit: CSV_MAX_ROWS, offset: 0 });
    const describeRow = describer();
    const rows: Array<Array<string | number | null>> = [];
    // One order after another: an export of thousands must not take every database connection.
    for (const o of orders) {
      const d = await describeRow(o);
      rows.push([d.outTradeNo, d.createdAt, d.paidAt, d.courseTitle, d.buyer, fenToYuanInput(o.amountFen), fenToYuanInput(o.refundedFen), d.statusLabel, d.transactionId, fenToYuanInput(o.listPriceFen), fenToYuanInput(o.discountFen), d.couponName]);
    }
    res.set('Content-Type', 'text/csv; charset=utf-8');
    res.set('Content-Disposition', `attachment; filename="orders-${beijingDateTime(new Date()).slice(0, 10)}.csv"`);
    // Columns scripts already read keep their names and places; the pricing ones come after.
    res.send(toCsv(['订单号', '下单时间（北京时间）', '支付时间（北京时间）', '课程', '学员', '金额（元）', '已退款（元）', '状态', '微信支付单号', '原价（元）', '优惠（元）', '优惠券'], rows));
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
    const fen = yuanToFen(amount);
    if (!isConfirmed(req)) {
      // Checked before asking: a confirmation for a refund that cannot happen would mislead.
      let preview;
      try {
        preview = await payments.refundPreview(order.outTradeNo, fen);
      } catch (err) {
        if (err instanceof AppError && err.status < 500) return renderOrder(res, order, 422, form, err.message);
        throw err;
      }
      const buyer = await accounts.currentUser(order.userId);
      const effect = preview.accessEnds ? (order.planId !== null ? '这段会员期将结束' : '将收回课程权限') : preview.full ? '学员还有其他学习权限，不会失去课程' : '学员仍可继续学习';
      return renderConfirmation(res, {
        title: '确认退款',
        message: `退款 ${formatYuan(fen)} 给 ${buyer?.nickname ?? `#${order.userId}`}，${effect}`,
        detail: `退款会原路退回到学员的微信支付账户，提交后无法撤回。${order.couponId !== null ? '这笔订单用了优惠券，退款后优惠券不退回。' : ''}`,
        action: `/admin/orders/${order.outTradeNo}/refunds`,
        button: '确认退款',
        cancelHref: `/admin/orders/${order.outTradeNo}`,
        // One key per confirmation page: submitting it twice refunds once.
        fields: { amount, reason: form.reason, request_key: randomBytes(16).toString('hex') },
      });
    }
    const requestKey = formValues(req.body, ['request_key']).request_key;
    try {
      const refund = await payments.refund(req.currentUser!.id, order.outTradeNo, fen, form.reason.trim(), /^[0-9a-f]{32}$/.test(requestKey ?? '') ? requestKey : undefined);
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
