import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { createAdmin } from './support/admin.js';
import { DESKTOP, launchBrowser, openPage, screenshot } from './support/browser.js';
import { startServer, type RunningServer } from './support/server.js';

let server: RunningServer;
let browser: Browser;
beforeAll(async () => {
  server = await startServer();
  browser = await launchBrowser();
  await createAdmin(server.dataDir, 'boss', 'creator password 1');
});
afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

async function logIn(page: Page, username: string, password: string) {
  await page.goto(`${server.baseUrl}/login`);
  await page.getByLabel('用户名', { exact: true }).fill(username);
  await page.getByLabel('密码', { exact: true }).fill(password);
  await page.getByRole('button', { name: '登录', exact: true }).click();
  await page.waitForURL(`${server.baseUrl}/`);
}

async function addLesson(page: Page, title: string, body: string, freePreview: boolean) {
  await page.getByRole('link', { name: '添加课时', exact: true }).click();
  await page.getByLabel('课时标题', { exact: true }).fill(title);
  await page.getByLabel('课时内容（Markdown）', { exact: true }).fill(body);
  await page.getByLabel('时长（选填）', { exact: true }).fill('8');
  if (freePreview) await page.getByLabel('免费试看（未购买的访客也能看）', { exact: true }).check();
  await page.getByRole('button', { name: '保存', exact: true }).click();
  await page.waitForURL(/\/admin\/courses\/\d+$/);
}

describe('a creator publishes a course and a learner studies it', () => {
  it('works end to end on a phone, with no console errors or CSP violations', async () => {
    // The creator, on a desktop.
    const admin = await openPage(browser, { viewport: DESKTOP });
    await logIn(admin.page, 'boss', 'creator password 1');
    await admin.page.getByRole('link', { name: '管理', exact: true }).click();
    await admin.page.getByRole('link', { name: '新建课程', exact: true }).click();
    await admin.page.getByLabel('标题', { exact: true }).fill('Git 工作流实战');
    await admin.page.getByLabel('链接名', { exact: true }).fill('git-workflow');
    await admin.page.getByLabel('一句话简介', { exact: true }).fill('分支、变基与代码评审，一次讲清楚。');
    await admin.page.getByLabel('课程介绍（Markdown）', { exact: true }).fill('## 你将学到\n\n- 分支策略\n- 交互式变基\n\n```bash\ngit rebase -i HEAD~3\n```');
    await admin.page.getByRole('button', { name: '预览介绍', exact: true }).click();
    expect(await admin.page.locator('.preview h2', { hasText: '你将学到' }).count()).toBe(1);
    await admin.page.getByLabel('价格（元）', { exact: true }).fill('0');
    await admin.page.getByLabel('分类', { exact: true }).selectOption('devops');
    await admin.page.getByLabel('标签', { exact: true }).fill('git, 协作');
    await screenshot(admin.page, 'admin-01-course-form');
    await admin.page.getByRole('button', { name: '保存', exact: true }).click();
    await admin.page.waitForURL(/\/admin\/courses\/\d+$/);

    await addLesson(admin.page, '为什么需要分支策略', '## 分支策略\n\n主干开发与 Git Flow 的取舍。', true);
    await addLesson(admin.page, '交互式变基', '## rebase -i\n\n整理提交历史：LOCKED-LESSON-BODY', false);
    await addLesson(admin.page, '代码评审清单', '## 评审\n\n- 可读性\n- 测试', false);
    await admin.page.getByRole('button', { name: '发布', exact: true }).click();
    await admin.page.waitForURL(/\/admin\/courses\/\d+$/);
    expect(await admin.page.locator('.status-on').first().textContent()).toBe('已发布');
    await screenshot(admin.page, 'admin-02-course-published');
    await admin.page.goto(server.baseUrl);
    expect(await admin.page.locator('.course-title', { hasText: 'Git 工作流实战' }).count()).toBe(1);
    expect(admin.problems).toEqual([]);
    await admin.context.close();

    // A learner, on a phone.
    const learner = await openPage(browser);
    const { page } = learner;
    await page.goto(`${server.baseUrl}/courses/git-workflow`);
    await screenshot(page, 'learner-01-course');
    await page.getByRole('link', { name: '免费试看', exact: true }).click();
    expect(await page.locator('.lesson-title').textContent()).toContain('为什么需要分支策略');
    await page.getByRole('link', { name: '下一课 ›', exact: true }).click();
    expect(await page.locator('.locked-title').textContent()).toBe('交互式变基');
    expect(await page.content()).not.toContain('LOCKED-LESSON-BODY');
    await screenshot(page, 'learner-02-locked');

    await page.goto(`${server.baseUrl}/register?next=/courses/git-workflow`);
    await page.getByLabel('用户名', { exact: true }).fill('xiaohong');
    await page.getByLabel('密码', { exact: true }).fill('learn git daily');
    await page.getByLabel('确认密码', { exact: true }).fill('learn git daily');
    await page.getByRole('button', { name: '注册', exact: true }).click();
    await page.waitForURL(`${server.baseUrl}/courses/git-workflow`);
    await page.getByRole('button', { name: '免费加入学习', exact: true }).click();
    await page.waitForURL(/\/lessons\/\d+$/);
    await screenshot(page, 'learner-03-lesson');
    await page.getByRole('button', { name: '标记为已学完', exact: true }).click();
    await page.waitForURL(/\/lessons\/\d+$/);
    expect(await page.locator('.lesson-title').textContent()).toContain('交互式变基');
    expect(await page.content()).toContain('LOCKED-LESSON-BODY');

    await page.getByRole('link', { name: '我的课程', exact: true }).click();
    expect(await page.locator('.my-course .progress-text').textContent()).toBe('1/3 课');
    await screenshot(page, 'learner-04-my-courses');
    expect(learner.problems).toEqual([]);
    await learner.context.close();
  });
});
