import { beforeAll, describe, expect, it } from 'vitest';
import { DUPLICATE_REFUND_REASON } from '../../../src/modules/payments/payment-service.js';
import { AppError } from '../../../src/platform/errors.js';
import { createCourseWithLessons, signedIn } from '../../support/catalog-factories.js';
import { csrfFrom } from '../../support/forms.js';
import { section } from '../../support/html.js';
import { buyPlan, createPlan, lastBeijingDay, membershipApp, paidPlan, periodsOf } from '../../support/membership.js';
import { rejectionOf } from '../../support/rejection.js';
import { orderRow, outTradeNoOf, payAtSandbox, sandboxNotifications, settleRefunds, signedInLearner, tick } from '../../support/wechat-pay.js';

// Refunds of membership orders through the real WeChat Pay sandbox. The app and the sandbox share a
// clock the tests move; requests the app signs carry the real time, which the sandbox accepts within
// ±300 s of its clock, so the clock starts each test at real time and never strays far while paying.
const ctx = membershipApp();
const { clock } = ctx;
let admin: Awaited<ReturnType<typeof signedIn>>;
beforeAll(async () => {
  admin = await signedIn(ctx.t.app, ctx.t.db, 'admin');
});

/** The sandbox's clock only moves when a test moves it: a little before each pass, until the refunds settle. */
const settleRefundsOf = (orderId: number) => settleRefunds(ctx.t, { orderId }, { clock, ms: 100 });
const refusal = (p: Promise<unknown>) => rejectionOf(p, AppError);

/** A learner with a live 30-day `all` membership bought for 199 元, and a paid lesson it opens. */
async function member() {
  const course = await createCourseWithLessons(ctx.t.db, 2, { priceFen: 9900 });
  const plan = await createPlan(ctx.t.db, { name: '退款方案', priceFen: 19_900, periodDays: 30, scope: 'all' });
  const learner = await signedInLearner(ctx.t);
  const bought = await paidPlan(ctx.t, learner.agent, plan.id);
  return { ...learner, plan, course, ...bought, lessonUrl: `/courses/${course.slug}/lessons/${course.lessons[1]!.id}`, body: course.lessons[1]!.bodyMd };
}

