import request from 'supertest';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fixedClock } from '../../../src/platform/clock.js';
import { createCourseWithLessons } from '../../support/catalog-factories.js';
import { commerceFor, createCoupon, grantsOf, issuedCount } from '../../support/coupons.js';
import { createUser } from '../../support/factories.js';
import { csrfFrom } from '../../support/forms.js';
import { startListeningApp, type ListeningApp } from '../../support/listening-app.js';
import { buy, orderRow, outTradeNoOf, paidTransaction, payAtSandbox, postNotification, notification, sandboxKeys, settleRefunds, signedInLearner, tick, waitFor } from '../../support/wechat-pay.js';

// Orders expire after one minute and the app, its sandbox and these tests share one clock, so a
// test can move past an order's expiry or a coupon's last second. Each test starts at real time.
const clock = fixedClock(new Date());
let t: ListeningApp;
let adminId: number;
beforeAll(async () => {
  t = await startListeningApp({ ORDER_EXPIRE_MINUTES: '1' }, { clock });
  adminId = (await createUser(t.db, { role: 'admin', passwordHash: 'x' })).id;
});
afterAll(async () => t?.close());
beforeEach(() => clock.set(new Date()));

const course = (priceFen = 9900) => createCourseWithLessons(t.db, 2, { priceFen });
const coupon = (c: Parameters<typeof createCoupon>[1] = {}) => createCoupon(t.db, c, clock);

async function orderCount(userId: number) {
  return Number((await t.db('orders').where({ user_id: userId }).count({ n: '*' }).first())!.n);
}

async function pay(no: string) {
  await payAtSandbox(t, no);
  await tick(t);
  return waitFor(async () => ((await orderRow(t.db, no)).status === 'paid' ? orderRow(t.db, no) : null));
}

/** The sandbox settles a refund a few seconds of (this test's) clock after taking it. */
const settleRefund = (outRefundNo: string) => settleRefunds(t, { outRefundNo }, { clock, ms: 5_000 });

