import { describe, expect, it } from 'vitest';
import { openPage, screenshot } from './support/browser.js';
import { serverAndBrowser } from './support/server.js';

const env = serverAndBrowser();

describe('a new visitor on a phone', () => {
  it('browses the courses, registers, sees their name, logs out and logs back in', async () => {
    const { page, problems, context } = await openPage(env.browser);
    await page.goto(env.server.baseUrl);
    expect(await page.locator('.course-card').count()).toBe(12);
    await screenshot(page, 'smoke-01-home');

    await page.getByRole('link', { name: '注册', exact: true }).click();
    await page.getByLabel('用户名').fill('xiaoming');
    await page.getByLabel('昵称（选填）').fill('小明');
    await page.getByLabel('密码', { exact: true }).fill('study hard 2026');
    await page.getByLabel('确认密码').fill('study hard 2026');
    await screenshot(page, 'smoke-02-register');
    await page.getByRole('button', { name: '注册' }).click();
    await page.waitForURL(env.server.baseUrl + '/');
    expect(await page.getByTestId('current-user').textContent()).toContain('小明');
    await screenshot(page, 'smoke-03-logged-in');

    await page.getByRole('button', { name: '退出' }).click();
    await page.waitForURL(env.server.baseUrl + '/');
    expect(await page.getByRole('link', { name: '登录' }).isVisible()).toBe(true);

    await page.getByRole('link', { name: '登录' }).click();
    await page.getByLabel('用户名').fill('xiaoming');
    await page.getByLabel('密码').fill('study hard 2026');
    await screenshot(page, 'smoke-04-login');
    await page.getByRole('button', { name: '登录' }).click();
    await page.waitForURL(env.server.baseUrl + '/');
    expect(await page.getByTestId('current-user').textContent()).toContain('小明');

    expect(problems).toEqual([]);
    await context.close();
  });
});
