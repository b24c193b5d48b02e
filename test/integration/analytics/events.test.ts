import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browser } from '../../support/forms.js';
import { createCourseWithLessons, grantAccess, signedIn } from '../../support/catalog-factories.js';
import { startTestApp, type TestApp } from '../../support/test-app.js';
import { startListeningApp, type ListeningApp } from '../../support/listening-app.js';
import { payAtSandbox, tick } from '../../support/wechat-pay.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ ANALYTICS_FLUSH_MS: '3600000', ANALYTICS_BATCH_SIZE: '1000' });
});
afterAll(async () => t.close());

const eventsOf = (where: Record<string, unknown>) => t.db('analytics_events').where(where).orderBy('id');
const eventsIn = (app: { db: TestApp['db'] }, where: Record<string, unknown>) => app.db('analytics_events').where(where).orderBy('id');
const cookiesOf = (res: request.Response) => (res.headers['set-cookie'] as unknown as string[] | undefined ?? []).map((c) => c.split(';')[0]!).join('; ');

describe('behaviour events', () => {
  it('records a course view, a lesson open and a study beacon with who, what and the user-agent class', async () => {
    const course = await createCourseWithLessons(t.db, 2);
    const learner = await signedIn(t.app, t.db);
    await grantAccess(t.db, learner.user.id, course.id);
    const lesson = course.lessons[0]!.id;

    await learner.agent.get(`/courses/${course.slug}`).set('User-Agent', 'Mozilla/5.0 (iPhone) Mobile MicroMessenger/8.0');
    await learner.agent.get(`/courses/${course.slug}/lessons/${lesson}`);
    t.clock.advance(15_000);
    await learner.agent.post(`/api/lessons/${lesson}/activity`).type('form').send({ _csrf: learner.csrf });
    await t.flushEvents();

    const rows = (await eventsOf({ user_id: learner.user.id })).filter((r) => r.type !== 'page_view');
    expect(rows.map((r) => [r.type, r.course_id, r.lesson_id])).toEqual([
      ['course_view', course.id, null],
      ['lesson_open', course.id, lesson],
      ['study_heartbeat', course.id, lesson],
    ]);
    expect(rows[0]).toMatchObject({ ua_class: 'wechat_phone', source: 'direct' });
    expect(rows[1].ua_class).toBe('desktop');
  });

  it('attributes a visit from the Official Account menu, keeps it as the last touch, and stores first and last touch per visitor', async () => {
    const course = await createCourseWithLessons(t.db, 1);
    const first = await request(t.app).get(`/courses/${course.slug}?utm_source=wechat_oa&utm_medium=menu`);
    const cookie = cookiesOf(first);
    await request(t.app).get('/').set('Cookie', cookie);
    const fromArticle = await request(t.app).get(`/courses/${course.slug}?utm_source=wechat_oa&utm_medium=article&utm_campaign=spring`).set('Cookie', cookie);
    await t.flushEvents();

    const visitor = /zf_vid=([^;]+)/.exec(cookie)![1]!;
    const rows = await eventsOf({ visitor_id: visitor });
    expect(rows.map((r) => [r.type, r.source, r.first_source])).toEqual([
      ['course_view', 'menu', 'menu'],
      ['page_view', 'menu', 'menu'],
      ['course_view', 'article', 'menu'],
    ]);
    expect(rows[2].campaign).toBe('spring');
    expect(cookiesOf(fromArticle)).toContain('zf_lt=');
    expect(cookiesOf(fromArticle)).not.toContain('zf_ft=');
    expect(await t.db('analytics_visitors').where({ visitor_id: visitor }).first()).toMatchObject({ first_source: 'menu', last_source: 'article' });
    const visits = await t.db('analytics_daily').where({ type: 'visit', course_id: course.id }).orderBy('source');
    expect(visits.map((v) => [v.source, v.events])).toEqual([
      ['article', 1],
      ['menu', 1],
    ]);
  });

  it('does not track bots', async () => {
    const course = await createCourseWithLessons(t.db, 1);
    const before = (await t.db('analytics_events').count({ n: '*' }).first())!.n;
    const res = await request(t.app).get(`/courses/${course.slug}`).set('User-Agent', 'Baiduspider/2.0');
    await t.flushEvents();
    expect(res.status).toBe(200);
    expect(res.headers['set-cookie']).toBeUndefined();
    expect((await t.db('analytics_events').count({ n: '*' }).first())!.n).toBe(before);
  });

  it('records a share from the course page’s beacon', async () => {
    const course = await createCourseWithLessons(t.db, 1);
    const learner = await signedIn(t.app, t.db);
    const res = await learner.agent.post('/api/share').type('form').send({ _csrf: learner.csrf, course_id: String(course.id) });
    const bad = await learner.agent.post('/api/share').type('form').send({ _csrf: learner.csrf, course_id: 'x' });
    await t.flushEvents();
    expect(res.status).toBe(204);
    expect(bad.status).toBe(400);
    expect(await eventsOf({ user_id: learner.user.id, type: 'share' })).toHaveLength(1);
  });
});