describe('a coupon code typed at checkout', () => {
  it('fixes the discounted amount on the order with its list price, discount and coupon, and shows them', async () => {
    const c = await course(9900);
    const spring = await coupon({ code: 'SPRING', amountOffFen: 2000 });
    const { agent, user } = await signedInLearner(t);

    const res = await buy(agent, c, { coupon_code: ' spring ' });

    expect(res.status).toBe(303);
    const no = outTradeNoOf(res.headers.location);
    const order = await orderRow(t.db, no);
    expect(order).toMatchObject({ user_id: user.id, course_id: c.id, list_price_fen: 9900, discount_fen: 2000, amount_fen: 7900, coupon_id: spring.id, status: 'pending' });
    expect(await grantsOf(t.db, spring.id)).toEqual([expect.objectContaining({ user_id: user.id, source: 'code', status: 'reserved', order_id: order.id, slot: 1 })]);
    const page = await agent.get(`/orders/${no}`);
    expect(page.text).toContain('原价');
    expect(page.text).toContain('¥99.00');
    expect(page.text).toContain('-¥20.00');
    expect(page.text).toContain('¥79.00');
    expect(page.text).toContain('退款后，优惠券不退回');
    const mine = await agent.get('/me/orders');
    expect(mine.text).toMatch(/原价 ¥99\.00 · 优惠 -¥20\.00（立减优惠）/);
  });

  it('is used when the discounted amount is paid, and the sandbox was asked for that amount', async () => {
    const c = await course(9900);
    const k = await coupon({ amountOffFen: 2000 });
    const { agent } = await signedInLearner(t);
    const no = outTradeNoOf((await buy(agent, c, { coupon_code: k.code! })).headers.location);

    const paid = await pay(no);

    expect(paid).toMatchObject({ status: 'paid', amount_fen: 7900 });
    expect((await grantsOf(t.db, k.id))[0]).toMatchObject({ status: 'used', order_id: paid.id });
    expect((await agent.get(`/courses/${c.slug}/lessons/${c.lessons[1]!.id}`)).status).toBe(200);
  });

  it('refuses a payment notice for the list price: the notify webhook checks the discounted amount', async () => {
    const c = await course(9900);
    const k = await coupon({ amountOffFen: 2000 });
    const { agent, user } = await signedInLearner(t);
    const no = outTradeNoOf((await buy(agent, c, { coupon_code: k.code! })).headers.location);
    const order = await orderRow(t.db, no);

    const res = await postNotification(t, notification(sandboxKeys(t), paidTransaction({ out_trade_no: no, amount_fen: 9900 })));

    expect(res.status).toBe(400);
    expect((await orderRow(t.db, no)).status).toBe('pending');
    expect(await t.db('access_grants').where({ user_id: user.id })).toEqual([]);
    expect((await grantsOf(t.db, k.id))[0]).toMatchObject({ status: 'reserved', order_id: order.id });
  });

  it.each([
    ['a code that does not exist', async () => 'NOPE', '优惠码 NOPE 不存在'],
    ['a used-up code', async () => (await coupon({ quantity: 1, perLearner: 1 }).then(async (k) => (await takeOne(k.code!), k.code!))), '优惠券已领完'],
    ['a paused code', async () => (await coupon().then(async (k) => (await commerceFor(t.db, clock).coupons.setStatus(adminId, k.id, 'pause'), k.code!))), '已暂停使用'],
    ['an ended code', async () => (await coupon().then(async (k) => (await commerceFor(t.db, clock).coupons.setStatus(adminId, k.id, 'end'), k.code!))), '活动已结束'],
    ['an expired code', async () => (await coupon({ validUntil: new Date(clock.now().getTime() - 1) })).code!, '已过期'],
    ['a code not yet valid', async () => (await coupon({ validFrom: new Date(clock.now().getTime() + 60_000) })).code!, '还没到使用时间'],
    ['a code for other courses', async () => (await coupon({ scope: 'courses', courseIds: [(await course()).id] })).code!, '不适用'],
    ['a membership-only code', async () => (await coupon({ scope: 'memberships' })).code!, '不适用'],
    ['a threshold the price does not reach', async () => (await coupon({ kind: 'threshold', thresholdFen: 19_900, amountOffFen: 5000 })).code!, '满 ¥199.00 才能使用'],
  ])('re-renders the course page with a clear message for %s, and creates no order', async (_what, codeOf, message) => {
    const c = await course(9900);
    const code = await codeOf();
    const { agent, user } = await signedInLearner(t);
    const before = await t.db('coupon_grants').where({ user_id: user.id });

    const res = await buy(agent, c, { coupon_code: code });

    expect(res.status).toBe(422);
    expect(res.text).toContain(message);
    expect(res.text).toContain(`value="${code}"`);
    expect(res.text).toContain(c.title);
    expect(await orderCount(user.id)).toBe(0);
    expect(await t.db('coupon_grants').where({ user_id: user.id })).toEqual(before);
  });

  /** Another learner checks out with the code, holding one copy. */
  async function takeOne(code: string) {
    const other = await signedInLearner(t);
    const res = await buy(other.agent, await course(), { coupon_code: code });
    if (res.status !== 303) throw new Error(`checkout with ${code} answered ${res.status}`);
  }
});

describe('the limits of a coupon', () => {
  it('lets each learner use it as many times as the per-learner limit, and no more', async () => {
    const k = await coupon({ perLearner: 2 });
    const { agent, user } = await signedInLearner(t);

    const first = await buy(agent, await course(), { coupon_code: k.code! });
    const second = await buy(agent, await course(), { coupon_code: k.code! });
    const third = await buy(agent, await course(), { coupon_code: k.code! });

    expect([first.status, second.status, third.status]).toEqual([303, 303, 422]);
    expect(third.text).toContain('每人限领 2 张');
    expect((await grantsOf(t.db, k.id)).map((g) => [g.user_id, g.slot])).toEqual([[user.id, 1], [user.id, 2]]);
    expect(await issuedCount(t.db, k.id)).toBe(2);
  });

  it('hands out no more than its quantity across learners', async () => {
    const k = await coupon({ quantity: 2 });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await buy((await signedInLearner(t)).agent, await course(), { coupon_code: k.code! })).status);
    expect(statuses).toEqual([303, 303, 422]);
    expect(await issuedCount(t.db, k.id)).toBe(2);
  });

  it('works until the last millisecond of its window, and not at its end', async () => {
    // valid_until is exclusive: the form and the CLI make it the Beijing midnight after the last day
    // (the unit tests check that); here the app holds to it to the millisecond.
    const end = new Date(clock.now().getTime() + 1);
    const k = await coupon({ validUntil: end, quantity: 10 });
    const c = await course();

    const before = await buy((await signedInLearner(t)).agent, c, { coupon_code: k.code! });
    clock.set(end);
    const at = await buy((await signedInLearner(t)).agent, c, { coupon_code: k.code! });

    expect(before.status).toBe(303);
    expect(at.status).toBe(422);
    expect(at.text).toContain('这张优惠券已过期');
  });
});

