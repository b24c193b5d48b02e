import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fixedClock } from '../../../src/platform/clock.js';
import { createCourseWithLessons } from '../../support/catalog-factories.js';
import { csrfFrom } from '../../support/forms.js';
import { startListeningApp, type ListeningApp } from '../../support/listening-app.js';
import { buy, orderRow, outTradeNoOf, payAtSandbox, sandboxControl, sandboxNotifications, signedInLearner, tick, type Agent } from '../../support/wechat-pay.js';

// Orders expire after one minute here, and the app and its sandbox share a clock the tests move, so
// "two minutes later" needs no waiting. wechatpay-node-v3 stamps the requests it signs with the real
// time, which the sandbox checks against this clock (±300 s): each test starts from real time again.
const clock = fixedClock(new Date());
let t: ListeningApp;
beforeAll(async () => {
  t = await startListeningApp({ ORDER_EXPIRE_MINUTES: '1' }, { clock });
});
beforeEach(() => clock.set(new Date()));
afterAll(async () => t?.close());

/** Presses 我已支付 on the order page. */
async function pressIHavePaid(agent: Agent, no: string) {
  const page = await agent.get(`/orders/${no}`);
  return agent.post(`/orders/${no}/query`).type('form').send({ _csrf: csrfFrom(page.text) });
}

async function pendingPurchase() {
  const course = await createCourseWithLessons(t.db, 1, { priceFen: 2990 });
  const learner = await signedInLearner(t);
  const res = await buy(learner.agent, course);
  expect(res.status).toBe(303);
  return { course, ...learner, no: outTradeNoOf(res.headers.location) };
}

describe('an order that expires unpaid', () => {
  it('can be created with a one-minute expiry, which WeChat accepts as time_expire', async () => {
    const { no } = await pendingPurchase();
    const order = await orderRow(t.db, no);
    expect(order.status).toBe('pending');
    expect(order.code_url).toMatch(/^weixin:\/\/wxpay\/bizpayurl\?pr=/);
    expect(new Date(order.expires_at).getTime() - clock.now().getTime()).toBe(60_000);
  });

  it('shows 已过期 without a QR code once the minute has passed', async () => {
    const { agent, no } = await pendingPurchase();
    clock.advance(61_000);

    const page = await agent.get(`/orders/${no}`);

    expect(page.text).toContain('已过期');
    expect(page.text).not.toContain('class="qr"');
    expect(page.text).toContain('重新下单');
  });

  it('is closed at WeChat and locally when the learner presses 我已支付, and a new order can be made', async () => {
    const { agent, course, no } = await pendingPurchase();
    clock.advance(2 * 60_000);

    const res = await pressIHavePaid(agent, no);

    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`/orders/${no}`);
    expect(await orderRow(t.db, no)).toMatchObject({ status: 'closed' });
    expect((await agent.get(`/orders/${no}/status`)).body).toEqual({ status: 'closed' });
    // WeChat no longer takes money for it.
    expect(await sandboxControl(t, `/sandbox/transactions/${no}/pay`)).toMatchObject({ status: 400, json: { code: 'ORDER_CLOSED' } });
    const again = await buy(agent, course);
    const fresh = outTradeNoOf(again.headers.location);
    expect(fresh).not.toBe(no);
    expect(await orderRow(t.db, fresh)).toMatchObject({ status: 'pending', course_id: course.id });
  });

  it('is closed when its expiry passed in the database too, whatever the clock says', async () => {
    const { agent, no } = await pendingPurchase();
    await t.db('orders').where({ out_trade_no: no }).update({ expires_at: new Date(clock.now().getTime() - 1000) });

    await pressIHavePaid(agent, no);

    expect(await orderRow(t.db, no)).toMatchObject({ status: 'closed' });
  });

  it('stays pending when 我已支付 is pressed before it expires and nothing was paid', async () => {
    const { agent, no } = await pendingPurchase();

    const res = await pressIHavePaid(agent, no);
    const page = await agent.get(res.headers.location!);

    expect(res.status).toBe(303);
    expect(await orderRow(t.db, no)).toMatchObject({ status: 'pending' });
    expect(page.text).toContain('还没有收到支付结果，请稍后刷新');
  });

  it('says the payment failed after 支付失败 at WeChat, and the order can still be paid', async () => {
    const { agent, no } = await pendingPurchase();
    await sandboxControl(t, `/sandbox/transactions/${no}/fail`);

    const res = await pressIHavePaid(agent, no);
    const page = await agent.get(res.headers.location!);

    expect(page.text).toContain('支付没有成功，请重新支付');
    expect(await orderRow(t.db, no)).toMatchObject({ status: 'pending' });
    expect(page.text).toContain('微信扫码支付二维码');
  });

  it('is not offered again when less than a minute is left to pay: a new order is made', async () => {
    const { agent, course, no } = await pendingPurchase();
    clock.advance(30_000);

    const again = await buy(agent, course);
    const fresh = outTradeNoOf(again.headers.location);

    expect(fresh).not.toBe(no);
    // The old one is closed, so the learner never holds two orders that could both be paid.
    expect(await orderRow(t.db, no)).toMatchObject({ status: 'closed', payable_key: null });
    expect(await orderRow(t.db, fresh)).toMatchObject({ status: 'pending' });
  });
});

describe('a payment whose notification is lost', () => {
  it('is marked paid when the learner presses 我已支付', async () => {
    const { agent, user, course, no } = await pendingPurchase();
    await payAtSandbox(t, no, { delay_ms: 10 * 60_000 });
    await tick(t);
    expect(await orderRow(t.db, no)).toMatchObject({ status: 'pending' });

    await pressIHavePaid(agent, no);

    const order = await orderRow(t.db, no);
    expect(order).toMatchObject({ status: 'paid' });
    expect(order.transaction_id).toMatch(/^4200\d+$/);
    expect(await t.db('access_grants').where({ user_id: user.id, course_id: course.id })).toEqual([expect.objectContaining({ source: 'purchase', order_id: order.id })]);
    expect(await sandboxNotifications(t, no)).toEqual([expect.objectContaining({ status: 'pending', attempts: 0 })]);
  });

  it('is marked paid, not closed, when it was paid before expiry and 我已支付 is pressed after', async () => {
    const { agent, no } = await pendingPurchase();
    await payAtSandbox(t, no, { delay_ms: 10 * 60_000 });
    clock.advance(2 * 60_000);

    await pressIHavePaid(agent, no);

    expect(await orderRow(t.db, no)).toMatchObject({ status: 'paid' });
  });

  it("refuses 我已支付 on another learner's order", async () => {
    const { no } = await pendingPurchase();
    const { agent: other } = await signedInLearner(t);
    const page = await other.get('/');

    const before = await orderRow(t.db, no);

    const res = await other.post(`/orders/${no}/query`).type('form').send({ _csrf: csrfFrom(page.text) });

    expect(res.status).toBe(403);
    expect(await orderRow(t.db, no)).toEqual(before);
  });
});
