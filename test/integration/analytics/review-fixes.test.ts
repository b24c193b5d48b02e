import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browser, csrfFrom, logIn } from '../../support/forms.js';
import { createCourseWithLessons, grantAccess, signedIn } from '../../support/catalog-factories.js';
import { createUser } from '../../support/factories.js';
import { startTestApp, type TestApp } from '../../support/test-app.js';
import { parseRange } from '../../../src/modules/analytics/dashboard-service.js';
import { segmentOf } from '../../../src/modules/analytics/segments.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ ANALYTICS_FLUSH_MS: '3600000', ANALYTICS_BATCH_SIZE: '1000', LOGIN_RATE_LIMIT: '3' });
});
afterAll(async () => t.close());

describe('tracking that cannot break or mislead', () => {
  it('ignores a malformed tracking cookie instead of failing the page', async () => {
    const course = await createCourseWithLessons(t.db, 1);
    for (const path of ['/', `/courses/${course.slug}`, '/privacy']) {
      const res = await request(t.app).get(path).set('Cookie', 'zf_vid=%E0%A4%A; zf_lt=%ZZ; zf_ft=menu|x|y|z|abc');
      expect(res.status).toBe(200);
    }
  });

  it('counts a direct visit once per 30 minutes, under direct', async () => {
    const course = await createCourseWithLessons(t.db, 1);
    const visitor = browser(t.app);
    await visitor.get(`/courses/${course.slug}`);
    await visitor.get(`/courses/${course.slug}`);
    await t.flushEvents();
    expect(await t.db('analytics_daily').where({ type: 'visit', source: 'direct', course_id: course.id }).first()).toMatchObject({ events: 1 });
  });

  it('counts one viewer for a course seen before and after logging in on the same browser', async () => {
    const course = await createCourseWithLessons(t.db, 1);
    const user = await createUser(t.db);
    const agent = browser(t.app);
    await agent.get(`/courses/${course.slug}`);
    await logIn(agent, user.username, user.password);
    await agent.get(`/courses/${course.slug}`);
    await t.flushEvents();
    expect(await t.db('analytics_daily_actors').where({ type: 'course_view', course_id: course.id })).toHaveLength(1);
  });

  it('does not credit a learner for buying through their own share link', async () => {
    const course = await createCourseWithLessons(t.db, 1);
    const a = await signedIn(t.app, t.db);
    const code = /\?s=([A-Za-z0-9_-]+)"/.exec((await a.agent.get(`/courses/${course.slug}`)).text)![1]!;
    await a.agent.get(`/courses/${course.slug}?s=${code}`);
    await t.flushEvents();
    const [orderId] = await t.db('orders').insert({ out_trade_no: `ZFOWN${Date.now() % 1e6}`, user_id: a.user.id, course_id: course.id, amount_fen: 100, description: 'x', channel: 'native', status: 'paid', refunded_fen: 0, expires_at: new Date(), paid_at: new Date(), created_at: new Date(), updated_at: new Date() });
    await t.db('analytics_events').insert({ occurred_at: new Date(), type: 'order_created', user_id: a.user.id, order_id: orderId, course_id: course.id, source: 'share', sharer_id: a.user.id, ua_class: 'desktop', referrer_class: 'none' });
    const admin = await signedIn(t.app, t.db, 'admin');
    const csv = (await admin.agent.get('/admin/dashboard/export.csv?table=sharers')).text;
    expect(csv).not.toContain(a.user.username);
  });
});

describe('我的数据 on a shared browser', () => {
  it('exports and erases only what the person did, not what someone else did on the same phone', async () => {
    const course = await createCourseWithLessons(t.db, 1);
    const eve = await createUser(t.db);
    const grace = await createUser(t.db);
    const phone = browser(t.app);
    await logIn(phone, eve.username, eve.password);
    await phone.get(`/courses/${course.slug}?utm_source=wechat_oa&utm_medium=article`);
    await phone.post('/logout').type('form').send({ _csrf: csrfFrom((await phone.get('/me/account')).text) });
    await logIn(phone, grace.username, grace.password);
    await t.flushEvents();

    const exported = JSON.parse((await phone.get('/me/privacy/export')).text);
    expect(exported.analytics.events.filter((e: { type: string }) => e.type === 'course_view')).toHaveLength(0);
    expect(exported.profile.created_at).toMatch(/^\d{4}-\d{2}-\d{2}T/);

    const page = await phone.get('/me/privacy');
    const erased = await phone.post('/me/privacy/erase').type('form').send({ _csrf: csrfFrom(page.text), password: grace.password });
    expect(erased.status).toBe(303);
    expect(String(erased.headers['set-cookie'])).toMatch(/zf_vid=;.*Expires=Thu, 01 Jan 1970/);
    expect(await t.db('analytics_events').where({ user_id: eve.id, type: 'course_view', course_id: course.id })).toHaveLength(1);
  });

  it('keeps the learner’s order events, anonymous, so sources still add up to revenue', async () => {
    const course = await createCourseWithLessons(t.db, 1);
    const buyer = await signedIn(t.app, t.db);
    await grantAccess(t.db, buyer.user.id, course.id);
    await t.db('analytics_events').insert({ occurred_at: new Date(), type: 'order_created', user_id: buyer.user.id, visitor_id: 'buyervisitor00001', order_id: 1, course_id: course.id, source: 'menu', ua_class: 'desktop', referrer_class: 'none' });
    const page = await buyer.agent.get('/me/privacy');
    await buyer.agent.post('/me/privacy/erase').type('form').send({ _csrf: csrfFrom(page.text), password: buyer.user.password });
    expect(await t.db('analytics_events').where({ type: 'order_created', course_id: course.id }).first()).toMatchObject({ user_id: null, visitor_id: null, source: 'menu' });
  });

  it('limits wrong passwords on 注销账号 like failed logins', async () => {
    const learner = await signedIn(t.app, t.db);
    const page = await learner.agent.get('/me/privacy');
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await learner.agent.post('/me/privacy/erase').type('form').send({ _csrf: csrfFrom(page.text), password: 'guess' })).status);
    expect(statuses).toEqual([403, 403, 403, 429]);
  });
});

describe('dashboard filters and segments', () => {
  const now = new Date('2026-12-10T04:00:00Z');
  it('reads only a start as up to today, only an end as the 30 days before it, and shortens a long range with a message', () => {
    expect(parseRange('2026-12-01', '', now).range).toMatchObject({ fromDay: '2026-12-01', toDay: '2026-12-10' });
    expect(parseRange('', '2026-11-30', now).range).toMatchObject({ fromDay: '2026-11-01', toDay: '2026-11-30' });
    const long = parseRange('2020-01-01', '2026-12-10', now);
    expect(long.range).toMatchObject({ fromDay: '2025-12-10', toDay: '2026-12-10' });
    expect(long.problem).toBe('时间范围最长 366 天，已显示 2025-12-10 至 2026-12-10');
  });

  it('calls a new learner who is already studying 活跃, and one who has not started 新学员', () => {
    const since = new Date(now.getTime() - 86_400_000);
    expect(segmentOf({ userId: 1, since, lastActive: now, seconds: 600, completion: 1, courses: 1 }, now)).toBe('active');
    expect(segmentOf({ userId: 2, since, lastActive: null, seconds: 0, completion: 0, courses: 1 }, now)).toBe('new');
  });
});
