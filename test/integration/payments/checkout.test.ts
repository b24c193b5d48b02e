import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCourseWithLessons } from '../../support/catalog-factories.js';
import { section, tagsIn } from '../../support/html.js';
import { startListeningApp, type ListeningApp } from '../../support/listening-app.js';
import { buy, orderRow, outTradeNoOf, payAtSandbox, sandboxNotifications, SANDBOX_MOUNT, signedInLearner, tick } from '../../support/wechat-pay.js';

let t: ListeningApp;
beforeAll(async () => {
  t = await startListeningApp();
});
afterAll(async () => t?.close());

const paidCourse = (priceFen = 9900) => createCourseWithLessons(t.db, 2, { priceFen });

describe('buying a course with a Native QR code', () => {
  it('creates a pending order at the server-side price and sends the learner to its page, ignoring a forged amount', async () => {
    const course = await paidCourse(12_800);
    const { agent, user } = await signedInLearner(t);

    const res = await buy(agent, course, { amount_fen: '1', amount: '0.01', price: '0.01', total: '1' });

    expect(res.status).toBe(303);
    const no = outTradeNoOf(res.headers.location);
    expect(no).toMatch(/^ZF\d{14}[0-9A-Z]{12}$/);
    expect(await orderRow(t.db, no)).toMatchObject({ user_id: user.id, course_id: course.id, amount_fen: 12_800, status: 'pending', channel: 'native', refunded_fen: 0 });
  });

  it('shows a QR code and the sandbox pay link on the order page, and reports the order pending', async () => {
    const course = await paidCourse(9900);
    const { agent } = await signedInLearner(t);
    const no = outTradeNoOf((await buy(agent, course)).headers.location);

    const page = await agent.get(`/orders/${no}`);
    const status = await agent.get(`/orders/${no}/status`);

    expect(page.status).toBe(200);
    expect(section(page.text, 'class="qr"')).toMatch(/^<svg[^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    const link = tagsIn(page.text).find((tag) => tag.name === 'a' && tag.attrs.class?.includes('sandbox-link'));
    expect(link?.attrs.href).toMatch(new RegExp(`^${t.baseUrl}${SANDBOX_MOUNT}/bizpayurl\\?pr=[\\w-]+$`));
    expect(page.text).toContain('¥99.00');
    // The link opens the sandbox's cashier for this very order.
    const cashier = await request.agent(link!.attrs.href!).get('').redirects(1);
    expect(cashier.status).toBe(200);
    expect(cashier.text).toContain(no);
    expect(cashier.text).toContain('¥99.00');
    expect(status.status).toBe(200);
    expect(status.body).toEqual({ status: 'pending' });
    expect(status.headers['cache-control']).toBe('no-store');
  });

  it('marks the order paid, grants the course and opens a locked lesson once the payment notification arrives', async () => {
    const course = await paidCourse();
    const { agent, user } = await signedInLearner(t);
    const lessonUrl = `/courses/${course.slug}/lessons/${course.lessons[1]!.id}`;
    expect((await agent.get(lessonUrl)).status).toBe(403);
    const no = outTradeNoOf((await buy(agent, course)).headers.location);

    const paid = await payAtSandbox(t, no);
    // Paid at WeChat, but nothing has told the app yet.
    expect((await agent.get(`/orders/${no}/status`)).body).toEqual({ status: 'pending' });
    await tick(t);

    expect((await agent.get(`/orders/${no}/status`)).body).toEqual({ status: 'paid' });
    const order = await orderRow(t.db, no);
    expect(order).toMatchObject({ status: 'paid', transaction_id: paid.transaction_id });
    expect(order.paid_at).not.toBeNull();
    const entitlements = await t.db('access_grants').where({ user_id: user.id, course_id: course.id });
    expect(entitlements).toHaveLength(1);
    expect(entitlements[0]).toMatchObject({ source: 'purchase', order_id: order.id, revoked_at: null });
    const lesson = await agent.get(lessonUrl);
    expect(lesson.status).toBe(200);
    expect(lesson.text).toContain(course.lessons[1]!.bodyMd);
    expect(await t.db('payment_notifications').where({ out_trade_no: no })).toEqual([expect.objectContaining({ event_type: 'TRANSACTION.SUCCESS', outcome: 'paid' })]);
    expect(await sandboxNotifications(t, no)).toEqual([expect.objectContaining({ status: 'delivered', attempts: 1, last_http_status: 204 })]);
    const page = await agent.get(`/orders/${no}`);
    expect(page.text).toContain('支付成功，课程已解锁');
    expect(page.text).not.toContain('class="qr"');
  });

  it('pays through the sandbox cashier page a person would open from the QR code', async () => {
    const course = await paidCourse();
    const { agent } = await signedInLearner(t);
    const no = outTradeNoOf((await buy(agent, course)).headers.location);
    const link = tagsIn((await agent.get(`/orders/${no}`)).text).find((tag) => tag.attrs.class?.includes('sandbox-link'))!.attrs.href!;
    const cashier = await request(link).get('').redirects(1);
    const action = tagsIn(cashier.text).find((tag) => tag.name === 'form')!.attrs.action!;

    const paid = await request(t.baseUrl).post(action).type('form').send({ outcome: 'success' });
    await tick(t);

    expect(paid.status).toBe(303);
    expect((await agent.get(`/orders/${no}/status`)).body).toEqual({ status: 'paid' });
  });

  it('reuses the pending order when the learner presses 购买 again', async () => {
    const course = await paidCourse();
    const { agent } = await signedInLearner(t);

    const first = await buy(agent, course);
    const second = await buy(agent, course);

    expect(second.status).toBe(303);
    expect(second.headers.location).toBe(first.headers.location);
    expect(await t.db('orders').where({ course_id: course.id })).toHaveLength(1);
  });

  it('takes a learner who already bought the course to the course instead of creating another order', async () => {
    const course = await paidCourse();
    const { agent } = await signedInLearner(t);
    const no = outTradeNoOf((await buy(agent, course)).headers.location);
    await payAtSandbox(t, no);
    await tick(t);

    const again = await buy(agent, course);

    expect(again.status).toBe(303);
    expect(again.headers.location).toBe(`/courses/${course.slug}`);
    expect(await t.db('orders').where({ course_id: course.id })).toHaveLength(1);
  });

  it("refuses another learner's order with 403 and sends a visitor to the login page", async () => {
    const course = await paidCourse();
    const { agent } = await signedInLearner(t);
    const no = outTradeNoOf((await buy(agent, course)).headers.location);
    const { agent: other } = await signedInLearner(t);

    const page = await other.get(`/orders/${no}`);
    const status = await other.get(`/orders/${no}/status`);
    const anonymous = await request(t.baseUrl).get(`/orders/${no}`);

    expect(page.status).toBe(403);
    expect(page.text).toContain('这不是你的订单');
    expect(page.text).not.toContain(`/orders/${no}/query`);
    expect(status.status).toBe(403);
    expect(anonymous.status).toBe(303);
    expect(anonymous.headers.location).toBe(`/login?next=${encodeURIComponent(`/orders/${no}`)}`);
  });

  it('refuses to sell a free course with 409 and a message in Chinese, creating no order', async () => {
    const course = await paidCourse(0);
    const { agent } = await signedInLearner(t);

    const res = await buy(agent, course);

    expect(res.status).toBe(409);
    expect(res.text).toContain('这门课程免费，直接加入学习即可');
    expect(await t.db('orders').where({ course_id: course.id })).toHaveLength(0);
  });

  it('refuses an order for a course that does not exist or is not published', async () => {
    const draft = await createCourseWithLessons(t.db, 1, { status: 'draft' });
    const { agent, user } = await signedInLearner(t);

    const res = await buy(agent, draft);
    const missing = await buy(agent, { id: 987_654, slug: draft.slug });

    expect(res.status).toBe(404);
    expect(res.text).toContain('课程不存在或已下架');
    expect(missing.status).toBe(404);
    expect(await t.db('orders').where({ user_id: user.id })).toHaveLength(0);
  });
});
