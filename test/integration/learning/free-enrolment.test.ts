import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCourse } from '../../support/factories.js';
import { browser } from '../../support/forms.js';
import { createCourseWithLessons, csrfOf, signedIn } from '../../support/catalog-factories.js';
import { startTestApp, type TestApp } from '../../support/test-app.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => t.close());

const entitlementsOf = (courseId: number) => t.db('access_grants').where({ course_id: courseId });

describe('enrolling in a free course', () => {
  it('grants access with source free and sends the learner to the first lesson', async () => {
    const course = await createCourseWithLessons(t.db, 2, { priceFen: 0 });
    const learner = await signedIn(t.app, t.db);

    const res = await learner.agent.post(`/courses/${course.slug}/enrol`).type('form').send({ _csrf: learner.csrf });

    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`/courses/${course.slug}/lessons/${course.lessons[0]!.id}`);
    const rows = await entitlementsOf(course.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ user_id: learner.user.id, source: 'free', revoked_at: null });
    const lesson = await learner.agent.get(res.headers.location!);
    expect(lesson.status).toBe(200);
    expect(lesson.text).toContain('已加入学习，开始第一课吧');
    expect(lesson.text).toContain(course.lessons[0]!.bodyMd);
  });

  it('offers the one-click form on the course page to a signed-in learner, and login to a visitor', async () => {
    const course = await createCourseWithLessons(t.db, 1, { priceFen: 0 });
    const learner = await signedIn(t.app, t.db);

    const signedInPage = await learner.agent.get(`/courses/${course.slug}`);
    const visitorPage = await browser(t.app).get(`/courses/${course.slug}`);

    expect(signedInPage.text).toContain(`action="/courses/${course.slug}/enrol"`);
    expect(signedInPage.text).toContain('免费加入学习');
    expect(visitorPage.text).not.toContain(`action="/courses/${course.slug}/enrol"`);
    expect(visitorPage.text).toContain(`href="/login?next=${encodeURIComponent(`/courses/${course.slug}`)}">登录后免费学习`);
  });

  it('leaves one row when the learner enrols twice, and says they are already enrolled', async () => {
    const course = await createCourseWithLessons(t.db, 1, { priceFen: 0 });
    const learner = await signedIn(t.app, t.db);

    await learner.agent.post(`/courses/${course.slug}/enrol`).type('form').send({ _csrf: learner.csrf });
    const second = await learner.agent.post(`/courses/${course.slug}/enrol`).type('form').send({ _csrf: learner.csrf });

    expect(second.status).toBe(303);
    expect(await entitlementsOf(course.id)).toHaveLength(1);
    expect((await learner.agent.get(second.headers.location!)).text).toContain('你已经在学习这门课程');
  });

  it('leaves one row when a double click sends two enrolments at once', async () => {
    const course = await createCourseWithLessons(t.db, 1, { priceFen: 0 });
    const learner = await signedIn(t.app, t.db);

    const replies = await Promise.all([0, 1].map(() => learner.agent.post(`/courses/${course.slug}/enrol`).type('form').send({ _csrf: learner.csrf })));

    expect(replies.map((r) => r.status)).toEqual([303, 303]);
    expect(await entitlementsOf(course.id)).toHaveLength(1);
  });

  it('refuses a paid course with 409 and a Chinese message, granting nothing', async () => {
    const course = await createCourseWithLessons(t.db, 1, { priceFen: 9900 });
    const learner = await signedIn(t.app, t.db);

    const res = await learner.agent.post(`/courses/${course.slug}/enrol`).type('form').send({ _csrf: learner.csrf });

    expect(res.status).toBe(409);
    expect(res.text).toContain('这门课程需要购买后学习');
    expect(await entitlementsOf(course.id)).toHaveLength(0);
  });

  it('refuses a draft course with 404, granting nothing', async () => {
    const course = await createCourse(t.db, { priceFen: 0, status: 'draft' });
    const learner = await signedIn(t.app, t.db);

    const res = await learner.agent.post(`/courses/${course.slug}/enrol`).type('form').send({ _csrf: learner.csrf });

    expect(res.status).toBe(404);
    expect(await entitlementsOf(course.id)).toHaveLength(0);
  });

  it('asks a visitor to log in (401), granting nothing', async () => {
    const course = await createCourseWithLessons(t.db, 1, { priceFen: 0 });
    const visitor = browser(t.app);
    const csrf = await csrfOf(visitor); // a real token, so it is the login check that refuses

    const res = await visitor.post(`/courses/${course.slug}/enrol`).type('form').send({ _csrf: csrf });

    expect(res.status).toBe(401);
    expect(res.text).toContain('请先登录');
    expect(await entitlementsOf(course.id)).toHaveLength(0);
  });

  it('refuses an enrolment without the CSRF token with 403, granting nothing', async () => {
    const course = await createCourseWithLessons(t.db, 1, { priceFen: 0 });
    const learner = await signedIn(t.app, t.db);

    const missing = await learner.agent.post(`/courses/${course.slug}/enrol`).type('form').send({});
    const forged = await learner.agent.post(`/courses/${course.slug}/enrol`).type('form').send({ _csrf: 'forged' });

    expect(missing.status).toBe(403);
    expect(forged.status).toBe(403);
    expect(missing.text).toContain('页面已过期或表单无效');
    expect(await entitlementsOf(course.id)).toHaveLength(0);
  });

  it('lists the course under my courses afterwards', async () => {
    const course = await createCourseWithLessons(t.db, 3, { priceFen: 0, title: '免费的 CSS 课' });
    const learner = await signedIn(t.app, t.db);

    await learner.agent.post(`/courses/${course.slug}/enrol`).type('form').send({ _csrf: learner.csrf });
    const mine = await learner.agent.get('/me/courses');

    expect(mine.text).toContain('免费的 CSS 课');
    expect(mine.text).toContain('0/3 课');
  });
});
