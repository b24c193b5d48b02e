import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DUPLICATE_REFUND_REASON } from '../../../src/modules/payments/payment-service.js';
import { createCourseWithLessons } from '../../support/catalog-factories.js';
import { createCoupon, grantsOf } from '../../support/coupons.js';
import { createUser } from '../../support/factories.js';
import { csrfFrom } from '../../support/forms.js';
import type { ListeningApp } from '../../support/listening-app.js';
import {
  buy,
  createPendingOrder,
  notification,
  orderRow,
  outTradeNoOf,
  paidTransaction,
  payAtSandbox,
  postNotification,
  sandboxControl,
  sandboxKeys,
  settleRefunds,
  signedInLearner,
  tick,
  WECHAT_UA,
  paidPurchase,
  startListeningAppWithAdmin,
} from '../../support/wechat-pay.js';

let t: ListeningApp;
let adminId: number;
beforeAll(async () => ({ t, adminId } = await startListeningAppWithAdmin()));
afterAll(async () => t?.close());

const liveSources = (userId: number, courseId: number) => t.db('access_grants').where({ user_id: userId, course_id: courseId }).whereNull('revoked_at').orderBy('id');
const refundsOfOrder = (orderId: number) => t.db('refunds').where({ order_id: orderId }).orderBy('id');

const settleRefundsOf = (orderId: number) => settleRefunds(t, { orderId });

const purchase = () => paidPurchase(t);

describe('access is the union of its live sources', () => {
  it('keeps the course when a refunded order was not the only source: an admin grant stands', async () => {
    const { agent, user, course, no, order, lessonUrl } = await purchase();
    await t.db.transaction((trx) => trx('access_grants').insert({ user_id: user.id, course_id: course.id, source: 'admin_grant', source_key: 'admin', granted_at: new Date() }));

    await t.payments.refund(adminId, no, 9900, '全额退款');
    await settleRefundsOf(order.id);

    expect(await orderRow(t.db, no)).toMatchObject({ status: 'refunded', refunded_fen: 9900 });
    expect(await liveSources(user.id, course.id)).toEqual([expect.objectContaining({ source: 'admin_grant' })]);
    expect(await t.db('access_grants').where({ order_id: order.id }).first()).toMatchObject({ revoked_reason: 'refund' });
    expect((await agent.get(lessonUrl)).status).toBe(200);
  });

  it('keeps the first payment’s grant, and grants nothing for a second payment of two old open orders', async () => {
    const course = await createCourseWithLessons(t.db, 1, { priceFen: 5000 });
    const user = await createUser(t.db);
    // Two open orders from before one-payable-order (a QR and a JSAPI order), both paid at WeChat.
    const first = await createPendingOrder(t.db, { userId: user.id, courseId: course.id, amountFen: 5000 });
    const second = await createPendingOrder(t.db, { userId: user.id, courseId: course.id, amountFen: 5000 });

    const replies = [await postNotification(t, notification(sandboxKeys(t), paidTransaction(first))), await postNotification(t, notification(sandboxKeys(t), paidTransaction(second)))];

    expect(replies.map((r) => r.status)).toEqual([204, 204]);
    expect(await liveSources(user.id, course.id)).toEqual([expect.objectContaining({ source: 'purchase', order_id: first.id })]);
    expect(await orderRow(t.db, second.out_trade_no)).toMatchObject({ flag: 'duplicate_payment' });
    expect(await orderRow(t.db, first.out_trade_no)).toMatchObject({ status: 'paid', flag: null });
  });

  it('applies a payment that beat the close of the old order instead of opening a new one', async () => {
    const course = await createCourseWithLessons(t.db, 1, { priceFen: 2500 });
    const learner = await signedInLearner(t, { wechatOpenid: `oBeat${Date.now()}` });
    const qrNo = outTradeNoOf((await buy(learner.agent, course)).headers.location);
    // Paid on the desktop; its notification has not arrived yet when the learner opens the course in WeChat.
    await payAtSandbox(t, qrNo, { delay_ms: 3600_000 * 1000 });

    const res = await buy(learner.agent, course, {}, WECHAT_UA);

    expect(res.headers.location).toBe(`/courses/${course.slug}`);
    expect(await orderRow(t.db, qrNo)).toMatchObject({ status: 'paid' });
    expect(await t.db('orders').where({ user_id: learner.user.id, course_id: course.id })).toHaveLength(1);
    expect(await liveSources(learner.user.id, course.id)).toEqual([expect.objectContaining({ source: 'purchase' })]);
  });
});