describe('a full refund of a membership order', () => {
  it('ends that period (ended_at, reason refund), closes the lessons and says so on the order page', async () => {
    const m = await member();
    expect((await m.agent.get(m.lessonUrl)).status).toBe(200);

    await ctx.t.payments.refund(admin.user.id, m.no, 19_900, '不想要了');
    await settleRefundsOf(m.order.id);

    expect(await orderRow(ctx.t.db, m.no)).toMatchObject({ status: 'refunded', refunded_fen: 19_900 });
    const [p] = await periodsOf(ctx.t.db, m.user.id);
    expect(p).toMatchObject({ order_id: m.order.id, ended_reason: 'refund' });
    expect(p!.ended_at?.getTime()).toBe(clock.now().getTime());
    const lesson = await m.agent.get(m.lessonUrl);
    expect(lesson.status).toBe(403);
    expect(lesson.text).not.toContain(m.body);
    expect((await m.agent.get('/membership')).text).not.toContain('data-testid="my-memberships"');
    expect((await m.agent.get(`/orders/${m.no}`)).text).toContain('已全额退款 ¥199.00，款项原路退回，这段会员期已结束');
  });

  it('from the admin order page asks first, saying the period ends, and the confirmation refunds it', async () => {
    const m = await member();
    await ctx.t.db('users').where({ id: m.user.id }).update({ nickname: '会员小李' });
    const page = await admin.agent.get(`/admin/orders/${m.no}`);

    const ask = await admin.agent.post(`/admin/orders/${m.no}/refunds`).type('form').send({ _csrf: csrfFrom(page.text), amount: '199', reason: '误购' });
    expect(ask.status).toBe(200);
    expect(ask.text).toContain('退款 ¥199.00 给 会员小李，这段会员期将结束');
    expect(await ctx.t.db('refunds').where({ order_id: m.order.id })).toEqual([]);
    const key = /name="request_key" value="([0-9a-f]{32})"/.exec(ask.text)?.[1];
    const confirmed = await admin.agent.post(`/admin/orders/${m.no}/refunds`).type('form').send({ _csrf: csrfFrom(ask.text), amount: '199', reason: '误购', request_key: key, confirmed: 'yes' });
    expect(confirmed.status).toBe(303);
    await settleRefundsOf(m.order.id);

    expect(await periodsOf(ctx.t.db, m.user.id)).toEqual([expect.objectContaining({ order_id: m.order.id, ended_reason: 'refund' })]);
    expect((await m.agent.get(m.lessonUrl)).status).toBe(403);
  });

  it('of the renewal leaves the first period and the access it gives', async () => {
    const m = await member();
    const renewal = await paidPlan(ctx.t, m.agent, m.plan.id);
    const [first] = await periodsOf(ctx.t.db, m.user.id);

    await ctx.t.payments.refund(admin.user.id, renewal.no, 19_900, '续费退款');
    await settleRefundsOf(renewal.order.id);

    const [kept, ended] = await periodsOf(ctx.t.db, m.user.id);
    expect(kept).toMatchObject({ order_id: m.order.id, ended_at: null, ended_reason: null });
    expect(ended).toMatchObject({ order_id: renewal.order.id, ended_reason: 'refund' });
    expect((await m.agent.get(m.lessonUrl)).status).toBe(200);
    expect(section((await m.agent.get('/membership')).text, 'data-testid="my-memberships"')).toContain(`有效期至 ${lastBeijingDay(first!.ends_at)}`);
  });

  it('of the first order ends only its period: the renewal stays, waiting from where it was to start', async () => {
    const m = await member();
    const renewal = await paidPlan(ctx.t, m.agent, m.plan.id);

    await ctx.t.payments.refund(admin.user.id, m.no, 19_900, '首单退款');
    await settleRefundsOf(m.order.id);

    const [ended, kept] = await periodsOf(ctx.t.db, m.user.id);
    expect(ended).toMatchObject({ order_id: m.order.id, ended_reason: 'refund' });
    expect(kept).toMatchObject({ order_id: renewal.order.id, ended_at: null, ended_reason: null });
    expect((await m.agent.get(m.lessonUrl)).status).toBe(403);
    const mine = section((await m.agent.get('/membership')).text, 'data-testid="my-memberships"');
    expect(mine).toContain(`有效期至 ${lastBeijingDay(kept!.ends_at)}`);
    expect(mine).toContain('退款后暂停');
    clock.set(kept!.starts_at);
    expect((await m.agent.get(m.lessonUrl)).status).toBe(200);
  });
});

describe('a partial refund of a membership order', () => {
  it('keeps the period and the access, and says the membership is still valid', async () => {
    const m = await member();

    await ctx.t.payments.refund(admin.user.id, m.no, 5_000, '部分退款');
    await settleRefundsOf(m.order.id);

    expect(await orderRow(ctx.t.db, m.no)).toMatchObject({ status: 'paid', refunded_fen: 5_000 });
    expect(await periodsOf(ctx.t.db, m.user.id)).toEqual([expect.objectContaining({ order_id: m.order.id, ended_at: null, ended_reason: null })]);
    expect((await m.agent.get(m.lessonUrl)).status).toBe(200);
    expect((await m.agent.get(`/orders/${m.no}`)).text).toContain('已退款 ¥50.00，会员仍然有效');
  });

  it('never lets refunds exceed what was paid, and the refund of the rest ends the period', async () => {
    const m = await member();

    const tooMuch = await refusal(ctx.t.payments.refund(admin.user.id, m.no, 19_901, '多退'));
    expect(tooMuch.message).toBe('最多可退 199.00 元');
    expect(await ctx.t.db('refunds').where({ order_id: m.order.id })).toEqual([]);

    await ctx.t.payments.refund(admin.user.id, m.no, 5_000, '部分退款');
    await settleRefundsOf(m.order.id);
    const beyondRest = await refusal(ctx.t.payments.refund(admin.user.id, m.no, 14_901, '多退'));
    expect(beyondRest.message).toBe('最多可退 149.00 元');
    expect(await periodsOf(ctx.t.db, m.user.id)).toEqual([expect.objectContaining({ ended_at: null })]);

    await ctx.t.payments.refund(admin.user.id, m.no, 14_900, '退剩下的');
    await settleRefundsOf(m.order.id);

    expect(await orderRow(ctx.t.db, m.no)).toMatchObject({ status: 'refunded', refunded_fen: 19_900 });
    expect(await periodsOf(ctx.t.db, m.user.id)).toEqual([expect.objectContaining({ order_id: m.order.id, ended_reason: 'refund' })]);
    expect((await m.agent.get(m.lessonUrl)).status).toBe(403);
  });
});

