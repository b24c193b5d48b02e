import { describe, expect, it } from 'vitest';
import { logIn, register } from './support/accounts.js';
import { createAdmin } from './support/admin.js';
import { DESKTOP, horizontalOverflow, openPage, PHONE, screenshot } from './support/browser.js';
import { serverAndBrowser } from './support/server.js';

// The creator pins a course and keeps another out; a learner's 为你推荐 follows at once.
const PINNED = 'Go 并发编程模式';
const KEPT_OUT = 'Linux 命令行效率手册';
const env = serverAndBrowser();

describe('recommendations in the browser', () => {
  it('the creator’s pin leads a learner’s 为你推荐 with its reason, an excluded course disappears', async () => {
    const base = env.server.baseUrl;
    await createAdmin(env.server.dataDir, 'curator', 'creator password 1');

    const creator = await openPage(env.browser, { viewport: DESKTOP });
    await logIn(creator.page, base, 'curator', 'creator password 1');
    await creator.page.goto(`${base}/admin/courses`);
    await creator.page.getByRole('link', { name: '推荐管理', exact: true }).click();
    await creator.page.waitForURL(`${base}/admin/recommendations`);
    // The app built a model when it started (the demo catalogue, no learners yet).
    await creator.page.getByTestId('served-build').waitFor();
    await creator.page.getByRole('form', { name: `《${PINNED}》的推荐设置` }).getByRole('button', { name: '置顶', exact: true }).click();
    await creator.page.getByText(`已置顶《${PINNED}》`).waitFor();
    await creator.page.getByRole('form', { name: `《${KEPT_OUT}》的推荐设置` }).getByRole('button', { name: '不推荐', exact: true }).click();
    await creator.page.waitForURL(`${base}/admin/recommendations`);
    await screenshot(creator.page, 'recommendations-01-admin');

    const learner = await openPage(env.browser, { viewport: PHONE });
    await register(learner.page, base, 'rec_reader', '/');
    const forYou = learner.page.getByTestId('for-you');
    await forYou.waitFor();
    const first = forYou.locator('.rec-card').first();
    expect(await first.locator('.rec-name').textContent()).toBe(PINNED);
    expect(await first.getByTestId('rec-reason').textContent()).toBe('创作者推荐');
    const titles = await forYou.locator('.rec-name').allTextContents();
    expect(titles).not.toContain(KEPT_OUT);
    // Every other card says why, in words the learner can check.
    for (const reason of (await forYou.getByTestId('rec-reason').allTextContents()).slice(1)) expect(reason).toMatch(/^(本周热门|很多人在学|新课上架)$/);
    expect(await horizontalOverflow(learner.page)).toBe(0);
    await screenshot(learner.page, 'recommendations-02-home-for-you');

    // A visitor without an account sees the plain list.
    const visitor = await openPage(env.browser, { viewport: PHONE });
    await visitor.page.goto(base);
    expect(await visitor.page.getByTestId('for-you').count()).toBe(0);

    expect([...creator.problems, ...learner.problems, ...visitor.problems]).toEqual([]);
    await Promise.all([creator.context.close(), learner.context.close(), visitor.context.close()]);
  }, 120_000);
});