describe('the event buffer', () => {
  it('writes everything waiting on graceful shutdown', async () => {
    const own = await startTestApp({ ANALYTICS_FLUSH_MS: '3600000', ANALYTICS_BATCH_SIZE: '1000' });
    const course = await createCourseWithLessons(own.db, 1);
    const visitor = browser(own.app);
    for (let i = 0; i < 30; i++) await visitor.get(`/courses/${course.slug}`);
    expect(await own.db('analytics_events').count({ n: '*' }).first()).toMatchObject({ n: 0 });
    await own.flushEvents();
    expect(Number((await own.db('analytics_events').where({ type: 'course_view' }).count({ n: '*' }).first())!.n)).toBe(30);
    await own.close();
  });

  it('still renders pages when events cannot be written, and writes them once the table is back', async () => {
    const own = await startTestApp({ ANALYTICS_FLUSH_MS: '3600000', ANALYTICS_BATCH_SIZE: '1000' });
    const course = await createCourseWithLessons(own.db, 1);
    await own.db.schema.renameTable('analytics_events', 'analytics_events_away');

    const res = await browser(own.app).get(`/courses/${course.slug}`);
    await own.flushEvents();
    await own.db.schema.renameTable('analytics_events_away', 'analytics_events');
    await own.flushEvents();

    expect(res.status).toBe(200);
    expect(await own.db('analytics_events').where({ type: 'course_view', course_id: course.id })).toHaveLength(1);
    await own.close();
  });
});

describe('attribution through a payment', () => {
  let l: ListeningApp;
  beforeAll(async () => {
    l = await startListeningApp({ ANALYTICS_FLUSH_MS: '3600000', ANALYTICS_BATCH_SIZE: '1000' });
  });
  afterAll(async () => l.close());

  it('attributes a share chain: A shares, B arrives with A’s code and orders', async () => {
    const course = await createCourseWithLessons(l.db, 1, { priceFen: 5000 });
    const a = await signedIn(l.app, l.db);
    const page = await a.agent.get(`/courses/${course.slug}`);
    const link = /id="share-link" readonly value="([^"]+)"/.exec(page.text)![1]!;
    const code = new URL(link).searchParams.get('s')!;
    const b = await signedIn(l.app, l.db);

    await b.agent.get(`/courses/${course.slug}?s=${code}`);
    const order = await b.agent.post('/orders').type('form').send({ _csrf: b.csrf, course_id: String(course.id) });
    const outTradeNo = order.headers.location!.split('/').pop()!;
    await payAtSandbox(l, outTradeNo);
    await tick(l);
    await l.flushEvents();

    expect(order.status).toBe(303);
    expect(code).toMatch(/^[A-Za-z0-9_-]{8}$/);
    expect(link).not.toContain(String(a.user.id) + '&');
    const created = (await eventsIn(l, { user_id: b.user.id, type: 'order_created' }))[0];
    expect(created).toMatchObject({ source: 'share', sharer_id: a.user.id, course_id: course.id });
    expect(created.order_id).toBe((await l.db('orders').where({ user_id: b.user.id }).first()).id);
    expect(await eventsIn(l, { user_id: b.user.id, type: 'order_paid' })).toHaveLength(1);
    const again = await a.agent.get(`/courses/${course.slug}`);
    expect(again.text).toContain(`?s=${code}"`);
  });

});
