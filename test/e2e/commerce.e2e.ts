import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { register } from './support/accounts.js';
import { horizontalOverflow, openPage } from './support/browser.js';
import { commerceOn, createPaidCourse, openServerDatabase, type ShopCourse } from './support/commerce-data.js';
import { payOrderInSandbox } from './support/sandbox-pay.js';
import { serverAndBrowser } from './support/server.js';
import type { Db } from '../../src/platform/db/index.js';

// Coupons and memberships as a learner meets them: a claim link, the coupon taken off at checkout
// and shown on the order, the coupon used up afterwards, a wrong code refused without an order,
// then a membership that opens a course the learner never bought.
const PHONE_390 = { width: 390, height: 844 };
const SHOTS = '/tmp/shots-commerce';
const ORDER_URL = /\/orders\/(ZF[A-Z0-9]+)$/;
const COUPON = '新人立减券';
const PLAN = '全站会员';
const LEARNER = 'coupon_fan';

const env = serverAndBrowser();
let db: Db;
let courseA: ShopCourse;
let courseB: ShopCourse;
let claimToken: string;

beforeAll(async () => {
  db = openServerDatabase(env.server.dataDir);
  courseA = await createPaidCourse(db, { slug: 'e2e-node-api', title: 'Node.js 接口设计实战', priceYuan: '99' });
  courseB = await createPaidCourse(db, { slug: 'e2e-sql-tuning', title: '数据库性能调优', priceYuan: '199' });
  const shop = commerceOn(db);
  ({ claimToken } = await shop.amountOffCoupon(COUPON, 2000));
  await shop.allCoursesPlan(PLAN, 29900, 30);
});
afterAll(async () => {
  await db?.destroy();
});

async function shot(page: Page, name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}

const text = async (page: Page, testId: string) => ((await page.getByTestId(testId).textContent()) ?? '').replace(/\s+/g, ' ').trim();

async function ordersOf(username: string): Promise<Array<{ course_id: number | null; plan_id: number | null; status: string; amount_fen: number; discount_fen: number }>> {
  return db('orders').join('users', 'users.id', 'orders.user_id').where('users.username', username).orderBy('orders.id').select('orders.course_id', 'orders.plan_id', 'orders.status', 'orders.amount_fen', 'orders.discount_fen');
}

/** Opens a lesson by its address and expects its body, not the locked page. */
async function expectLessonOpens(page: Page, course: ShopCourse): Promise<void> {
  const res = await page.goto(`${env.server.baseUrl}/courses/${course.slug}/lessons/${course.paidLesson.id}`);
  expect(res?.status()).toBe(200);
  expect(await page.locator('.lesson-title').textContent()).toContain(course.paidLesson.title);
  expect(await page.locator('.lesson-body').innerText()).toContain(course.paidLesson.marker);
  expect(await page.locator('.locked-title').count()).toBe(0);
}

