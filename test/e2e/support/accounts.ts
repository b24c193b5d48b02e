import type { Page } from 'playwright-core';

/** Signs up through the form, starting from `next`, and waits to land back there. */
export async function register(page: Page, baseUrl: string, username: string, next: string) {
  await page.goto(`${baseUrl}/register?next=${encodeURIComponent(next)}`);
  await page.getByLabel('用户名', { exact: true }).fill(username);
  await page.getByLabel('密码', { exact: true }).fill('pay for knowledge 1');
  await page.getByLabel('确认密码', { exact: true }).fill('pay for knowledge 1');
  await page.getByRole('button', { name: '注册', exact: true }).click();
  await page.waitForURL(`${baseUrl}${next}`);
}

export async function logIn(page: Page, baseUrl: string, username: string, password: string) {
  await page.goto(`${baseUrl}/login`);
  await page.getByLabel('用户名', { exact: true }).fill(username);
  await page.getByLabel('密码', { exact: true }).fill(password);
  await page.getByRole('button', { name: '登录', exact: true }).click();
  await page.waitForURL(`${baseUrl}/`);
}
