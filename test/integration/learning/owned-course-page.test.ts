import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCourseWithLessons } from '../../support/catalog-factories.js';
import { startListeningApp, type ListeningApp } from '../../support/listening-app.js';
import { paidPurchase, signedInLearner, WECHAT_UA } from '../../support/wechat-pay.js';
import request from 'supertest';

let t: ListeningApp;
beforeAll(async () => {
  t = await startListeningApp();
});
afterAll(async () => t?.close());

describe('the course page after buying', () => {
  it('says 你已购买 and offers 去学习, never a buy button, and is never cached', async () => {
    const { agent, course } = await paidPurchase(t);

    const page = await agent.get(`/courses/${course.slug}`);

    expect(page.headers['cache-control']).toBe('private, no-store');
    expect(page.text).toContain('你已购买');
    expect(page.text).toContain('去学习');
    expect(page.text).not.toContain('购买课程');
    expect(page.text).not.toContain('action="/orders"');
  });

  it('sends every page of a logged-in learner with Cache-Control: private, no-store', async () => {
    const { agent } = await signedInLearner(t);

    const pages = await Promise.all(['/', '/me/courses', '/me/orders', '/me/account'].map((p) => agent.get(p)));

    expect(pages.map((p) => p.headers['cache-control'])).toEqual(Array(4).fill('private, no-store'));
  });

  it('offers a visitor inside WeChat one-tap WeChat login on 登录后购买, and password login beside it', async () => {
    const course = await createCourseWithLessons(t.db, 1, { priceFen: 1990 });

    const page = await request(t.baseUrl).get(`/courses/${course.slug}`).set('User-Agent', WECHAT_UA);
    const desktop = await request(t.baseUrl).get(`/courses/${course.slug}`);

    expect(page.text).toContain(`href="/auth/wechat?next=${encodeURIComponent(`/courses/${course.slug}`)}" data-testid="login-to-buy"`);
    expect(page.text).toContain('用账号密码登录');
    expect(desktop.text).toContain(`href="/login?next=${encodeURIComponent(`/courses/${course.slug}`)}" data-testid="login-to-buy"`);
  });
});
