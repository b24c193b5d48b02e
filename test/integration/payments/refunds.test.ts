import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { realPricing } from '../../support/commerce.js';
import { createAuditService } from '../../../src/modules/audit/index.js';
import { createEnrolmentService } from '../../../src/modules/enrolments/index.js';
import { createPaymentService, createWechatPayClient, WechatPayError } from '../../../src/modules/payments/index.js';
import { systemClock } from '../../../src/platform/clock.js';
import { AppError } from '../../../src/platform/errors.js';
import { createLogger } from '../../../src/platform/logger.js';
import { createCourseWithLessons } from '../../support/catalog-factories.js';
import type { ListeningApp } from '../../support/listening-app.js';
import { rejectionOf } from '../../support/rejection.js';
import {
  APP_APPID,
  APP_MCHID,
  buy,
  notification,
  orderRow,
  outTradeNoOf,
  paidTransaction,
  postNotification,
  SANDBOX_MOUNT,
  sandboxKeys,
  settleRefunds,
  signedInLearner,
  tick,
  waitFor,
  paidPurchase as purchased,
  startListeningAppWithAdmin,
} from '../../support/wechat-pay.js';

let t: ListeningApp;
let adminId: number;
beforeAll(async () => ({ t, adminId } = await startListeningAppWithAdmin()));
afterAll(async () => t?.close());

const paidPurchase = (priceFen?: number) => purchased(t, priceFen);

const settleRefund = async (outRefundNo: string) => (await settleRefunds(t, { outRefundNo }))[0];
const refusal = (p: Promise<unknown>) => rejectionOf(p, AppError);

const refundsOf = async (no: string) => t.db('refunds').where({ order_id: (await orderRow(t.db, no)).id }).orderBy('id');
const entitlementOf = (userId: number, courseId: number) => t.db('access_grants').where({ user_id: userId, course_id: courseId }).first();

