import { describe, expect, it } from 'vitest';
import { openPage, screenshot } from './support/browser.js';
import { serverAndBrowser } from './support/server.js';

const env = serverAndBrowser();

describe('mistakes a person makes get a clear Chinese message', () => {
  it('a wrong password, a taken username and a form whose session expired', async () => {
    const { page, problems, context } = await openPage(env.browser);

    await page.goto(`${env.server.baseUrl}/register`);
    await page.getByLabel('用户名', { exact: true }).fill('laowang');
    await page.getByLabel('密码', { exact: true }).fill('first password 1');
    await page.getByLabel('确认密码', { exact: true }).fill('first password 1');
    await page.getByRole('button', { name: '注册', exact: true }).click();
    await page.waitForURL(`${env.server.baseUrl}/`);
    await page.getByRole('button', { name: '退出', exact: true }).click();

    // Registering the same name again.
    await page.goto(`${env.server.baseUrl}/register`);
    await page.getByLabel('用户名', { exact: true }).fill('LaoWang');
    await page.getByLabel('密码', { exact: true }).fill('second password 2');
    await page.getByLabel('确认密码', { exact: true }).fill('second password 2');
    await page.getByRole('button', { name: '注册', exact: true }).click();
    expect(await page.locator('#e-username').textContent()).toBe('这个用户名已被注册');
    expect(await page.getByLabel('用户名', { exact: true }).inputValue()).toBe('LaoWang');
    expect(await page.getByLabel('密码', { exact: true }).inputValue()).toBe('');
    await screenshot(page, 'errors-01-duplicate-username');

    // A wrong password.
    await page.goto(`${env.server.baseUrl}/login`);
    await page.getByLabel('用户名', { exact: true }).fill('laowang');
    await page.getByLabel('密码', { exact: true }).fill('not my password');
    await page.getByRole('button', { name: '登录', exact: true }).click();
    expect(await page.getByRole('alert').textContent()).toBe('用户名或密码错误');
    await screenshot(page, 'errors-02-wrong-password');

    // The form was opened, then the session behind it expired (here: its cookie is gone).
    await page.goto(`${env.server.baseUrl}/login`);
    await context.clearCookies();
    await page.getByLabel('用户名', { exact: true }).fill('laowang');
    await page.getByLabel('密码', { exact: true }).fill('first password 1');
    await page.getByRole('button', { name: '登录', exact: true }).click();
    expect(await page.locator('.error-title').textContent()).toBe('页面已过期或表单无效，请刷新页面后重新提交');
    await screenshot(page, 'errors-03-expired-form');

    expect(problems).toEqual([]);
    await context.close();
  });
});
