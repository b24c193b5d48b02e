import { describe, expect, it } from 'vitest';
import { logIn, register } from './support/accounts.js';
import { createAdmin } from './support/admin.js';
import { DESKTOP, horizontalOverflow, openPage, PHONE, screenshot } from './support/browser.js';
import { serverAndBrowser } from './support/server.js';

// A creator reads the dashboard after a learner came from the Official Account's menu and bought.
const COURSE = '/courses/typescript-in-practice';
const ORDER_URL = /\/orders\/(ZF[A-Z0-9]+)$/;
const IPHONE_SAFARI = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1';
const env = serverAndBrowser({ ANALYTICS_FLUSH_MS: '200' });

describe('the creator’s dashboard in the browser', () => {
  it('shows the sale, its source, the funnel and a course’s drop-off, on a desktop and a phone', async () => {
    const base = env.server.baseUrl;
    await createAdmin(env.server.dataDir, 'analyst', 'creator password 1');

    // A follower taps the menu link, registers, buys through H5 pay and opens the first lesson.
    const learner = await openPage(env.browser, { viewport: PHONE, userAgent: IPHONE_SAFARI });
    await learner.page.goto(`${base}${COURSE}?utm_source=wechat_oa&utm_medium=menu`);
    await learner.page.getByTestId('privacy-banner').waitFor();
    await register(learner.page, base, 'menu_follower', COURSE);
    await learner.page.getByRole('button', { name: /^购买课程/ }).click();
    await learner.page.waitForURL(ORDER_URL);
    await learner.page.getByTestId('h5-pay').click();
    await learner.page.getByRole('button', { name: '支付成功', exact: true }).click();
    await learner.page.getByTestId('state').filter({ hasText: '已支付' }).waitFor({ timeout: 10_000 });
    await learner.page.getByRole('link', { name: '返回商户页面', exact: true }).click();
    await learner.page.getByTestId('order-status').filter({ hasText: '已支付' }).waitFor({ timeout: 30_000 });
    await learner.page.goto(`${base}${COURSE}`);
    await learner.page.getByRole('link', { name: '去学习', exact: true }).click();
    await learner.page.waitForURL(/\/lessons\/\d+$/);
    await learner.page.waitForTimeout(600);

    const creator = await openPage(env.browser, { viewport: DESKTOP });
    await logIn(creator.page, base, 'analyst', 'creator password 1');
    await creator.page.goto(`${base}/admin/courses`);
    await creator.page.getByRole('link', { name: '数据看板', exact: true }).click();
    await creator.page.waitForURL(`${base}/admin/dashboard`);
    expect(await creator.page.getByTestId('total-net').textContent()).toBe('¥199.00');
    expect(await creator.page.getByTestId('total-orders').textContent()).toBe('1');
    const sources = creator.page.locator('#src-h ~ .table-wrap').first();
    expect(await sources.innerText()).toMatch(/公众号菜单\s+\d+\s+1\s+1\s+199/);
    expect(await creator.page.locator('svg.chart').count()).toBeGreaterThanOrEqual(3);
    await screenshot(creator.page, 'dashboard-01-desktop');

    await creator.page.locator('select[name="course"]').selectOption({ label: 'TypeScript 实战：从类型体操到工程落地' });
    await creator.page.getByRole('button', { name: '查看', exact: true }).click();
    await creator.page.waitForURL(/course=\d+/);
    expect(await creator.page.getByRole('heading', { name: /逐课流失/ }).count()).toBe(1);
    expect(await creator.page.locator('table', { hasText: 'menu_follower' }).count()).toBeGreaterThan(0);
    await screenshot(creator.page, 'dashboard-02-course-dropoff');
    const csv = await creator.page.request.get(`${base}/admin/dashboard/export.csv?table=revenue`);
    expect(csv.status()).toBe(200);
    expect(await csv.text()).toContain('净收入（元）');

    await creator.page.setViewportSize(PHONE);
    await creator.page.reload();
    expect(await horizontalOverflow(creator.page)).toBe(0);
    await screenshot(creator.page, 'dashboard-03-phone');

    // The learner finds 我的数据 from 账号设置, and the privacy page from there.
    await learner.page.goto(`${base}/me/account`);
    await learner.page.getByTestId('my-data-link').click();
    await learner.page.waitForURL(`${base}/me/privacy`);
    expect(await learner.page.getByTestId('export-link').getAttribute('href')).toBe('/me/privacy/export');
    expect(await horizontalOverflow(learner.page)).toBe(0);
    await screenshot(learner.page, 'dashboard-04-my-data');
    await learner.page.getByRole('link', { name: '隐私说明', exact: true }).first().click();
    await learner.page.waitForURL(`${base}/privacy`);
    await screenshot(learner.page, 'dashboard-05-privacy-page');

    expect([...learner.problems, ...creator.problems]).toEqual([]);
    await Promise.all([learner.context.close(), creator.context.close()]);
  }, 180_000);
});
