import { describe, expect, it } from 'vitest';
import { logIn, register } from './support/accounts.js';
import { createAdmin } from './support/admin.js';
import { DESKTOP, horizontalOverflow, openPage, PHONE, screenshot } from './support/browser.js';
import { serverAndBrowser } from './support/server.js';

// Learners talk back and creators listen: a learner buys, studies, comments, gets the creator's
// reply (a red dot on 消息), rates the course; a visitor then sees the review on the course page.
const COURSE = '/courses/typescript-in-practice';
const ORDER_URL = /\/orders\/(ZF[A-Z0-9]+)$/;
const IPHONE_SAFARI = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1';
const env = serverAndBrowser();

describe('likes, comments and ratings in the browser', () => {
  it('a learner buys, studies, comments, hears back from the creator and rates; a visitor sees the review', async () => {
    const base = env.server.baseUrl;
    await createAdmin(env.server.dataDir, 'teacher', 'creator password 1');
    const learner = await openPage(env.browser, { viewport: PHONE, userAgent: IPHONE_SAFARI });
    const { page } = learner;
    await register(page, base, 'curious_li', COURSE);

    // Buy through H5 pay in the sandbox, then study the first lesson.
    await page.getByRole('button', { name: /^购买课程/ }).click();
    await page.waitForURL(ORDER_URL);
    await page.getByTestId('h5-pay').click();
    await page.getByRole('button', { name: '支付成功', exact: true }).click();
    await page.getByTestId('state').filter({ hasText: '已支付' }).waitFor({ timeout: 10_000 });
    await page.getByRole('link', { name: '返回商户页面', exact: true }).click();
    await page.getByTestId('order-status').filter({ hasText: '已支付' }).waitFor({ timeout: 30_000 });
    await page.goto(`${base}${COURSE}`);
    await page.getByRole('link', { name: '去学习', exact: true }).click();
    await page.waitForURL(/\/lessons\/\d+$/);
    const lessonUrl = page.url();

    // The like button toggles without a reload (the script), under the CSP.
    await page.getByTestId('like-button').click();
    await page.locator('[data-testid="like-button"][aria-pressed="true"]').waitFor();
    expect(await page.getByTestId('like-count').textContent()).toBe('1');
    expect(page.url()).toBe(lessonUrl);

    await page.getByLabel('写留言', { exact: true }).fill('泛型约束那里能再举个例子吗？比如 `extends keyof T`');
    await page.getByRole('button', { name: '发布留言', exact: true }).click();
    await page.getByTestId('comments-flash').filter({ hasText: '留言已发布' }).waitFor();
    expect(await page.locator('.comment-body code').first().textContent()).toBe('extends keyof T');
    expect(await horizontalOverflow(page)).toBe(0);
    await screenshot(page, 'feedback-01-lesson-comment-posted');

    // The creator answers under the comment.
    const creator = await openPage(env.browser, { viewport: DESKTOP });
    await logIn(creator.page, base, 'teacher', 'creator password 1');
    await creator.page.goto(lessonUrl);
    await creator.page.locator('.comment-thread').first().getByText('回复', { exact: true }).click();
    await creator.page.getByPlaceholder('回复 curious_li').fill('好问题：`K extends keyof T` 让 K 只能是 T 的键。');
    await creator.page.getByRole('button', { name: '发布回复', exact: true }).click();
    await creator.page.getByTestId('comments-flash').filter({ hasText: '回复已发布' }).waitFor();
    await screenshot(creator.page, 'feedback-02-creator-replied');

    // The learner sees the red dot on 消息, reads the reply there, and the dot goes.
    await page.goto(`${base}/me/courses`);
    await page.getByTestId('unread-dot').waitFor();
    await screenshot(page, 'feedback-03-red-dot');
    await page.getByTestId('nav-replies').click();
    await page.waitForURL(`${base}/me/replies`);
    expect(await page.getByTestId('reply-item').count()).toBe(1);
    expect(await page.getByTestId('reply-item').innerText()).toContain('teacher');
    expect(await page.getByTestId('reply-item').innerText()).toContain('作者');
    expect(await page.getByTestId('unread-dot').count()).toBe(0);
    await screenshot(page, 'feedback-04-replies');
    await page.getByRole('link', { name: /TypeScript 实战/ }).click();
    await page.waitForURL(/#comment-\d+$/);
    expect(await page.getByTestId('creator-badge').count()).toBe(1);

    // Rate the course: five stars and a review.
    await page.goto(`${base}${COURSE}`);
    await page.locator('label[for="stars-5"]').click();
    await page.getByPlaceholder(/说说这门课怎么样/).fill('例子都来自真实项目，讲得很透。');
    await page.getByRole('button', { name: '提交评价', exact: true }).click();
    await page.getByTestId('reviews-flash').filter({ hasText: '感谢你的评价' }).waitFor();
    expect(await horizontalOverflow(page)).toBe(0);
    await screenshot(page, 'feedback-05-rated');

    // A visitor, not logged in, sees the review, its stars and how many rated.
    const visitor = await openPage(env.browser, { viewport: PHONE });
    await visitor.page.goto(`${base}${COURSE}`);
    const review = visitor.page.getByTestId('review').first();
    expect(await review.innerText()).toContain('例子都来自真实项目，讲得很透。');
    expect(await review.locator('.review-stars').textContent()).toBe('★★★★★');
    expect(await visitor.page.getByTestId('rating-few').textContent()).toBe('已有 1 人评分，满 3 人后显示平均分');
    expect(await visitor.page.getByTestId('like-count').first().textContent()).toBe('0');
    await screenshot(visitor.page, 'feedback-06-visitor-sees-review');

    // The creator's queue is empty (nothing was held) and renders on a phone too.
    await creator.page.setViewportSize(PHONE);
    await creator.page.goto(`${base}/admin/feedback`);
    expect(await horizontalOverflow(creator.page)).toBe(0);
    await screenshot(creator.page, 'feedback-07-admin-queue');

    expect([...learner.problems, ...creator.problems, ...visitor.problems]).toEqual([]);
    await Promise.all([learner.context.close(), creator.context.close(), visitor.context.close()]);
  }, 180_000);

  it('a held comment waits in the queue, and the creator approves it there', async () => {
    const base = env.server.baseUrl;
    const learner = await openPage(env.browser, { viewport: PHONE });
    await register(learner.page, base, 'spammy_wang', '/courses/css-layout-from-zero');
    await learner.page.getByRole('button', { name: '免费加入学习', exact: true }).click();
    await learner.page.waitForURL(/\/lessons\/\d+/);
    await learner.page.getByLabel('写留言', { exact: true }).fill('资料私聊我，加微信领取');
    await learner.page.getByRole('button', { name: '发布留言', exact: true }).click();
    await learner.page.getByTestId('comments-flash').filter({ hasText: '审核通过后' }).waitFor();
    expect(await learner.page.getByTestId('held-note').count()).toBe(1);
    await screenshot(learner.page, 'feedback-08-held-for-author');

    const creator = await openPage(env.browser, { viewport: PHONE });
    await logIn(creator.page, base, 'teacher', 'creator password 1');
    await creator.page.goto(`${base}/admin/feedback`);
    expect(await creator.page.getByTestId('queue-text').first().textContent()).toBe('资料私聊我，加微信领取');
    await screenshot(creator.page, 'feedback-09-queue-held');
    await creator.page.getByRole('button', { name: '通过', exact: true }).first().click();
    await creator.page.getByRole('status').filter({ hasText: '已通过' }).waitFor();
    expect(await creator.page.getByTestId('tab-count-held').textContent()).toBe('0');

    expect([...learner.problems, ...creator.problems]).toEqual([]);
    await Promise.all([learner.context.close(), creator.context.close()]);
  }, 120_000);
});