describe('refunds', () => {
  it('refunds part of an order: processing, then succeeded on REFUND.SUCCESS, and the learner keeps the course', async () => {
    const { agent, user, course, no, lessonUrl } = await paidPurchase();

    const refund = await t.payments.refund(adminId, no, 3000, '课程内容与描述不符');

    expect(refund).toMatchObject({ amountFen: 3000, status: 'processing', reason: '课程内容与描述不符' });
    expect(refund.refundId).toMatch(/^5030\d+$/);
    expect(await orderRow(t.db, no)).toMatchObject({ status: 'refunding', refunded_fen: 0 });
    expect(await refundsOf(no)).toEqual([expect.objectContaining({ status: 'processing', requested_by: adminId, amount_fen: 3000 })]);

    const settled = await settleRefund(refund.outRefundNo);

    expect(settled.succeeded_at).not.toBeNull();
    expect(await orderRow(t.db, no)).toMatchObject({ status: 'paid', refunded_fen: 3000 });
    expect(await entitlementOf(user.id, course.id)).toMatchObject({ revoked_at: null });
    expect((await agent.get(lessonUrl)).status).toBe(200);
    expect(await t.db('payment_notifications').where({ out_trade_no: no, event_type: 'REFUND.SUCCESS' })).toEqual([expect.objectContaining({ outcome: 'refund_settled' })]);
  });

  it('refunding the rest marks the order refunded and locks the course again', async () => {
    const { agent, user, course, no, lessonUrl } = await paidPurchase();
    await settleRefund((await t.payments.refund(adminId, no, 3000, '部分退款')).outRefundNo);

    const rest = await t.payments.refund(adminId, no, 6900, '全部退款');
    await settleRefund(rest.outRefundNo);

    expect(await orderRow(t.db, no)).toMatchObject({ status: 'refunded', refunded_fen: 9900 });
    expect((await entitlementOf(user.id, course.id)).revoked_at).not.toBeNull();
    const lesson = await agent.get(lessonUrl);
    expect(lesson.status).toBe(403);
    expect(lesson.text).not.toContain(course.lessons[1]!.bodyMd);
  });

  it('refuses to refund more than was paid, in Chinese, writing no refund row', async () => {
    const { no } = await paidPurchase();

    const err = await refusal(t.payments.refund(adminId, no, 9901, '多退'));

    expect(err.message).toBe('最多可退 99.00 元');
    expect(err.status).toBeLessThan(500);
    expect(await refundsOf(no)).toHaveLength(0);
    expect(await orderRow(t.db, no)).toMatchObject({ status: 'paid', refunded_fen: 0 });
  });

  it('refuses to refund more than is left after an earlier refund', async () => {
    const { no } = await paidPurchase();
    await settleRefund((await t.payments.refund(adminId, no, 3000, '部分退款')).outRefundNo);

    const err = await refusal(t.payments.refund(adminId, no, 6901, '多退'));

    expect(err.message).toBe('最多可退 69.00 元');
    expect(await refundsOf(no)).toHaveLength(1);
  });

  it.each([
    ['nothing', 0],
    ['a negative amount', -100],
    ['a fraction of a fen', 10.5],
  ])('refuses to refund %s', async (_name, fen) => {
    const { no } = await paidPurchase();

    const err = await refusal(t.payments.refund(adminId, no, fen, '无效'));

    expect(err.message).toBe('退款金额至少 0.01 元');
    expect(await refundsOf(no)).toHaveLength(0);
  });

  it('refuses a refund while another is in flight', async () => {
    const { no } = await paidPurchase();
    await t.payments.refund(adminId, no, 1000, '第一笔');

    const err = await refusal(t.payments.refund(adminId, no, 1000, '第二笔'));

    expect(err.status).toBe(409);
    expect(err.message).toBe('这笔订单正在退款中，请等待结果');
    expect(await refundsOf(no)).toHaveLength(1);
  });

  it('refuses to refund an order that was never paid', async () => {
    const course = await createCourseWithLessons(t.db, 1);
    const { agent } = await signedInLearner(t);
    const no = outTradeNoOf((await buy(agent, course)).headers.location);

    const err = await refusal(t.payments.refund(adminId, no, 100, '未支付'));

    expect(err.message).toBe('只有已支付的订单可以退款');
    expect(await refundsOf(no)).toHaveLength(0);
  });

  it('does not give the course back when a late TRANSACTION.SUCCESS arrives after a full refund', async () => {
    const { user, course, no } = await paidPurchase();
    await settleRefund((await t.payments.refund(adminId, no, 9900, '全部退款')).outRefundNo);
    const refunded = await orderRow(t.db, no);

    const late = notification(sandboxKeys(t), paidTransaction(refunded, { transaction_id: refunded.transaction_id, trade_state: 'SUCCESS' }));
    const res = await postNotification(t, late);

    expect(res.status).toBe(204);
    expect(await orderRow(t.db, no)).toEqual(refunded);
    expect((await entitlementOf(user.id, course.id)).revoked_at).not.toBeNull();
  });

  it('settles a refund on REFUND.SUCCESS only once, however often it arrives', async () => {
    const { no } = await paidPurchase();
    const refund = await t.payments.refund(adminId, no, 2000, '部分退款');
    await settleRefund(refund.outRefundNo);
    const order = await orderRow(t.db, no);
    const refundRow = (await refundsOf(no))[0];

    const again = notification(
      sandboxKeys(t),
      { mchid: APP_MCHID, out_trade_no: no, transaction_id: order.transaction_id, refund_id: refundRow.refund_id, out_refund_no: refund.outRefundNo, refund_status: 'SUCCESS', success_time: '2026-11-25T10:00:00+08:00', amount: { total: 9900, refund: 2000, payer_total: 9900, payer_refund: 2000 } },
      { eventType: 'REFUND.SUCCESS' },
    );
    const replies = await Promise.all(Array.from({ length: 5 }, () => postNotification(t, again)));

    expect(replies.map((r) => r.status)).toEqual([204, 204, 204, 204, 204]);
    expect(await orderRow(t.db, no)).toMatchObject({ status: 'paid', refunded_fen: 2000 });
  });

  it('refuses a REFUND.SUCCESS for an order we do not have, changing nothing', async () => {
    const before = await t.db('refunds').count({ n: '*' }).first();

    const res = await postNotification(
      t,
      notification(sandboxKeys(t), { mchid: APP_MCHID, out_trade_no: 'ZFNOSUCHORDER0000000001', out_refund_no: 'RF-NOT-OURS-1', refund_status: 'SUCCESS', amount: { total: 9900, refund: 9900 } }, { eventType: 'REFUND.SUCCESS' }),
    );

    expect(res.status).toBe(400);
    expect(await t.db('refunds').count({ n: '*' }).first()).toEqual(before);
  });

  it('refuses a refund notification for another merchant, or whose order or amount differs from our refund row', async () => {
    const { no } = await paidPurchase();
    const other = await paidPurchase();
    const refund = await t.payments.refund(adminId, no, 3000, '部分退款');
    const resource = (over: Record<string, unknown>) => ({ mchid: APP_MCHID, out_trade_no: no, out_refund_no: refund.outRefundNo, refund_id: refund.refundId, refund_status: 'SUCCESS', amount: { total: 9900, refund: 3000 }, ...over });

    const replies = await Promise.all(
      [resource({ mchid: '1230000109' }), resource({ out_trade_no: other.no }), resource({ amount: { total: 9900, refund: 9900 } })].map((r) =>
        postNotification(t, notification(sandboxKeys(t), r, { eventType: 'REFUND.SUCCESS' })),
      ),
    );

    expect(replies.map((r) => r.status)).toEqual([400, 400, 400]);
    expect(await t.db('refunds').where({ out_refund_no: refund.outRefundNo }).first()).toMatchObject({ status: 'processing' });
    expect(await orderRow(t.db, no)).toMatchObject({ status: 'refunding', refunded_fen: 0 });
    expect(await orderRow(t.db, other.no)).toMatchObject({ status: 'paid', refunded_fen: 0 });
  });

  it('lets exactly one of two refunds requested at the same moment through, and never more than was paid', async () => {
    const { no } = await paidPurchase();

    const outcomes = await Promise.allSettled([t.payments.refund(adminId, no, 6000, '并发一'), t.payments.refund(adminId, no, 6000, '并发二')]);

    expect(outcomes.map((o) => o.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect(await refundsOf(no)).toHaveLength(1);
  });
});

describe('a refund whose answer from WeChat is lost', () => {
  /** The app's payment service, but its WeChat client loses the answer to a refund WeChat accepted. */
  function paymentsLosingRefundAnswers() {
    const keys = sandboxKeys(t);
    const log = createLogger('silent');
    const real = createWechatPayClient({
      clock: systemClock,
      log,
      merchant: {
        appid: APP_APPID,
        mchid: APP_MCHID,
        apiV3Key: keys.apiV3Key,
        privateKeyPem: keys.merchant.privateKeyPem,
        serial: keys.merchant.serial,
        publicKey: { id: keys.platform.publicKeyId, pem: keys.platform.publicKeyPem },
        platformCertificatePems: [],
        apiBase: t.baseUrl + SANDBOX_MOUNT,
      },
    });
    const wechat = {
      ...real,
      async refund(r: Parameters<typeof real.refund>[0]): ReturnType<typeof real.refund> {
        await real.refund(r);
        throw new WechatPayError(0, 'NETWORK_ERROR', 'WeChat Pay did not answer: The operation was aborted due to timeout');
      },
    };
    const audit = createAuditService({ db: t.db, clock: systemClock });
    const enrolments = createEnrolmentService({ db: t.db, clock: systemClock, log, audit });
    return createPaymentService({ db: t.db, clock: systemClock, log, wechat, enrolments, pricing: realPricing(t.db, systemClock, log, audit), audit, notifyUrl: `${t.baseUrl}/wechatpay/notify`, orderExpireMinutes: 30, events: { track: () => undefined } });
  }

  it('keeps the refund open, so the REFUND.SUCCESS that follows settles it', async () => {
    const { no } = await paidPurchase();

    const err = await refusal(paymentsLosingRefundAnswers().refund(adminId, no, 2500, '答复丢失'));

    expect(err.status).toBe(502);
    const [open] = await refundsOf(no);
    expect(open).toMatchObject({ status: 'pending', amount_fen: 2500 });
    expect(await orderRow(t.db, no)).toMatchObject({ status: 'refunding' });
    await settleRefund(open.out_refund_no);
    expect(await orderRow(t.db, no)).toMatchObject({ status: 'paid', refunded_fen: 2500 });
  });

  it('is settled by reconciliation when its notification is lost too', async () => {
    const { no } = await paidPurchase();
    await refusal(paymentsLosingRefundAnswers().refund(adminId, no, 2500, '答复丢失'));
    const [open] = await refundsOf(no);
    // WeChat settles it, but its REFUND.SUCCESS goes nowhere (the sandbox's row is pointed at a dead port).
    await t.db('sandbox_wechatpay_refunds').where({ out_refund_no: open.out_refund_no }).update({ notify_url: 'http://127.0.0.1:9/wechatpay/notify' });
    await waitFor(async () => {
      await tick(t);
      return (await t.db('sandbox_wechatpay_refunds').where({ out_refund_no: open.out_refund_no }).first()).status === 'SUCCESS';
    });
    expect((await refundsOf(no))[0]).toMatchObject({ status: 'pending' });
    await t.db('refunds').where({ id: open.id }).update({ created_at: new Date(Date.now() - 3 * 60_000) });

    await t.payments.reconcile();

    expect((await refundsOf(no))[0]).toMatchObject({ status: 'succeeded' });
    expect(await orderRow(t.db, no)).toMatchObject({ status: 'paid', refunded_fen: 2500 });
  });

  it('is closed by reconciliation, and the order is refundable again, when WeChat never received it', async () => {
    const { no } = await paidPurchase();
    const order = await orderRow(t.db, no);
    // The process stopped after writing the refund row, before calling WeChat.
    await t.db('orders').where({ id: order.id }).update({ status: 'refunding' });
    const old = new Date(Date.now() - 3 * 60_000);
    await t.db('refunds').insert({ out_refund_no: `RF${Date.now()}LOST`, order_id: order.id, amount_fen: 1000, reason: '', status: 'pending', requested_by: adminId, created_at: old, updated_at: old });

    await t.payments.reconcile();

    expect((await refundsOf(no))[0]).toMatchObject({ status: 'closed' });
    expect(await orderRow(t.db, no)).toMatchObject({ status: 'paid', refunded_fen: 0 });
    expect(await t.payments.refund(adminId, no, 1000, '重新退款')).toMatchObject({ status: 'processing' });
  });
});
