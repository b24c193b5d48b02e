import { describe, expect, it } from 'vitest';
import { openPage, screenshot, WECHAT_UA } from './support/browser.js';
import { serverAndBrowser } from './support/server.js';

const env = serverAndBrowser();

describe('a follower arriving from the Official Account, inside WeChat', () => {
  it('is recognised through WeChat login, silently the second time, and pays with JSAPI', async () => {
    const { page, problems, context } = await openPage(env.browser, { userAgent: WECHAT_UA });

    // The menu link 我的课程: not logged in, so WeChat authorises first (the sandbox asks who we are).
    await page.goto(`${env.server.baseUrl}/me/courses?utm_source=wechat_oa&utm_medium=menu`);
    expect(page.url()).toContain('/__sandbox/wechat/connect/oauth2/authorize');
    await page.locator('input[name=nickname]').fill('微信小王');
    await screenshot(page, 'wechat-01-authorize');
    await page.getByRole('button', { name: '同意', exact: true }).click();
    await page.waitForURL(/\/me\/courses/);
    expect(await page.getByTestId('current-user').textContent()).toContain('微信用户');
    await screenshot(page, 'wechat-02-my-courses');

    // A second visit in a new session is silent: WeChat remembers the follower, no page in between.
    await context.clearCookies({ name: 'zhifu.sid' });
    await page.goto(`${env.server.baseUrl}/me/courses`);
    await page.waitForURL(/\/me\/courses/);
    expect(await page.getByTestId('current-user').textContent()).toContain('微信用户');

    // Buying inside WeChat uses JSAPI: the pay button opens WeChat's sheet (the sandbox stand-in).
    await page.goto(`${env.server.baseUrl}/courses/react-hooks-deep-dive`);
    await page.getByRole('button', { name: /购买课程/ }).click();
    await page.waitForURL(/\/orders\//);
    await page.getByRole('button', { name: '立即支付', exact: true }).click();
    await page.getByTestId('sandbox-pay-success').click();
    await page.getByText('支付成功，课程已解锁').waitFor({ timeout: 20_000 });
    await screenshot(page, 'wechat-03-paid');
    await page.getByRole('link', { name: '开始学习', exact: true }).click();
    await page.getByRole('link', { name: '去学习', exact: true }).waitFor();
    expect(await page.getByTestId('owned').textContent()).toBe('你已购买');

    expect(problems).toEqual([]);
    await context.close();
  });
});
