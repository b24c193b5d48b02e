import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const PHONE = { width: 375, height: 812 };
export const DESKTOP = { width: 1280, height: 800 };
export const WECHAT_UA =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.50(0x1800322c) NetType/WIFI Language/zh_CN';

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

const watched = new WeakSet<Page>();

/** Records console errors, uncaught exceptions and CSP violations of one page into `problems`. */
function watchPage(page: Page, problems: string[]): void {
  if (watched.has(page)) return;
  watched.add(page);
  // A page we navigated to may answer 4xx on purpose (a locked lesson is a 403 page); Chromium logs
  // that as a failed resource. Failed sub-resources (scripts, styles, images) still count.
  const documents = new Set<string>();
  page.on('request', (req) => {
    if (req.resourceType() === 'document') documents.add(req.url());
  });
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    if (msg.text().startsWith('Failed to load resource') && documents.has(msg.location().url)) return;
    problems.push(`console: ${msg.text()} (${msg.location().url})`);
  });
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
}

/**
 * A page that records console errors, uncaught exceptions and CSP violations, so a journey can
 * assert that none happened. Every page of the context is watched, popups (a `target=_blank` link)
 * and `context.newPage()` included, into the same `problems` list.
 *
 * `bypassCSP` is for the accessibility test only, which injects axe-core as an inline script.
 */
export async function openPage(
  browser: Browser,
  opts: { viewport?: { width: number; height: number }; userAgent?: string; bypassCSP?: boolean } = {},
) {
  const context: BrowserContext = await browser.newContext({
    viewport: opts.viewport ?? PHONE,
    userAgent: opts.userAgent,
    locale: 'zh-CN',
    bypassCSP: opts.bypassCSP ?? false,
  });
  const problems: string[] = [];
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      // Runs inside the page: the console is how a violation reaches the problems list above.
      // eslint-disable-next-line no-console
      console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  context.on('page', (p) => watchPage(p, problems));
  const page: Page = await context.newPage();
  watchPage(page, problems);
  return { context, page, problems };
}

const SHOTS = path.resolve('test-results/screenshots');

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}

/** How many CSS pixels the page is wider than the viewport (0 when nothing sticks out sideways). */
export async function horizontalOverflow(page: Page): Promise<number> {
  return page.evaluate(() => Math.max(0, document.documentElement.scrollWidth - window.innerWidth));
}