describe('a coupon copy and the order that holds it', () => {
  it('goes back to the pool when the order expires unpaid, so another learner can take it', async () => {
    const k = await coupon({ quantity: 1 });
    const first = await signedInLearner(t);
    const no = outTradeNoOf((await buy(first.agent, await course(), { coupon_code: k.code! })).headers.location);
    const blocked = await buy((await signedInLearner(t)).agent, await course(), { coupon_code: k.code! });
    expect(blocked.status).toBe(422);

    clock.advance(3 * 60_000);
    await t.payments.reconcile();

    expect((await orderRow(t.db, no)).status).toBe('closed');
    expect((await grantsOf(t.db, k.id))[0]).toMatchObject({ status: 'released', slot: null });
    expect(await issuedCount(t.db, k.id)).toBe(0);
    const later = await buy((await signedInLearner(t)).agent, await course(), { coupon_code: k.code! });
    expect(later.status).toBe(303);
    expect(await issuedCount(t.db, k.id)).toBe(1);
  });

  it('goes back to the learner who claimed it when the order closes unpaid', async () => {
    const k = await coupon({ code: null });
    const { agent, user } = await signedInLearner(t);
    const claimPage = await agent.get(`/coupons/claim/${k.claimToken}`);
    await agent.post(`/coupons/claim/${k.claimToken}`).type('form').send({ _csrf: csrfFrom(claimPage.text) });
    const c = await course();
    const no = outTradeNoOf((await buy(agent, c)).headers.location);
    expect((await orderRow(t.db, no)).discount_fen).toBe(2000);

    clock.advance(3 * 60_000);
    await t.payments.reconcile();

    expect(await t.db('coupon_grants').where({ user_id: user.id })).toEqual([expect.objectContaining({ source: 'link', status: 'available', order_id: null })]);
    expect(await issuedCount(t.db, k.id)).toBe(1);
  });

  it('is not given back by a full refund, and the learner is told so', async () => {
    const k = await coupon();
    const { agent, user } = await signedInLearner(t);
    const no = outTradeNoOf((await buy(agent, await course(9900), { coupon_code: k.code! })).headers.location);
    await pay(no);

    await expect(t.payments.refund(adminId, no, 7901, '多退')).rejects.toMatchObject({ code: 'REFUND_TOO_LARGE' });
    await settleRefund((await t.payments.refund(adminId, no, 7900, '全额退款')).outRefundNo);

    expect((await orderRow(t.db, no)).status).toBe('refunded');
    expect((await grantsOf(t.db, k.id))[0]).toMatchObject({ user_id: user.id, status: 'refunded' });
    expect(await issuedCount(t.db, k.id)).toBe(1);
    const again = await buy(agent, await course(), { coupon_code: k.code! });
    expect(again.status).toBe(422);
    expect(again.text).toContain('你已经领过或用过这张优惠券了');
    expect((await agent.get('/me/coupons')).text).toContain('订单已退款，券不退回');
  });

  it('stays used after a partial refund', async () => {
    const k = await coupon();
    const { agent } = await signedInLearner(t);
    const no = outTradeNoOf((await buy(agent, await course(9900), { coupon_code: k.code! })).headers.location);
    await pay(no);

    await settleRefund((await t.payments.refund(adminId, no, 1000, '部分退款')).outRefundNo);

    expect((await grantsOf(t.db, k.id))[0]).toMatchObject({ status: 'used' });
  });
});

