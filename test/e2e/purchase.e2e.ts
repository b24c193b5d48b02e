import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { register as signUp } from './support/accounts.js';
import { DESKTOP, horizontalOverflow, launchBrowser, openPage, PHONE, screenshot } from './support/browser.js';
import { startServer, type RunningServer } from './support/server.js';

const COURSE = '/courses/typescript-in-practice';
/** The third demo lesson: neither free preview nor visible before buying. */
const LOCKED_LESSON = '类型收窄：让编译器读懂你的 if';
const ORDER_URL = /\/orders\/(ZF[A-Z0-9]+)$/;

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

const register = (page: Page, baseUrl: string, username: string) => signUp(page, baseUrl, username, COURSE);

/** The locked lesson's address, from the course outline. */
async function lockedLessonUrl(page: Page, baseUrl: string): Promise<string> {
  const href = await page.locator('.outline-item a', { hasText: LOCKED_LESSON }).getAttribute('href');
  expect(href).toMatch(/^\/courses\/typescript-in-practice\/lessons\/\d+$/);
  return `${baseUrl}${href}`;
}

/** Opens the lesson and expects the 403 "buy the course" page without the lesson body. */
async function expectLocked(page: Page, lessonUrl: string) {
  const res = await page.goto(lessonUrl);
  expect(res?.status()).toBe(403);
  expect(await page.locator('.locked-title').textContent()).toBe(LOCKED_LESSON);
  expect(await page.locator('.lesson-body').count()).toBe(0);
}

/** Clicks 购买课程 on the course page and lands on a pending order with its QR code. */
async function buy(page: Page): Promise<string> {
  await page.getByRole('button', { name: /^购买课程/ }).click();
  // POST /orders redirects to the order; an error page stays on /orders and says why.
  await page.waitForURL(/\/orders(\/|$)/);
  expect(page.url(), `checkout failed: ${await page.locator('main').innerText()}`).toMatch(ORDER_URL);
  await expectPendingOrder(page);
  return ORDER_URL.exec(page.url())![1]!;
}

async function expectPendingOrder(page: Page) {
  expect(await page.getByTestId('order-status').textContent()).toBe('待支付');
  expect(await page.locator('.qr svg').isVisible()).toBe(true);
  expect(await page.locator('.order-amount').textContent()).toBe('¥199.00');
  expect(await page.getByRole('link', { name: '在沙箱中模拟扫码支付', exact: true }).isVisible()).toBe(true);
}

async function payInSandbox(context: BrowserContext, page: Page, shot: string) {
  const opened = context.waitForEvent('page');
  await page.getByRole('link', { name: '在沙箱中模拟扫码支付', exact: true }).click();
  const cashier = await opened;
  await cashier.waitForLoadState();
  expect(await cashier.getByTestId('amount').textContent()).toContain('199.00');
  expect(await cashier.getByTestId('state').textContent()).toBe('待支付');
  await screenshot(cashier, `${shot}-sandbox-cashier`);
  await cashier.getByRole('button', { name: '支付成功', exact: true }).click();
  await cashier.getByTestId('state').filter({ hasText: '已支付' }).waitFor({ timeout: 10_000 });
  expect(await cashier.getByRole('status').textContent()).toContain('支付成功');
  await screenshot(cashier, `${shot}-sandbox-paid`);
  await cashier.close();
}

async function buyAndStudy(server: RunningServer, viewport: { width: number; height: number }, username: string, shot: string) {
  const { context, page, problems } = await openPage(browser, { viewport });
  // A new visitor: home, the course, a free preview, then an account.
  await page.goto(server.baseUrl);
  await page.locator('.course-card a', { hasText: 'TypeScript 实战' }).click();
  await page.waitForURL(`${server.baseUrl}${COURSE}`);
  await page.getByRole('link', { name: '免费试看', exact: true }).click();
  await page.locator('.lesson-body').waitFor();
  await screenshot(page, `${shot}-00-free-preview`);
  await register(page, server.baseUrl, username);
  await screenshot(page, `${shot}-01-course`);
  const lessonUrl = await lockedLessonUrl(page, server.baseUrl);

  await expectLocked(page, lessonUrl);
  await screenshot(page, `${shot}-02-locked-lesson`);

  await page.goto(`${server.baseUrl}${COURSE}`);
  const orderNo = await buy(page);
  expect(await horizontalOverflow(page)).toBe(0);
  await screenshot(page, `${shot}-03-order-pending`);

  await payInSandbox(context, page, shot);

  // The order page finds out by itself (order.js polls the status): the test never reloads it.
  await page.bringToFront();
  await page.getByTestId('order-status').filter({ hasText: '已支付' }).waitFor({ timeout: 30_000 });
  expect(page.url()).toBe(`${server.baseUrl}/orders/${orderNo}`);
  expect(await page.getByText('支付成功，课程已解锁', { exact: true }).isVisible()).toBe(true);
  expect(await horizontalOverflow(page)).toBe(0);
  await screenshot(page, `${shot}-04-order-paid`);

  await page.getByRole('link', { name: '开始学习', exact: true }).click();
  await page.waitForURL(`${server.baseUrl}${COURSE}`);
  expect(await page.getByRole('link', { name: '去学习', exact: true }).isVisible()).toBe(true);
  expect(await page.getByTestId('owned').textContent()).toBe('你已购买');
  expect(await page.getByRole('button', { name: /^购买课程/ }).count()).toBe(0);
  await screenshot(page, `${shot}-05-course-owned`);

  const res = await page.goto(lessonUrl);
  expect(res?.status()).toBe(200);
  expect(await page.locator('.lesson-title').textContent()).toContain(LOCKED_LESSON);
  expect(await page.locator('.locked-title').count()).toBe(0);
  expect(await horizontalOverflow(page)).toBe(0);
  await screenshot(page, `${shot}-06-lesson-unlocked`);

  await page.getByRole('button', { name: '标记为已学完', exact: true }).click();
  await page.waitForURL(/\/lessons\/\d+$/);
  await page.getByRole('link', { name: '我的课程', exact: true }).click();
  expect(await page.locator('.my-course .progress-text').textContent()).toBe('1/7 课');
  await screenshot(page, `${shot}-07-my-courses`);

  expect(problems).toEqual([]);
  await context.close();
}