describe('one learner and one course have at most one payable order', () => {
  it('closes the desktop QR order at WeChat before opening the in-WeChat JSAPI one, so the old QR can no longer be paid', async () => {
    const course = await createCourseWithLessons(t.db, 1, { priceFen: 2900 });
    const learner = await signedInLearner(t, { wechatOpenid: `oAccess${Date.now()}` });
    const qrNo = outTradeNoOf((await buy(learner.agent, course)).headers.location);

    const jsapiNo = outTradeNoOf((await buy(learner.agent, course, {}, WECHAT_UA)).headers.location);
    const payOld = await sandboxControl(t, `/sandbox/transactions/${qrNo}/pay`);

    expect(jsapiNo).not.toBe(qrNo);
    expect(await orderRow(t.db, qrNo)).toMatchObject({ status: 'closed', payable_key: null });
    expect(await orderRow(t.db, jsapiNo)).toMatchObject({ status: 'pending', channel: 'jsapi', payable_key: `${learner.user.id}:${course.id}` });
    expect(payOld.status).toBeGreaterThanOrEqual(400);
    expect(await t.db('orders').where({ user_id: learner.user.id, course_id: course.id, status: 'pending' })).toHaveLength(1);
  });

  it('leaves one pending order when a learner checks out ten times at once from two devices', async () => {
    const course = await createCourseWithLessons(t.db, 1, { priceFen: 3900 });
    const learner = await signedInLearner(t, { wechatOpenid: `oRace${Date.now()}` });

    const csrf = csrfFrom((await learner.agent.get(`/courses/${course.slug}`)).text);
    const replies = await Promise.all(
      Array.from({ length: 10 }, (_, i) => {
        const req = learner.agent.post('/orders').type('form');
        return (i % 2 === 0 ? req.set('User-Agent', WECHAT_UA) : req).send({ _csrf: csrf, course_id: String(course.id) });
      }),
    );

    expect(replies.map((r) => r.status).filter((s) => s !== 303 && s !== 409)).toEqual([]);
    expect(await t.db('orders').where({ user_id: learner.user.id, course_id: course.id, status: 'pending' })).toHaveLength(1);
  });

  it('shows 你已拥有 instead of a QR code on an open order once the learner owns the course, and closes it at WeChat', async () => {
    const course = await createCourseWithLessons(t.db, 1, { priceFen: 4900 });
    const learner = await signedInLearner(t);
    const no = outTradeNoOf((await buy(learner.agent, course)).headers.location);
    await t.db('access_grants').insert({ user_id: learner.user.id, course_id: course.id, source: 'admin_grant', source_key: 'admin', granted_at: new Date() });

    const page = await learner.agent.get(`/orders/${no}`);
    const payAtWechat = await sandboxControl(t, `/sandbox/transactions/${no}/pay`);

    expect(page.status).toBe(200);
    expect(page.text).toContain('你已拥有这门课程，无需再次支付');
    expect(page.text).not.toContain('微信扫码支付二维码');
    expect(page.text).not.toContain('我已支付');
    expect(await orderRow(t.db, no)).toMatchObject({ status: 'closed' });
    expect(payAtWechat.status).toBeGreaterThanOrEqual(400);
  });

  it('sends a learner who owns the course to it instead of opening another order', async () => {
    const { agent, course, user } = await purchase();

    const again = await buy(agent, course);

    expect(again.status).toBe(303);
    expect(again.headers.location).toBe(`/courses/${course.slug}`);
    expect(await t.db('orders').where({ user_id: user.id, course_id: course.id })).toHaveLength(1);
  });
});

