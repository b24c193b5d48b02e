import express, { Router, type Request, type RequestHandler, type Response } from 'express';
import QRCode from 'qrcode';
import type { Clock } from '../../platform/clock.js';
import { AppError, ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../../platform/errors.js';
import { formValues, setFlash } from '../../platform/http/index.js';
import { formatYuan } from '../../platform/money.js';
import { beijingClock, beijingDateTime } from '../../platform/time.js';
import { requireLogin } from '../accounts/index.js';
import type { CourseService, PickedCourse } from '../catalog/index.js';
import type { Order } from './order.js';
import { learnerStatusLabel, refundView } from './order-view.js';
import { isWechatBrowser } from '../wechat/index.js';
import type { CheckoutProduct, PaymentService } from './payment-service.js';
import { jsapiPayParams } from './wechatpay-crypto.js';


export interface PaymentPageOptions {
  /** Sandbox mode: turns a weixin:// code_url into the simulator's pay page a browser can open. */
  sandboxPayPage: ((codeUrl: string) => string) | null;
  /** Sandbox mode: the script standing in for WeixinJSBridge outside WeChat. */
  sandboxBridge: { src: string; base: string } | null;
  h5Enabled: boolean;
}

/** A phone's browser cannot scan a QR code on its own screen. */
function isPhone(req: Request): boolean {
  return /Mobile|Android|iPhone|iPod|HarmonyOS/i.test(req.get('user-agent') ?? '');
}

/** The WeChat Pay webhook: raw bytes in (the signature covers them), no session, no CSRF. */
export function paymentNotifyRoutes(deps: { payments: PaymentService }): Router {
  const router = Router();
  router.post('/wechatpay/notify', express.raw({ type: () => true, limit: '64kb' }), async (req, res) => {
    const raw = Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '';
    const header = (name: string) => req.get(name) ?? undefined;
    const result = await deps.payments.handleNotification(
      {
        'wechatpay-timestamp': header('wechatpay-timestamp'),
        'wechatpay-nonce': header('wechatpay-nonce'),
        'wechatpay-signature': header('wechatpay-signature'),
        'wechatpay-serial': header('wechatpay-serial'),
      },
      raw,
    );
    if (result.status === 204) return res.status(204).end();
    res.status(result.status).json(result.body);
  });
  return router;
}

/** WeChat sends the payer back to `redirect_url` after H5 pay (to be url-encoded, on the merchant's domain). */
function withRedirect(h5Url: string, back: string): string {
  const u = new URL(h5Url);
  u.searchParams.set('redirect_url', back);
  return u.toString();
}

/** What checkout and the order pages need of commerce: plans, coupon names, and the refusal page. */
export interface Storefront {
  plan(id: number): Promise<{ id: number; name: string; priceFen: number; onSale: boolean } | null>;
  couponName(id: number): Promise<string | null>;
  /** Re-renders the course or 会员 page (422) with the coupon's refusal beside the code typed. */
  refused(req: Request, res: Response, product: CheckoutProduct, refusal: { couponCode: string; message: string }): Promise<void>;
}

/** What an order bought, for its pages: a course, or a membership plan. */
export async function orderItem(order: Order, courses: CourseService, store: Pick<Storefront, 'plan'>): Promise<{ kind: 'course' | 'membership'; id: number; title: string; url: string | null }> {
  if (order.courseId !== null) {
    const c = await courses.byId(order.courseId);
    return { kind: 'course', id: order.courseId, title: c?.title ?? '已删除的课程', url: c ? `/courses/${c.slug}` : null };
  }
  const plan = await store.plan(order.planId!);
  return { kind: 'membership', id: order.planId!, title: `会员：${plan?.name ?? '已删除的方案'}`, url: '/membership' };
}

/** An order's price for its pages: the discount only when there was one. */
export async function orderPrice(order: Order, store: Pick<Storefront, 'couponName'>) {
  return {
    listPrice: formatYuan(order.listPriceFen),
    discount: order.discountFen > 0 ? formatYuan(order.discountFen) : null,
    couponName: order.couponId !== null ? await store.couponName(order.couponId) : null,
    free: order.amountFen === 0,
  };
}

/** Checkout and the order page, for the learner who owns the order (or an admin). */
export function paymentRoutes(deps: {
  payments: PaymentService;
  courses: CourseService;
  store: Storefront;
  /** Failed checkouts per learner (a wrong coupon code is one): guessing codes is slow. */
  checkoutLimiter: RequestHandler;
  clock: Clock;
  merchantPrivateKeyPem: string;
  page: PaymentPageOptions;
  publicUrl: string;
  /** 下一步学什么 on a paid order's page: what to study after the course just bought. */
  nextSteps?: (userId: number, courseId: number) => Promise<PickedCourse[]>;
}): Router {
  const { payments, courses, nextSteps } = deps;

  const router = Router();

  async function ownedOrder(req: Request): Promise<Order> {
    const order = await payments.order(String(req.params.outTradeNo));
    const me = req.currentUser!;
    if (order.userId !== me.id && !me.isAdmin) throw new ForbiddenError('NOT_YOUR_ORDER', '这不是你的订单');
    return order;
  }

  /** The course or plan a checkout names: `course_id`, or `plan_id` for a membership. */
  async function checkoutProductOf(form: Record<string, string | undefined>): Promise<{ product: CheckoutProduct; back: string }> {
    const id = (raw: string | undefined) => (/^\d{1,9}$/.test(raw ?? '') ? Number(raw) : null);
    if (form.plan_id !== '' && form.course_id !== '') throw new ValidationError('ONE_PRODUCT', '一次只能购买一门课程或一个会员方案');
    if (form.plan_id !== '' && form.course_id === '') {
      const planId = id(form.plan_id);
      const plan = planId === null ? null : await deps.store.plan(planId);
      if (!plan) throw new NotFoundError('PLAN_NOT_FOUND', '会员方案不存在或已停售');
      return { product: { kind: 'membership', id: plan.id, title: plan.name, priceFen: plan.priceFen, onSale: plan.onSale }, back: '/membership' };
    }
    const courseId = id(form.course_id);
    const course = courseId === null ? null : await courses.byId(courseId);
    if (!course) throw new NotFoundError('COURSE_NOT_FOUND', '课程不存在或已下架');
    return { product: { kind: 'course', id: course.id, title: course.title, priceFen: course.priceFen, onSale: course.status === 'published' }, back: `/courses/${course.slug}` };
  }

  router.post('/orders', requireLogin, deps.checkoutLimiter, async (req, res) => {
    const form = formValues(req.body, ['course_id', 'plan_id', 'coupon_code']);
    const { product, back } = await checkoutProductOf(form);
    const typed = (form.coupon_code ?? '').trim();
    try {
      const order = await payments.checkout({
        userId: req.currentUser!.id,
        openid: req.currentUser!.wechatOpenid,
        inWechat: isWechatBrowser(req),
        // H5 only in a phone browser outside WeChat: a desktop scans a QR code, WeChat uses JSAPI.
        h5: deps.page.h5Enabled && isPhone(req) && !isWechatBrowser(req),
        clientIp: req.ip ?? '127.0.0.1',
        product,
        couponCode: typed === '' ? null : typed,
      });
      req.track?.('order_created', { courseId: order.courseId ?? undefined, orderId: order.id });
      res.redirect(303, `/orders/${order.outTradeNo}`);
    } catch (err) {
      // Owning the course already is not an error for the learner: take them to it.
      if (err instanceof ConflictError && err.code === 'ALREADY_OWNED') return res.redirect(303, back);
      // A wrong, used-up or expired code: the page again, with the reason, and no order.
      if (err instanceof AppError && err.code.startsWith('COUPON_')) return deps.store.refused(req, res, product, { couponCode: typed.slice(0, 32), message: err.message });
      throw err;
    }
  });

  router.get('/orders/:outTradeNo', requireLogin, async (req, res) => {
    // Ownership first: an order for a course the learner already has is never offered for payment.
    const { order, owned } = await payments.forPayment(await ownedOrder(req));
    const item = await orderItem(order, courses, deps.store);
    const pending = !owned && order.status === 'pending' && order.expiresAt > deps.clock.now();
    const qrContent = pending && order.codeUrl ? (deps.page.sandboxPayPage?.(order.codeUrl) ?? order.codeUrl) : null;
    const payParams =
      pending && order.prepayId
        ? jsapiPayParams(deps.merchantPrivateKeyPem, payments.appId, order.prepayId, Math.floor(deps.clock.now().getTime() / 1000))
        : null;
    // The buyer's own paid order only: an admin looking at someone's order is not the one to advise.
    const [refunds, next] = await Promise.all([
      payments.refundsOf(order.id).then((list) => list.map(refundView)),
      nextSteps && order.status === 'paid' && order.courseId !== null && order.userId === req.currentUser!.id ? nextSteps(req.currentUser!.id, order.courseId) : Promise.resolve([]),
    ]);
    res.render('payments/order', {
      title: '订单',
      order: {
        outTradeNo: order.outTradeNo,
        amount: formatYuan(order.amountFen),
        ...(await orderPrice(order, deps.store)),
        status: order.status,
        statusLabel: learnerStatusLabel(order, deps.clock.now()),
        channel: order.channel,
        expiresAt: order.expiresAt.toISOString(),
        expiresAtText: beijingClock(order.expiresAt),
        paidAt: order.paidAt ? beijingDateTime(order.paidAt) : null,
        refunded: order.refundedFen > 0 ? formatYuan(order.refundedFen) : null,
        fullyRefunded: order.status === 'refunded',
        pending,
        duplicate: order.flag === 'duplicate_payment',
      },
      refunds,
      owned,
      item: { ...item, url: item.url ?? '/me/orders' },
      qrSvg: qrContent ? await QRCode.toString(qrContent, { type: 'svg', margin: 1, width: 220, errorCorrectionLevel: 'M' }) : null,
      sandboxPayUrl: qrContent && deps.page.sandboxPayPage ? qrContent : null,
      h5Url: pending && order.h5Url ? withRedirect(order.h5Url, `${deps.publicUrl}/orders/${order.outTradeNo}`) : null,
      // A phone outside WeChat was given a QR code (no H5 pay): help it pay another way.
      phoneHelp: pending && order.codeUrl !== null && isPhone(req) && !isWechatBrowser(req),
      longPressHelp: pending && order.codeUrl !== null && isWechatBrowser(req),
      orderUrl: `${deps.publicUrl}/orders/${order.outTradeNo}`,
      payParams: payParams ? JSON.stringify(payParams) : null,
      sandboxBridge: payParams ? deps.page.sandboxBridge : null,
      nextSteps: next,
    });
  });

  router.get('/me/orders', requireLogin, async (req, res) => {
    const now = deps.clock.now();
    const list = await payments.ordersOfLearner(req.currentUser!.id);
    const orders = await Promise.all(
      list.map(async ({ order, refunds }) => {
        const item = await orderItem(order, courses, deps.store);
        return {
          outTradeNo: order.outTradeNo,
          courseTitle: item.title,
          courseUrl: item.url,
          amount: formatYuan(order.amountFen),
          ...(await orderPrice(order, deps.store)),
        status: order.status,
        statusLabel: learnerStatusLabel(order, now),
          createdAt: beijingDateTime(order.createdAt),
          paidAt: order.paidAt ? beijingDateTime(order.paidAt) : null,
          refunds: refunds.map(refundView),
        };
      }),
    );
    res.render('payments/my-orders', { title: '我的订单', orders });
  });

  router.get('/orders/:outTradeNo/status', requireLogin, async (req, res) => {
    const order = await ownedOrder(req);
    res.set('Cache-Control', 'no-store').json({ status: order.status });
  });

  // "我已支付": ask WeChat now rather than wait for the notification.
  router.post('/orders/:outTradeNo/query', requireLogin, async (req, res) => {
    const order = await ownedOrder(req);
    const { order: now, tradeState } = await payments.checkPayment(order.outTradeNo);
    // Say what happened: a press that changes nothing on the page would look like a broken button.
    if (now.status === 'paid') setFlash(req, 'success', '支付成功，课程已解锁');
    else if (tradeState === 'PAYERROR') setFlash(req, 'warn', '支付没有成功，请重新支付');
    else if (now.status === 'pending') setFlash(req, 'warn', '还没有收到支付结果，请稍后刷新');
    else if (now.status === 'closed') setFlash(req, 'warn', '订单已关闭，可以重新下单');
    res.redirect(303, `/orders/${order.outTradeNo}`);
  });

  return router;
}