describe('a learner buys a paid course with WeChat Pay (sandbox)', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('on a desktop: the order page turns paid by itself and the locked lesson opens', async () => {
    await buyAndStudy(server, DESKTOP, 'desk_buyer', 'purchase-desktop');
  }, 120_000);

  it('on a phone: the order page turns paid by itself and the locked lesson opens', async () => {
    await buyAndStudy(server, PHONE, 'phone_buyer', 'purchase-phone');
  }, 120_000);
});

/**
 * The shortest lifetime the config accepts. The app still asks WeChat for a time_expire at least a
 * minute ahead (WeChat refuses less), so the local order is the one that expires first.
 */
const EXPIRE_MINUTES = 1;

describe('a learner who abandons the payment', () => {
  let server: RunningServer;
  beforeAll(async () => {
    // Reconciliation would close the expired order on its own and the page would follow; here the
    // learner's 我已支付 is what asks WeChat, so the job stays out of the way.
    server = await startServer({ ORDER_EXPIRE_MINUTES: String(EXPIRE_MINUTES), RECONCILE_INTERVAL_SECONDS: '3600' });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('keeps the lesson locked, sees the order closed after it expires, and can order again', async () => {
    const { context, page, problems } = await openPage(browser);
    await register(page, server.baseUrl, 'hesitant');
    const lessonUrl = await lockedLessonUrl(page, server.baseUrl);
    const firstNo = await buy(page);
    const expiresAt = new Date((await page.locator('.order-expire time').getAttribute('datetime'))!);
    expect(expiresAt.getTime() - Date.now()).toBeGreaterThan(EXPIRE_MINUTES * 60_000 - 30_000);
    expect(expiresAt.getTime() - Date.now()).toBeLessThanOrEqual(EXPIRE_MINUTES * 60_000 + 15_000);
    await screenshot(page, 'abandon-01-order-pending');

    // An unpaid order unlocks nothing.
    const other = await context.newPage();
    await expectLocked(other, lessonUrl);
    await screenshot(other, 'abandon-02-still-locked');
    await other.close();

    // Wait out the order (ORDER_EXPIRE_MINUTES), then ask about it: 我已支付.
    await page.waitForTimeout(Math.max(0, expiresAt.getTime() - Date.now()) + 1_500);
    expect(page.url()).toBe(`${server.baseUrl}/orders/${firstNo}`);
    await page.getByRole('button', { name: '我已支付', exact: true }).click();
    await page.getByText('订单已失效，可以重新下单', { exact: true }).waitFor({ timeout: 15_000 });
    expect(await page.getByTestId('order-status').textContent()).toBe('已关闭');
    expect(await page.locator('.qr').count()).toBe(0);
    expect(await page.getByRole('link', { name: '在沙箱中模拟扫码支付' }).count()).toBe(0);
    await screenshot(page, 'abandon-03-order-closed');

    await page.getByRole('button', { name: '重新下单', exact: true }).click();
    await page.waitForURL((url) => url.pathname !== `/orders/${firstNo}`);
    expect(page.url(), `checkout failed: ${await page.locator('main').innerText()}`).toMatch(ORDER_URL);
    const secondNo = ORDER_URL.exec(page.url())![1]!;
    expect(secondNo).not.toBe(firstNo);
    await expectPendingOrder(page);
    await screenshot(page, 'abandon-04-new-order');

    await expectLocked(page, lessonUrl);
    expect(problems).toEqual([]);
    await context.close();
  }, 120_000 + EXPIRE_MINUTES * 60_000);
});