describe('a 100%-off coupon', () => {
  it('enrols the learner at once with a 0-fen paid order and no WeChat call', async () => {
    const k = await coupon({ kind: 'percent', amountOffFen: null, percentOff: 100 });
    const c = await course(9900);
    const { agent, user } = await signedInLearner(t);

    const res = await buy(agent, c, { coupon_code: k.code! });

    const no = outTradeNoOf(res.headers.location);
    expect(await orderRow(t.db, no)).toMatchObject({ status: 'paid', amount_fen: 0, list_price_fen: 9900, discount_fen: 9900, transaction_id: null, prepay_id: null, code_url: null });
    expect(await t.db('sandbox_wechatpay_transactions').where({ out_trade_no: no })).toEqual([]);
    expect(await t.db('access_grants').where({ user_id: user.id, course_id: c.id })).toEqual([expect.objectContaining({ source: 'purchase', revoked_at: null })]);
    expect((await grantsOf(t.db, k.id))[0]).toMatchObject({ status: 'used' });
    expect((await agent.get(`/orders/${no}`)).text).toContain('优惠券全额抵扣，课程已解锁');
    expect((await agent.get(`/courses/${c.slug}/lessons/${c.lessons[1]!.id}`)).status).toBe(200);
  });
});

describe('claim links and the best coupon', () => {
  it('claims a copy into 我的优惠券, shows the best one on the course page and uses it without a code', async () => {
    const small = await coupon({ code: null, name: '小额券', amountOffFen: 500 });
    const big = await coupon({ code: null, name: '大额券', amountOffFen: 3000 });
    const { agent, user } = await signedInLearner(t);
    for (const k of [small, big]) {
      const page = await agent.get(`/coupons/claim/${k.claimToken}`);
      expect(page.status).toBe(200);
      expect(page.text).toContain(k.name);
      const res = await agent.post(`/coupons/claim/${k.claimToken}`).type('form').send({ _csrf: csrfFrom(page.text) });
      expect(res.headers.location).toBe('/me/coupons');
    }
    const wallet = await agent.get('/me/coupons');
    expect(wallet.text).toContain('小额券');
    expect(wallet.text).toContain('大额券');

    const c = await course(9900);
    const page = await agent.get(`/courses/${c.slug}`);
    expect(page.text).toContain('已为你选用优惠券「大额券」立减 ¥30，立省 ¥30.00');
    expect(page.text).toMatch(/券后 ¥69\.00/);
    const no = outTradeNoOf((await buy(agent, c)).headers.location);

    expect(await orderRow(t.db, no)).toMatchObject({ amount_fen: 6900, discount_fen: 3000, coupon_id: big.id });
    expect(await t.db('coupon_grants').where({ user_id: user.id }).orderBy('id')).toEqual([
      expect.objectContaining({ coupon_id: small.id, status: 'available' }),
      expect.objectContaining({ coupon_id: big.id, status: 'reserved' }),
    ]);
  });

  it('says 已领过 on a second claim and 已领完 when none is left, on the claim page', async () => {
    const k = await coupon({ code: null, quantity: 1 });
    const first = await signedInLearner(t);
    const second = await signedInLearner(t);
    const claim = async (agent: typeof first.agent) => {
      const page = await agent.get(`/coupons/claim/${k.claimToken}`);
      const res = await agent.post(`/coupons/claim/${k.claimToken}`).type('form').send({ _csrf: csrfFrom(page.text) });
      return (await agent.get(res.headers.location!)).text;
    };

    expect(await claim(first.agent)).toContain('已领取');
    expect(await claim(first.agent)).toContain('你已经领过或用过这张优惠券了');
    expect(await claim(second.agent)).toContain('优惠券已领完');
    expect(await issuedCount(t.db, k.id)).toBe(1);
  });

  it('answers 404 for a claim link that does not exist, and asks a visitor to log in first', async () => {
    const k = await coupon({ code: null });
    expect((await request(t.baseUrl).get('/coupons/claim/not-a-real-token')).status).toBe(404);
    const page = await request(t.baseUrl).get(`/coupons/claim/${k.claimToken}`);
    expect(page.text).toContain('登录后领取');
  });
});