describe('a second payment for a plan', () => {
  it('of an older order closed locally, reported paid after a newer order was paid, is flagged, refunded in full and adds no period', async () => {
    const plan = await createPlan(ctx.t.db, { priceFen: 8_800, periodDays: 30 });
    const learner = await signedInLearner(ctx.t);
    const older = outTradeNoOf((await buyPlan(learner.agent, plan.id)).headers.location);
    // Paid at WeChat, but its notification is two minutes late, and meanwhile the order was closed
    // here (as an expiry pass does) and the learner bought the plan again and paid that.
    await payAtSandbox(ctx.t, older, { delay_ms: 120_000 });
    await ctx.t.db('orders').where({ out_trade_no: older }).update({ status: 'closed', payable_key: null });
    const newer = await paidPlan(ctx.t, learner.agent, plan.id);
    expect(await periodsOf(ctx.t.db, learner.user.id)).toEqual([expect.objectContaining({ order_id: newer.order.id })]);

    clock.advance(150_000);
    await tick(ctx.t);
    const order = await orderRow(ctx.t.db, older);
    const [refund] = await settleRefundsOf(order.id);

    expect((await sandboxNotifications(ctx.t, older)).filter((n) => n.event_type === 'TRANSACTION.SUCCESS')).toEqual([expect.objectContaining({ status: 'delivered', last_http_status: 204 })]);
    expect(order).toMatchObject({ flag: 'duplicate_payment' });
    expect(refund).toMatchObject({ amount_fen: 8_800, reason: DUPLICATE_REFUND_REASON, origin: 'auto', requested_by: null, status: 'succeeded' });
    expect(await orderRow(ctx.t.db, older)).toMatchObject({ status: 'refunded', refunded_fen: 8_800, flag: 'duplicate_payment' });
    expect(await orderRow(ctx.t.db, newer.no)).toMatchObject({ status: 'paid', flag: null, refunded_fen: 0 });
    expect(await periodsOf(ctx.t.db, learner.user.id)).toEqual([expect.objectContaining({ order_id: newer.order.id, ended_at: null })]);
    expect(await ctx.t.db('admin_audit').where({ entity_type: 'order', entity_id: order.id })).toEqual([expect.objectContaining({ action: 'order.duplicate_payment', actor_user_id: 0 })]);
    expect((await learner.agent.get(`/orders/${older}`)).text).toContain('你已为这个会员方案付过款，这笔重复支付将全额退回');
  });

  it('of an older order that arrives before the newer one is paid is an ordinary purchase (no flag)', async () => {
    const plan = await createPlan(ctx.t.db, { priceFen: 8_800, periodDays: 30 });
    const learner = await signedInLearner(ctx.t);
    const older = outTradeNoOf((await buyPlan(learner.agent, plan.id)).headers.location);
    await payAtSandbox(ctx.t, older);
    await ctx.t.db('orders').where({ out_trade_no: older }).update({ status: 'closed', payable_key: null });

    await tick(ctx.t);

    expect(await orderRow(ctx.t.db, older)).toMatchObject({ status: 'paid', flag: null });
    expect(await periodsOf(ctx.t.db, learner.user.id)).toEqual([expect.objectContaining({ order_id: (await orderRow(ctx.t.db, older)).id })]);
    expect(await ctx.t.db('refunds').where({ order_id: (await orderRow(ctx.t.db, older)).id })).toEqual([]);
  });
});
