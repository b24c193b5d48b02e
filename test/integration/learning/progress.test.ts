import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toDate } from '../../../src/platform/db/index.js';
import { browser } from '../../support/forms.js';
import { createCourseWithLessons, createLesson, csrfOf, grantAccess, signedIn } from '../../support/catalog-factories.js';
import { startTestApp, type TestApp } from '../../support/test-app.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => t.close());

/** A published paid course with three lessons and a learner who bought it. */
async function enrolledLearner() {
  const course = await createCourseWithLessons(t.db, 3, { priceFen: 9900 });
  const learner = await signedIn(t.app, t.db);
  await grantAccess(t.db, learner.user.id, course.id, 'purchase');
  const url = (i: number) => `/courses/${course.slug}/lessons/${course.lessons[i]!.id}`;
  return { course, learner, url };
}

const progressRow = (userId: number, lessonId: number) => t.db('lesson_progress').where({ user_id: userId, lesson_id: lessonId }).first();

describe('opening lessons', () => {
  it('records the first and the last opening of a lesson', async () => {
    const { course, learner, url } = await enrolledLearner();
    const firstAt = t.clock.now();

    await learner.agent.get(url(0));
    t.clock.advance(60_000);
    await learner.agent.get(url(0));

    const row = await progressRow(learner.user.id, course.lessons[0]!.id);
    expect(row).toMatchObject({ course_id: course.id, seconds_studied: 0, completed_at: null });
    expect(toDate(row.first_opened_at)).toEqual(firstAt);
    expect(toDate(row.last_opened_at)).toEqual(new Date(firstAt.getTime() + 60_000));
  });

  it('records nothing for a visitor reading a free preview', async () => {
    const course = await createCourseWithLessons(t.db, 0);
    const lesson = await createLesson(t.db, course.id, { isFreePreview: true });

    const res = await request(t.app).get(`/courses/${course.slug}/lessons/${lesson.id}`);

    expect(res.status).toBe(200);
    expect(await t.db('lesson_progress').where({ lesson_id: lesson.id })).toHaveLength(0);
  });

  it('records nothing when a learner is shown the locked page', async () => {
    const course = await createCourseWithLessons(t.db, 1);
    const learner = await signedIn(t.app, t.db);

    const res = await learner.agent.get(`/courses/${course.slug}/lessons/${course.lessons[0]!.id}`);

    expect(res.status).toBe(403);
    expect(await t.db('lesson_progress').where({ user_id: learner.user.id })).toHaveLength(0);
  });
});

describe('marking a lesson done', () => {
  it('sets completed_at and sends the learner to the next lesson', async () => {
    const { course, learner, url } = await enrolledLearner();
    await learner.agent.get(url(0));
    const doneAt = t.clock.now();

    const res = await learner.agent.post(`${url(0)}/done`).type('form').send({ _csrf: learner.csrf });

    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(url(1));
    const row = await progressRow(learner.user.id, course.lessons[0]!.id);
    expect(toDate(row.completed_at)).toEqual(doneAt);
    const next = await learner.agent.get(res.headers.location!);
    expect(next.text).toContain('已完成本课，继续下一课吧');
    expect(next.text).toContain('<span class="progress-text">1/3</span>');
  });

  it('keeps the first completion time when marked done again', async () => {
    const { course, learner, url } = await enrolledLearner();
    await learner.agent.post(`${url(0)}/done`).type('form').send({ _csrf: learner.csrf });
    const first = await progressRow(learner.user.id, course.lessons[0]!.id);
    t.clock.advance(3600_000);

    await learner.agent.post(`${url(0)}/done`).type('form').send({ _csrf: learner.csrf });

    const again = await progressRow(learner.user.id, course.lessons[0]!.id);
    expect(toDate(again.completed_at)).toEqual(toDate(first.completed_at));
  });

  it('sends the learner back to the course page after the last lesson', async () => {
    const { course, learner, url } = await enrolledLearner();

    const res = await learner.agent.post(`${url(2)}/done`).type('form').send({ _csrf: learner.csrf });

    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`/courses/${course.slug}`);
    expect((await learner.agent.get(res.headers.location!)).text).toContain('恭喜，你已学完最后一课');
    expect(toDate((await progressRow(learner.user.id, course.lessons[2]!.id)).completed_at)).toEqual(t.clock.now());
  });

  it('refuses a learner without access, recording nothing', async () => {
    const course = await createCourseWithLessons(t.db, 1);
    const learner = await signedIn(t.app, t.db);

    const res = await learner.agent.post(`/courses/${course.slug}/lessons/${course.lessons[0]!.id}/done`).type('form').send({ _csrf: learner.csrf });

    expect(res.status).toBe(409);
    expect(res.text).toContain('购买或加入课程后才能记录学习进度');
    expect(await t.db('lesson_progress').where({ user_id: learner.user.id })).toHaveLength(0);
  });

  it('asks a visitor to log in', async () => {
    const course = await createCourseWithLessons(t.db, 1);
    const visitor = browser(t.app);
    const csrf = await csrfOf(visitor);

    const res = await visitor.post(`/courses/${course.slug}/lessons/${course.lessons[0]!.id}/done`).type('form').send({ _csrf: csrf });

    expect(res.status).toBe(401);
    expect(await t.db('lesson_progress').where({ lesson_id: course.lessons[0]!.id })).toHaveLength(0);
  });
});