describe('a second payment that lands anyway', () => {
  it('is recorded as paid and flagged, refunded in full with 重复支付，自动退款, audited, and access is untouched', async () => {
    const course = await createCourseWithLessons(t.db, 1, { priceFen: 6600 });
    const learner = await signedInLearner(t);
    const no = outTradeNoOf((await buy(learner.agent, course)).headers.location);
    // The creator grants the course while the learner is paying for it on another device.
    await t.db('access_grants').insert({ user_id: learner.user.id, course_id: course.id, source: 'admin_grant', source_key: 'admin', granted_at: new Date() });

    await payAtSandbox(t, no);
    await tick(t);
    const order = await orderRow(t.db, no);
    const [refund] = await settleRefundsOf(order.id);

    expect(order).toMatchObject({ flag: 'duplicate_payment' });
    expect(refund).toMatchObject({ amount_fen: 6600, reason: DUPLICATE_REFUND_REASON, origin: 'auto', requested_by: null, status: 'succeeded' });
    expect(await orderRow(t.db, no)).toMatchObject({ status: 'refunded', refunded_fen: 6600, flag: 'duplicate_payment' });
    expect(await liveSources(learner.user.id, course.id)).toEqual([expect.objectContaining({ source: 'admin_grant' })]);
    expect(await t.db('access_grants').where({ order_id: order.id })).toEqual([]);
    expect(await t.db('admin_audit').where({ entity_type: 'order', entity_id: order.id })).toEqual([expect.objectContaining({ action: 'order.duplicate_payment', actor_user_id: 0 })]);
    const page = await learner.agent.get(`/orders/${no}`);
    expect(page.text).toContain('你已拥有这门课程');
  });

  it('leaves a duplicate whose automatic refund WeChat refuses flagged for a person, and does not retry it forever', async () => {
    const course = await createCourseWithLessons(t.db, 1, { priceFen: 1200 });
    const user = await createUser(t.db);
    await t.db('access_grants').insert({ user_id: user.id, course_id: course.id, source: 'free', source_key: 'free', granted_at: new Date() });
    const order = await createPendingOrder(t.db, { userId: user.id, courseId: course.id, amountFen: 1200 });
    // A hand-signed notification for an order the sandbox never saw: its refund is refused there.
    const res = await postNotification(t, notification(sandboxKeys(t), paidTransaction(order)));
    await t.payments.reconcile();

    expect(res.status).toBe(204);
    expect(await orderRow(t.db, order.out_trade_no)).toMatchObject({ status: 'paid', flag: 'duplicate_payment' });
    expect(await t.db('access_grants').where({ order_id: order.id })).toEqual([]);
    expect(await refundsOfOrder(order.id)).toEqual([expect.objectContaining({ status: 'closed', origin: 'auto' })]);
  });
});

/**
 * A course bought and paid at WeChat whose payment notice WeChat holds back for hours, then refunded
 * in full in the merchant console: the refund is all the app could have heard of so far.
 */
async function paidThenRefundedInConsole(priceFen: number, couponCode?: string) {
  const course = await createCourseWithLessons(t.db, 1, { priceFen });
  const learner = await signedInLearner(t);
  const no = outTradeNoOf((await buy(learner.agent, course, couponCode ? { coupon_code: couponCode } : {})).headers.location);
  await payAtSandbox(t, no, { delay_ms: 6 * 3600_000 * 1000 });
  await sandboxControl(t, `/sandbox/transactions/${no}/console-refund`);
  return { course, learner, no, order: await orderRow(t.db, no) };
}

describe('WeChat reports REFUND for an order we still think is pending', () => {
  it('records the payment without granting the course, and settles the console refund when its notification arrives', async () => {
    const { course, learner, no } = await paidThenRefundedInConsole(8800);

    await learner.agent.post(`/orders/${no}/query`).type('form').send({ _csrf: await csrfOfOrderPage(learner.agent, no) });
    const recorded = await orderRow(t.db, no);

    expect(recorded).toMatchObject({ status: 'refunding', flag: 'refunded_before_recorded' });
    expect(recorded.transaction_id).not.toBeNull();
    expect(await liveSources(learner.user.id, course.id)).toEqual([]);

    const [refund] = await settleRefundsOf(recorded.id);

    expect(refund).toMatchObject({ origin: 'console', amount_fen: 8800, status: 'succeeded' });
    expect(refund.out_refund_no).toMatch(/^CONSOLE/);
    expect(await orderRow(t.db, no)).toMatchObject({ status: 'refunded', refunded_fen: 8800 });
    expect(await liveSources(learner.user.id, course.id)).toEqual([]);
  });
});