describe('coupons and memberships in the browser', () => {
  it('a learner claims a coupon, buys with it, then buys a membership and opens a course they do not own', async () => {
    const base = env.server.baseUrl;
    const claimPath = `/coupons/claim/${claimToken}`;
    const { context, page, problems } = await openPage(env.browser, { viewport: PHONE_390 });

    // The claim link, before an account: it shows the coupon and asks to log in.
    await page.goto(`${base}${claimPath}`);
    expect(await text(page, 'claim-coupon')).toContain('立减 ¥20');
    expect(await page.getByRole('link', { name: '登录后领取', exact: true }).getAttribute('href')).toBe(`/login?next=${encodeURIComponent(claimPath)}`);

    // An account, back on the claim link: 立即领取 puts it in 我的优惠券.
    await register(page, base, LEARNER, claimPath);
    expect(await text(page, 'claim-coupon')).toContain(COUPON);
    expect(await page.getByText('剩余 100 张', { exact: true }).isVisible()).toBe(true);
    expect(await horizontalOverflow(page)).toBe(0);
    await shot(page, '01-claim');
    await page.getByRole('button', { name: '立即领取', exact: true }).click();
    await page.waitForURL(`${base}/me/coupons`);
    expect(await page.getByRole('status').first().textContent()).toContain(`已领取「${COUPON}」`);
    const held = page.getByTestId('my-coupon');
    expect(await held.count()).toBe(1);
    expect(await held.innerText()).toContain('立减 ¥20');
    expect(await held.innerText()).toContain('全部课程可用');
    expect(await horizontalOverflow(page)).toBe(0);
    await shot(page, '02-my-coupons-claimed');

    // Course A (¥99): the coupon is picked by itself, 券后 ¥79.00.
    await page.goto(`${base}/courses/${courseA.slug}`);
    expect(await text(page, 'price')).toBe('¥99.00 券后 ¥79.00');
    expect(await page.locator('[data-testid="price"] del').textContent()).toBe('¥99.00');
    expect(await text(page, 'best-coupon')).toBe(`已为你选用优惠券「${COUPON}」立减 ¥20，立省 ¥20.00`);
    expect(await page.getByTestId('membership-offer').isVisible()).toBe(true);
    expect(await horizontalOverflow(page)).toBe(0);
    await shot(page, '03-course-with-coupon');

    await page.getByRole('button', { name: '购买课程 ¥79.00', exact: true }).click();
    await page.waitForURL(/\/orders(\/|$)/);
    expect(page.url(), `checkout failed: ${await page.locator('main').innerText()}`).toMatch(ORDER_URL);
    expect(await page.getByTestId('order-status').textContent()).toBe('待支付');
    expect(await page.getByTestId('order-amount').textContent()).toBe('¥79.00');
    const lines = await page.locator('[data-testid="order-price"] > div').evaluateAll((divs) =>
      divs.map((d) => [d.querySelector('dt')?.textContent?.trim(), d.querySelector('dd')?.textContent?.trim()]),
    );
    expect(lines).toEqual([
      ['原价', '¥99.00'],
      [`优惠（${COUPON}）`, '-¥20.00'],
      ['实付', '¥79.00'],
    ]);
    expect(await page.getByTestId('coupon-refund-note').isVisible()).toBe(true);
    expect(await horizontalOverflow(page)).toBe(0);
    await shot(page, '04-order-with-discount');

    // WeChat is asked for the discounted amount; the paid order unlocks the paid lesson.
    await payOrderInSandbox(context, page, '79.00', (cashier) => shot(cashier, '04b-sandbox-cashier-79'));
    expect(await page.getByText('支付成功，课程已解锁', { exact: true }).isVisible()).toBe(true);
    await page.getByRole('link', { name: '开始学习', exact: true }).click();
    await page.waitForURL(`${base}/courses/${courseA.slug}`);
    expect(await page.getByTestId('owned').textContent()).toBe('你已购买');
    await expectLessonOpens(page, courseA);

    // 我的优惠券: nothing usable any more, the coupon listed as used.
    await page.goto(`${base}/me/coupons`);
    expect(await page.getByTestId('my-coupon').count()).toBe(0);
    const used = page.getByTestId('my-coupon-other');
    expect(await used.count()).toBe(1);
    expect(await used.locator('.coupon-name').textContent()).toBe(COUPON);
    expect(await used.getByTestId('coupon-state').textContent()).toMatch(/^已使用 · \d{4}-\d{2}-\d{2} \d{2}:\d{2}/);
    expect(await horizontalOverflow(page)).toBe(0);
    await shot(page, '05-my-coupons-used');

    // Course B (¥199, not owned): no coupon left, the membership is offered.
    await page.goto(`${base}/courses/${courseB.slug}`);
    expect(await text(page, 'price')).toBe('¥199.00');
    expect(await page.getByTestId('best-coupon').count()).toBe(0);
    expect(await page.getByTestId('member-access').count()).toBe(0);
    expect(await text(page, 'membership-offer')).toBe(`开通「${PLAN}」¥299.00 / 30 天，这门课随会员免费学 ›`);
    await shot(page, '06-course-b-membership-offer');

    // A wrong code is refused beside the field, in Chinese, and no order is made.
    await page.locator('details.coupon-code summary').click();
    await page.getByLabel('优惠码', { exact: true }).fill('nope');
    const refused = page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/orders');
    await page.getByRole('button', { name: '购买课程 ¥199.00', exact: true }).click();
    expect((await refused).status()).toBe(422);
    await page.getByTestId('coupon-error').waitFor();
    expect(await page.getByTestId('coupon-error').textContent()).toBe('优惠码 NOPE 不存在，请检查后重试');
    expect(await page.getByLabel('优惠码', { exact: true }).inputValue()).toBe('nope');
    expect(await page.getByLabel('优惠码', { exact: true }).getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('details.coupon-code').getAttribute('open')).not.toBeNull();
    expect(await horizontalOverflow(page)).toBe(0);
    await shot(page, '07-course-b-wrong-code');
    expect(await ordersOf(LEARNER)).toEqual([{ course_id: courseA.id, plan_id: null, status: 'paid', amount_fen: 7900, discount_fen: 2000 }]);

    // 会员: the plan at its full price (the coupon is for courses), 开通, pay.
    await page.goto(`${base}/courses/${courseB.slug}`);
    await page.getByTestId('membership-offer').click();
    await page.waitForURL(`${base}/membership`);
    const plan = page.getByTestId('plan').filter({ hasText: PLAN });
    expect(await plan.count()).toBe(1);
    expect(await plan.locator('.plan-meta').textContent()).toBe('30 天 · 全部课程');
    expect(await plan.locator('.detail-price').textContent()).toBe('¥299.00');
    expect(await page.getByTestId('my-memberships').count()).toBe(0);
    expect(await horizontalOverflow(page)).toBe(0);
    await shot(page, '08-membership');
    await plan.getByRole('button', { name: '开通 ¥299.00', exact: true }).click();
    await page.waitForURL(/\/orders(\/|$)/);
    expect(page.url(), `checkout failed: ${await page.locator('main').innerText()}`).toMatch(ORDER_URL);
    expect(await page.locator('.order-course').textContent()).toBe(`会员：${PLAN}`);
    expect(await page.getByTestId('order-amount').textContent()).toBe('¥299.00');
    expect(await page.getByTestId('order-price').count()).toBe(0);
    await shot(page, '09-membership-order');
    await payOrderInSandbox(context, page, '299.00');
    expect(await page.getByText('支付成功，会员已开通', { exact: true }).isVisible()).toBe(true);
    await shot(page, '10-membership-order-paid');

    // The membership opens course B: its paid lesson, and the course page says so.
    await page.goto(`${base}/courses/${courseB.slug}`);
    expect(await text(page, 'member-access')).toMatch(/^会员畅学中 · 有效期至 \d{4}-\d{2}-\d{2}$/);
    expect(await page.getByTestId('membership-offer').count()).toBe(0);
    expect(await page.getByTestId('owned').count()).toBe(0);
    expect(await horizontalOverflow(page)).toBe(0);
    await shot(page, '11-course-b-member');
    await expectLessonOpens(page, courseB);

    await page.goto(`${base}/membership`);
    // ends_at is the Beijing midnight after 30 days from payment, so the count may read 31.
    expect(await text(page, 'my-membership')).toMatch(new RegExp(`^${PLAN} · 有效期至 \\d{4}-\\d{2}-\\d{2}（还有 3[01] 天到期）$`));
    expect(await horizontalOverflow(page)).toBe(0);
    await shot(page, '12-membership-member');

    const orders = await ordersOf(LEARNER);
    expect(orders).toHaveLength(2);
    expect(orders[1]).toMatchObject({ course_id: null, status: 'paid', amount_fen: 29900, discount_fen: 0 });
    expect(problems).toEqual([]);
    await context.close();
  }, 180_000);
});