describe('my courses', () => {
  it('shows “1/3 课” and a resume link to the lesson opened last', async () => {
    const { course, learner, url } = await enrolledLearner();
    await learner.agent.get(url(0));
    t.clock.advance(1000);
    await learner.agent.post(`${url(0)}/done`).type('form').send({ _csrf: learner.csrf });
    t.clock.advance(1000);
    await learner.agent.get(url(1));

    const res = await learner.agent.get('/me/courses');

    expect(res.status).toBe(200);
    expect(res.text).toContain(course.title);
    expect(res.text).toContain('<span class="progress-text">1/3 课</span>');
    expect(res.text).toContain(`<a href="${url(1)}" class="course-link">`);
    expect(res.text).toContain('继续学习 ›');
  });

  it('points a learner who has not started at the first lesson', async () => {
    const { course, learner, url } = await enrolledLearner();

    const res = await learner.agent.get('/me/courses');

    expect(res.text).toContain(course.title);
    expect(res.text).toContain('0/3 课');
    expect(res.text).toContain(`<a href="${url(0)}" class="course-link">`);
    expect(res.text).toContain('开始学习 ›');
  });

  it('sends a visitor to the login page', async () => {
    const res = await request(t.app).get('/me/courses');

    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`/login?next=${encodeURIComponent('/me/courses')}`);
  });
});

