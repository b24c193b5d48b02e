import { expect } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';

/**
 * Pays the pending order shown on `page` the way a buyer scans its QR code: the sandbox cashier
 * opens in a new tab, shows the amount WeChat was asked for, and 支付成功 settles it. Then waits
 * for the order page to notice by itself (order.js polls), without reloading it.
 */
export async function payOrderInSandbox(context: BrowserContext, page: Page, amountYuan: string, onCashier?: (cashier: Page) => Promise<void>): Promise<void> {
  const opened = context.waitForEvent('page');
  await page.getByRole('link', { name: '在沙箱中模拟扫码支付', exact: true }).click();
  const cashier = await opened;
  await cashier.waitForLoadState();
  expect(await cashier.getByTestId('amount').textContent()).toContain(amountYuan);
  expect(await cashier.getByTestId('state').textContent()).toBe('待支付');
  await onCashier?.(cashier);
  await cashier.getByRole('button', { name: '支付成功', exact: true }).click();
  await cashier.getByTestId('state').filter({ hasText: '已支付' }).waitFor({ timeout: 10_000 });
  await cashier.close();

  await page.bringToFront();
  await page.getByTestId('order-status').filter({ hasText: '已支付' }).waitFor({ timeout: 30_000 });
}
