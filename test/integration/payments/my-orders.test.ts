import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCourseWithLessons } from '../../support/catalog-factories.js';
import type { ListeningApp } from '../../support/listening-app.js';
import { buy, outTradeNoOf, paidPurchase, settleRefunds, signedInLearner, startListeningAppWithAdmin } from '../../support/wechat-pay.js';

let t: ListeningApp;
let adminId: number;
beforeAll(async () => ({ t, adminId } = await startListeningAppWithAdmin()));
afterAll(async () => t?.close());

const settle = (outRefundNo: string) => settleRefunds(t, { outRefundNo });

describe('我的订单', () => {
  it('lists every order with course, amount, status, paid time and each refund, in Beijing time', async () => {
    const bought = await paidPurchase(t, 9900);
    await settle((await t.payments.refund(adminId, bought.no, 3000, '部分退款')).outRefundNo);
    const another = await createCourseWithLessons(t.db, 1, { priceFen: 4500 });
    const pendingNo = outTradeNoOf((await buy(bought.agent, another)).headers.location);

    const page = await bought.agent.get('/me/orders');

    expect(page.status).toBe(200);
    expect(page.headers['cache-control']).toBe('private, no-store');
    expect(page.text).toContain(bought.course.title);
    expect(page.text).toContain('¥99.00');
    expect(page.text).toContain('部分退款');
    expect(page.text).toMatch(/退款 ¥30\.00 · 已退款 · \d{4}-\d{2}-\d{2} \d{2}:\d{2}/);
    expect(page.text).toMatch(/支付于 \d{4}-\d{2}-\d{2} \d{2}:\d{2}/);
    expect(page.text).toContain('待支付');
    expect(page.text).toContain(`/orders/${pendingNo}`);
    expect(page.text).not.toContain('UTC');
  });

  it('shows a partly refunded order as such on its page, with the refund, and keeps the course', async () => {
    const bought = await paidPurchase(t, 9900);
    await settle((await t.payments.refund(adminId, bought.no, 2000, '部分退款')).outRefundNo);

    const page = await bought.agent.get(`/orders/${bought.no}`);

    expect(page.text).toContain('部分退款');
    expect(page.text).toContain('已退款 ¥20.00，课程仍可学习');
    expect(page.text).not.toContain('支付成功，课程已解锁');
    expect(page.text).toMatch(/退款 ¥20\.00 · 已退款/);
    expect((await bought.agent.get(bought.lessonUrl)).status).toBe(200);
  });

  it('says a fully refunded order gave its money back and took the course, and 我的课程 says why the course is gone', async () => {
    const bought = await paidPurchase(t, 9900);
    await settle((await t.payments.refund(adminId, bought.no, 9900, '全额退款')).outRefundNo);

    const page = await bought.agent.get(`/orders/${bought.no}`);
    const mine = await bought.agent.get('/me/courses');

    expect(page.text).toContain('已全额退款 ¥99.00，款项原路退回，这门课程的学习权限已收回');
    expect(mine.text).toContain('不再可学的课程');
    expect(mine.text).toContain(bought.course.title);
    expect(mine.text).toContain('订单已退款，学习权限随之收回');
  });

  it('shows only the learner’s own orders, and asks a visitor to log in', async () => {
    const mine = await paidPurchase(t, 5500);
    const other = await signedInLearner(t);

    const otherPage = await other.agent.get('/me/orders');
    const visitor = await request(t.baseUrl).get('/me/orders');

    expect(otherPage.text).not.toContain(mine.no);
    expect(otherPage.text).toContain('还没有订单');
    expect(visitor.status).toBe(303);
    expect(visitor.headers.location).toBe(`/login?next=${encodeURIComponent('/me/orders')}`);
  });

  it('is linked from the header and from 我的课程', async () => {
    const { agent } = await signedInLearner(t);

    const mine = await agent.get('/me/courses');

    expect(mine.text).toContain('href="/me/orders"');
    expect((mine.text.match(/href="\/me\/orders"/g) ?? []).length).toBeGreaterThanOrEqual(2);
  });
});

