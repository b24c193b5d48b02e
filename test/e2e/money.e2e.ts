import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { register as signUp, logIn as signIn } from './support/accounts.js';
import { createAdmin } from './support/admin.js';
import { DESKTOP, horizontalOverflow, openPage, PHONE, screenshot } from './support/browser.js';
import { serverAndBrowser } from './support/server.js';

// What a learner and a creator need to see and trust their money: paying on a phone browser through
// H5 pay (sandbox mode), Back after paying, a refund the creator confirms, and 我的订单 afterwards.
const COURSE = '/courses/typescript-in-practice';
const ORDER_URL = /\/orders\/(ZF[A-Z0-9]+)$/;
const IPHONE_SAFARI = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1';
const env = serverAndBrowser();

const register = (page: Page, username: string) => signUp(page, env.server.baseUrl, username, COURSE);
const logIn = (page: Page, username: string, password: string) => signIn(page, env.server.baseUrl, username, password);

describe('money a learner and a creator can trust', () => {
  it('a phone browser outside WeChat pays through H5, comes back to the order, and Back never offers the buy button again', async () => {
    const { context, page, problems } = await openPage(env.browser, { viewport: PHONE, userAgent: IPHONE_SAFARI });
    await register(page, 'h5_phone');
    await screenshot(page, 'money-01-phone-course');

    await page.getByRole('button', { name: /^购买课程/ }).click();
    await page.waitForURL(ORDER_URL);
    expect(await page.locator('.qr').count()).toBe(0);
    expect(await horizontalOverflow(page)).toBe(0);
    await screenshot(page, 'money-02-phone-order-h5');

    // H5 pay opens WeChat's cashier in the same tab (here the sandbox's), which links back.
    await page.getByTestId('h5-pay').click();
    await page.getByRole('button', { name: '支付成功', exact: true }).click();
    await page.getByTestId('state').filter({ hasText: '已支付' }).waitFor({ timeout: 10_000 });
    await screenshot(page, 'money-03-phone-cashier-paid');
    await page.getByRole('link', { name: '返回商户页面', exact: true }).click();
    await page.waitForURL(ORDER_URL);
    await page.getByTestId('order-status').filter({ hasText: '已支付' }).waitFor({ timeout: 30_000 });
    await screenshot(page, 'money-04-phone-order-paid');

    // Back through the history to the course page: it is fresh, and says the course is owned.
    for (let i = 0; i < 6 && !page.url().endsWith(COURSE); i++) await page.goBack();
    expect(page.url()).toBe(`${env.server.baseUrl}${COURSE}`);
    await page.getByTestId('owned').waitFor();
    expect(await page.getByTestId('owned').textContent()).toBe('你已购买');
    expect(await page.getByRole('button', { name: /^购买课程/ }).count()).toBe(0);
    expect(await page.locator('.learners').textContent()).not.toBe('0 人在学');
    await screenshot(page, 'money-05-phone-back-after-paying');

    expect(problems).toEqual([]);
    await context.close();
  }, 120_000);

  it('the creator refunds part of an order after confirming, and the learner sees it in 我的订单', async () => {
    await createAdmin(env.server.dataDir, 'boss', 'creator password 1');
    const learner = await openPage(env.browser, { viewport: PHONE, userAgent: IPHONE_SAFARI });
    await register(learner.page, 'refund_me');
    await learner.page.getByRole('button', { name: /^购买课程/ }).click();
    await learner.page.waitForURL(ORDER_URL);
    const orderNo = ORDER_URL.exec(learner.page.url())![1]!;
    await learner.page.getByTestId('h5-pay').click();
    await learner.page.getByRole('button', { name: '支付成功', exact: true }).click();
    await learner.page.getByTestId('state').filter({ hasText: '已支付' }).waitFor({ timeout: 10_000 });

    const creator = await openPage(env.browser, { viewport: PHONE });
    await logIn(creator.page, 'boss', 'creator password 1');
    await creator.page.goto(`${env.server.baseUrl}/admin/orders?q=${orderNo}`);
    await screenshot(creator.page, 'money-06-admin-orders-phone');
    expect(await horizontalOverflow(creator.page)).toBe(0);
    await creator.page.getByRole('link', { name: orderNo, exact: true }).click();
    await creator.page.waitForURL(`${env.server.baseUrl}/admin/orders/${orderNo}`);
    expect(await horizontalOverflow(creator.page)).toBe(0);
    await creator.page.getByLabel('退款金额（元）', { exact: true }).fill('50');
    await creator.page.getByLabel('退款原因（选填）', { exact: true }).fill('课程更新前的老学员补偿');
    await creator.page.getByRole('button', { name: '申请退款', exact: true }).click();
    await creator.page.getByTestId('confirm-message').waitFor();
    expect(await creator.page.getByTestId('confirm-message').textContent()).toBe('退款 ¥50.00 给 refund_me，学员仍可继续学习');
    await screenshot(creator.page, 'money-07-admin-refund-confirm');
    await creator.page.getByRole('button', { name: '确认退款', exact: true }).click();
    await creator.page.waitForURL(`${env.server.baseUrl}/admin/orders/${orderNo}`);
    expect(await creator.page.getByRole('status').first().textContent()).toContain('已申请退款 ¥50.00');
    await screenshot(creator.page, 'money-08-admin-refund-requested');

    // The sandbox settles the refund after a few seconds and tells the app; 我的订单 then shows it.
    const deadline = Date.now() + 30_000;
    for (;;) {
      await learner.page.goto(`${env.server.baseUrl}/me/orders`);
      if ((await learner.page.getByText('部分退款', { exact: true }).count()) > 0) break;
      if (Date.now() > deadline) throw new Error('the refund never showed in 我的订单');
      await learner.page.waitForTimeout(1000);
    }
    expect(await learner.page.locator('[data-testid="my-order"]').first().innerText()).toMatch(/退款 ¥50\.00 · 已退款 · \d{4}-\d{2}-\d{2} \d{2}:\d{2}/);
    expect(await horizontalOverflow(learner.page)).toBe(0);
    await screenshot(learner.page, 'money-09-my-orders-partial-refund');
    await learner.page.getByRole('link', { name: '订单详情 ›' }).first().click();
    await learner.page.getByTestId('partial-refund').waitFor();
    expect(await learner.page.getByTestId('partial-refund').textContent()).toBe('已退款 ¥50.00，课程仍可学习');
    await screenshot(learner.page, 'money-10-order-partial-refund');

    expect([...learner.problems, ...creator.problems]).toEqual([]);
    await learner.context.close();
    await creator.context.close();
  }, 120_000);

  it('the desktop order page shows Beijing time and the QR code; the admin course page works on a desktop', async () => {
    const { context, page, problems } = await openPage(env.browser, { viewport: DESKTOP });
    await register(page, 'desk_time');
    await page.getByRole('button', { name: /^购买课程/ }).click();
    await page.waitForURL(ORDER_URL);
    expect(await page.locator('.order-expire').textContent()).toMatch(/请在 \d{2}:\d{2}（北京时间）前完成支付/);
    await page.getByRole('button', { name: '我已支付', exact: true }).click();
    await page.getByText('还没有收到支付结果，请稍后刷新', { exact: true }).waitFor();
    await screenshot(page, 'money-11-desktop-not-paid-yet');
    expect(problems).toEqual([]);
    await context.close();
  }, 60_000);
});