describe('the console refund’s notification arriving before anything else', () => {
  it('ends the order refunded, not stuck in 退款中, when the query that finds the payment comes after', async () => {
    const coupon = await createCoupon(t.db, { amountOffFen: 700 });
    const { course, learner, no, order } = await paidThenRefundedInConsole(7700, coupon.code!);
    await settleRefundsOf(order.id);

    await learner.agent.post(`/orders/${no}/query`).type('form').send({ _csrf: await csrfOfOrderPage(learner.agent, no) });

    expect(await orderRow(t.db, no)).toMatchObject({ status: 'refunded', refunded_fen: 7000, flag: 'refunded_before_recorded' });
    expect(await liveSources(learner.user.id, course.id)).toEqual([]);
    // The discounted payment was taken and refunded: the copy is spent, not handed back.
    expect(await grantsOf(t.db, coupon.id)).toEqual([expect.objectContaining({ status: 'refunded', order_id: order.id })]);
  });
});

describe('a full refund whose notification overtakes the payment’s', () => {
  it('records the late payment notice without granting the course: the order ends refunded', async () => {
    // The refund's notice comes first and is settled.
    const { course, learner, no, order } = await paidThenRefundedInConsole(6600);
    await settleRefundsOf(order.id);

    // The held-back TRANSACTION.SUCCESS still says SUCCESS: it was written before the refund.
    const res = await postNotification(t, notification(sandboxKeys(t), paidTransaction(order)));

    expect(res.status).toBe(204);
    expect(await orderRow(t.db, no)).toMatchObject({ status: 'refunded', refunded_fen: 6600, flag: 'refunded_before_recorded' });
    expect(await liveSources(learner.user.id, course.id)).toEqual([]);
    expect((await learner.agent.get(`/courses/${course.slug}/lessons/${(await t.db('lessons').where({ course_id: course.id }).first()).id}`)).status).toBe(403);
  });
});

describe('a refund made in the merchant console', () => {
  it('is recorded against its order by out_trade_no, settled, and ends that order’s access', async () => {
    const { agent, user, course, no, order, lessonUrl } = await purchase();

    await sandboxControl(t, `/sandbox/transactions/${no}/console-refund`, { refund_fen: 9900 });
    const [refund] = await settleRefundsOf(order.id);

    expect(refund).toMatchObject({ origin: 'console', amount_fen: 9900, requested_by: null });
    expect(await orderRow(t.db, no)).toMatchObject({ status: 'refunded', refunded_fen: 9900 });
    expect(await liveSources(user.id, course.id)).toEqual([]);
    expect((await agent.get(lessonUrl)).status).toBe(403);
    expect(await t.db('payment_notifications').where({ out_trade_no: no, event_type: 'REFUND.SUCCESS' })).toEqual([expect.objectContaining({ outcome: 'refund_settled' })]);
  });

  it('is recorded once however many copies of its notification arrive at once', async () => {
    const { no, order } = await purchase();
    const n = notification(sandboxKeys(t), { mchid: t.config.wechatPay.mode === 'sandbox' ? '1900000109' : '', out_trade_no: no, transaction_id: order.transaction_id, refund_id: '50300000001', out_refund_no: 'CONSOLE-HAND-1', refund_status: 'SUCCESS', amount: { total: 9900, refund: 1000, payer_total: 9900, payer_refund: 1000 } }, { eventType: 'REFUND.SUCCESS' });

    const replies = await Promise.all(Array.from({ length: 8 }, () => postNotification(t, n)));

    expect(replies.map((r) => r.status)).toEqual(Array(8).fill(204));
    expect(await refundsOfOrder(order.id)).toEqual([expect.objectContaining({ out_refund_no: 'CONSOLE-HAND-1', amount_fen: 1000, status: 'succeeded' })]);
    expect(await orderRow(t.db, no)).toMatchObject({ status: 'paid', refunded_fen: 1000 });
  });
});

async function csrfOfOrderPage(agent: Awaited<ReturnType<typeof signedInLearner>>['agent'], no: string): Promise<string> {
  const page = await agent.get(`/orders/${no}`);
  const m = /name="_csrf" value="([^"]+)"/.exec(page.text);
  if (!m) throw new Error('no CSRF token on the order page');
  return m[1]!;
}