describe('the study-time beacon', () => {
  const beacon = (agent: ReturnType<typeof browser>, lessonId: number, csrf: string) => agent.post(`/api/lessons/${lessonId}/activity`).type('form').send({ _csrf: csrf });

  it('adds the time since the last beacon, never more than 30 seconds', async () => {
    const { course, learner, url } = await enrolledLearner();
    const lessonId = course.lessons[0]!.id;
    await learner.agent.get(url(0));

    t.clock.advance(10_000);
    const tenSeconds = await beacon(learner.agent, lessonId, learner.csrf);
    const afterTen = (await progressRow(learner.user.id, lessonId)).seconds_studied;
    t.clock.advance(5 * 3600_000);
    const fiveHours = await beacon(learner.agent, lessonId, learner.csrf);
    const afterFiveHours = (await progressRow(learner.user.id, lessonId)).seconds_studied;

    expect(tenSeconds.status).toBe(200);
    expect(tenSeconds.body).toEqual({ counted: 10 });
    expect(afterTen).toBe(10);
    expect(fiveHours.body).toEqual({ counted: 30 });
    expect(afterFiveHours).toBe(40);
  });

  it('counts nothing for a second beacon at the same moment', async () => {
    const { course, learner, url } = await enrolledLearner();
    const lessonId = course.lessons[0]!.id;
    await learner.agent.get(url(0));
    t.clock.advance(15_000);

    const replies = await Promise.all([0, 1].map(() => beacon(learner.agent, lessonId, learner.csrf)));

    expect(replies.map((r) => r.body.counted).sort()).toEqual([0, 15]);
    expect((await progressRow(learner.user.id, lessonId)).seconds_studied).toBe(15);
  });

  it('restarts the count when the lesson is opened again, so time away is not counted', async () => {
    const { course, learner, url } = await enrolledLearner();
    const lessonId = course.lessons[0]!.id;
    await learner.agent.get(url(0));
    t.clock.advance(20_000);
    await beacon(learner.agent, lessonId, learner.csrf);
    t.clock.advance(3600_000);
    await learner.agent.get(url(0));
    t.clock.advance(5_000);

    const res = await beacon(learner.agent, lessonId, learner.csrf);

    expect(res.body).toEqual({ counted: 5 });
    expect((await progressRow(learner.user.id, lessonId)).seconds_studied).toBe(25);
  });

  it('answers 404 to a learner without access and writes no row', async () => {
    const course = await createCourseWithLessons(t.db, 1);
    const learner = await signedIn(t.app, t.db);

    const res = await beacon(learner.agent, course.lessons[0]!.id, learner.csrf);

    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ code: 'LESSON_NOT_FOUND' });
    expect(await t.db('lesson_progress').where({ user_id: learner.user.id })).toHaveLength(0);
  });

  it('answers 404 for a lesson of a draft course the learner does not own, and records nothing', async () => {
    const course = await createCourseWithLessons(t.db, 1, { status: 'draft' });
    const learner = await signedIn(t.app, t.db);

    const res = await beacon(learner.agent, course.lessons[0]!.id, learner.csrf);

    expect(res.status).toBe(404);
    expect(await t.db('lesson_progress').where({ user_id: learner.user.id })).toHaveLength(0);
  });

  it('answers 404 for a free preview of a draft course, and records nothing', async () => {
    const course = await createCourseWithLessons(t.db, 0, { status: 'draft' });
    const preview = await createLesson(t.db, course.id, { isFreePreview: true });
    const learner = await signedIn(t.app, t.db);

    const res = await beacon(learner.agent, preview.id, learner.csrf);

    expect(res.status).toBe(404);
    expect(await t.db('lesson_progress').where({ lesson_id: preview.id })).toHaveLength(0);
  });

  it('keeps counting for a learner who owns a course the creator has taken down', async () => {
    const course = await createCourseWithLessons(t.db, 1, { status: 'draft' });
    const learner = await signedIn(t.app, t.db);
    await grantAccess(t.db, learner.user.id, course.id);
    await learner.agent.get(`/courses/${course.slug}/lessons/${course.lessons[0]!.id}`);
    t.clock.advance(12_000);

    const res = await beacon(learner.agent, course.lessons[0]!.id, learner.csrf);

    expect(res.status).toBe(200);
    expect((await progressRow(learner.user.id, course.lessons[0]!.id)).seconds_studied).toBe(12);
  });

  it('answers 404 for a lesson that does not exist', async () => {
    const learner = await signedIn(t.app, t.db);

    const res = await beacon(learner.agent, 99999999, learner.csrf);

    expect(res.status).toBe(404);
    expect(await t.db('lesson_progress').where({ user_id: learner.user.id })).toHaveLength(0);
  });

  it('answers 401 in JSON to a visitor and writes no row', async () => {
    const course = await createCourseWithLessons(t.db, 0);
    const lesson = await createLesson(t.db, course.id, { isFreePreview: true });
    const visitor = browser(t.app);
    const csrf = await csrfOf(visitor);

    const res = await beacon(visitor, lesson.id, csrf);

    expect(res.status).toBe(401);
    expect(res.body).toEqual({ code: 'LOGIN_REQUIRED', message: '请先登录' });
    expect(await t.db('lesson_progress').where({ lesson_id: lesson.id })).toHaveLength(0);
  });

  it('refuses a beacon without the CSRF token', async () => {
    const { course, learner, url } = await enrolledLearner();
    await learner.agent.get(url(0));
    t.clock.advance(10_000);

    const res = await learner.agent.post(`/api/lessons/${course.lessons[0]!.id}/activity`).type('form').send({});

    expect(res.status).toBe(403);
    expect((await progressRow(learner.user.id, course.lessons[0]!.id)).seconds_studied).toBe(0);
  });
});
