import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCourse } from '../../support/factories.js';
import { createLesson, grantAccess, signedIn } from '../../support/catalog-factories.js';
import { startTestApp, type TestApp } from '../../support/test-app.js';

let t: TestApp;
type Who = 'anonymous' | 'learner' | 'entitled' | 'admin';
const agents = {} as Record<Who, ReturnType<typeof request.agent> | ReturnType<typeof request>>;

const FREE_BODY = 'FREE-PREVIEW-BODY-a71c3e';
const LOCKED_BODY = 'LOCKED-BODY-9d0b44';
const DRAFT_BODY = 'DRAFT-BODY-5e2f18';
let course: { id: number; slug: string; title: string };
let freeLesson: { id: number; title: string };
let lockedLesson: { id: number; title: string };
let draft: { id: number; slug: string; title: string };
let draftLesson: { id: number; title: string };

beforeAll(async () => {
  t = await startTestApp();
  course = await createCourse(t.db, { slug: 'paid-course', title: '付费课程', priceFen: 9900 });
  freeLesson = await createLesson(t.db, course.id, { title: '试看：开篇', bodyMd: `开篇内容 ${FREE_BODY}`, isFreePreview: true });
  lockedLesson = await createLesson(t.db, course.id, { title: '进阶：闭包', bodyMd: `闭包内容 ${LOCKED_BODY}` });
  draft = await createCourse(t.db, { slug: 'draft-course', title: '还在写的课程', status: 'draft', priceFen: 0 });
  draftLesson = await createLesson(t.db, draft.id, { title: '草稿课时', bodyMd: `草稿内容 ${DRAFT_BODY}`, isFreePreview: true });

  agents.anonymous = request(t.app);
  agents.learner = (await signedIn(t.app, t.db)).agent;
  const entitled = await signedIn(t.app, t.db);
  await grantAccess(t.db, entitled.user.id, course.id, 'purchase');
  await grantAccess(t.db, entitled.user.id, draft.id, 'admin_grant');
  agents.entitled = entitled.agent;
  agents.admin = (await signedIn(t.app, t.db, 'admin')).agent;
});
afterAll(async () => t.close());

const lessonUrl = (slug: string, id: number) => `/courses/${slug}/lessons/${id}`;

describe('who may open which lesson of a published course', () => {
  it.each<[Who, 'free' | 'locked', 200 | 403]>([
    ['anonymous', 'free', 200],
    ['anonymous', 'locked', 403],
    ['learner', 'free', 200],
    ['learner', 'locked', 403],
    ['entitled', 'free', 200],
    ['entitled', 'locked', 200],
    ['admin', 'free', 200],
    ['admin', 'locked', 200],
  ])('%s opening the %s lesson gets %i', async (who, which, status) => {
    const lesson = which === 'free' ? freeLesson : lockedLesson;
    const body = which === 'free' ? FREE_BODY : LOCKED_BODY;

    const res = await agents[who].get(lessonUrl(course.slug, lesson.id));

    expect(res.status).toBe(status);
    expect(res.text).toContain(lesson.title);
    if (status === 200) expect(res.text).toContain(body);
    else expect(res.text).not.toContain(body);
  });

  it('shows a locked lesson to a visitor as a page leading to login and to the course, without its body', async () => {
    const res = await agents.anonymous.get(lessonUrl(course.slug, lockedLesson.id));

    expect(res.status).toBe(403);
    expect(res.text).toContain('购买课程后即可学习');
    expect(res.text).toContain(`href="/login?next=${encodeURIComponent('/courses/paid-course')}"`);
    expect(res.text).toContain('href="/courses/paid-course">查看课程（¥99.00）</a>');
    expect(res.text).not.toContain(LOCKED_BODY);
    expect(res.text).not.toContain('闭包内容');
  });

  it('shows a locked lesson to a signed-in learner as a page leading to the purchase, without its body', async () => {
    const res = await agents.learner.get(lessonUrl(course.slug, lockedLesson.id));

    expect(res.status).toBe(403);
    expect(res.text).toContain('href="/courses/paid-course">查看课程（¥99.00）</a>');
    expect(res.text).not.toContain('/login?next=');
    expect(res.text).not.toContain(LOCKED_BODY);
  });

  it('shows a locked lesson of a free course as a page leading to the free enrolment', async () => {
    const free = await createCourse(t.db, { slug: 'free-locked', priceFen: 0 });
    const lesson = await createLesson(t.db, free.id, { bodyMd: 'FREE-COURSE-BODY-31aa' });

    const res = await agents.learner.get(lessonUrl(free.slug, lesson.id));

    expect(res.status).toBe(403);
    expect(res.text).toContain('加入课程后即可学习');
    expect(res.text).toContain('href="/courses/free-locked">免费加入学习</a>');
    expect(res.text).not.toContain('FREE-COURSE-BODY-31aa');
  });

  it('never lets a lesson be reached through another course’s address', async () => {
    const free = await createCourse(t.db, { slug: 'open-course', priceFen: 0 });
    await createLesson(t.db, free.id, { isFreePreview: true });

    const res = await agents.learner.get(lessonUrl(free.slug, lockedLesson.id));

    expect(res.status).toBe(404);
    expect(res.text).not.toContain(LOCKED_BODY);
  });

  it('answers 404 for a lesson id that is not a number or does not exist', async () => {
    expect((await agents.entitled.get(`/courses/${course.slug}/lessons/abc`)).status).toBe(404);
    expect((await agents.entitled.get(`/courses/${course.slug}/lessons/99999999`)).status).toBe(404);
  });
});

describe('pages that list lessons never carry a lesson body', () => {
  it.each<Who>(['anonymous', 'learner', 'entitled', 'admin'])('the course page and its outline, seen by %s', async (who) => {
    const res = await agents[who].get(`/courses/${course.slug}`);

    expect(res.status).toBe(200);
    expect(res.text).toContain(freeLesson.title);
    expect(res.text).toContain(lockedLesson.title);
    expect(res.text).not.toContain(FREE_BODY);
    expect(res.text).not.toContain(LOCKED_BODY);
  });

  it('my courses, for a learner who has opened both lessons', async () => {
    await agents.entitled.get(lessonUrl(course.slug, freeLesson.id));
    await agents.entitled.get(lessonUrl(course.slug, lockedLesson.id));

    const res = await agents.entitled.get('/me/courses');

    expect(res.status).toBe(200);
    expect(res.text).toContain(course.title);
    expect(res.text).not.toContain(FREE_BODY);
    expect(res.text).not.toContain(LOCKED_BODY);
  });

  it('the admin course page', async () => {
    const res = await agents.admin.get(`/admin/courses/${course.id}`);

    expect(res.status).toBe(200);
    expect(res.text).toContain(lockedLesson.title);
    expect(res.text).not.toContain(FREE_BODY);
    expect(res.text).not.toContain(LOCKED_BODY);
  });
});

describe('a draft course', () => {
  it('stays open to a learner who owns it, as a course the creator takes down keeps serving its buyers', async () => {
    const page = await agents.entitled.get(`/courses/${draft.slug}`);
    const lesson = await agents.entitled.get(lessonUrl(draft.slug, draftLesson.id));

    expect(page.status).toBe(200);
    expect(lesson.status).toBe(200);
    expect(lesson.text).toContain(DRAFT_BODY);
  });

  it.each<Who>(['anonymous', 'learner'])('is not found by %s, neither its page nor its lessons, free preview or not', async (who) => {
    const page = await agents[who].get(`/courses/${draft.slug}`);
    const lesson = await agents[who].get(lessonUrl(draft.slug, draftLesson.id));

    expect(page.status).toBe(404);
    expect(page.text).not.toContain(draft.title);
    expect(lesson.status).toBe(404);
    expect(lesson.text).not.toContain(DRAFT_BODY);
    expect(lesson.text).not.toContain(draftLesson.title);
  });

  it('is shown to an admin with a 草稿 banner on the course page and on its lessons', async () => {
    const page = await agents.admin.get(`/courses/${draft.slug}`);
    const lesson = await agents.admin.get(lessonUrl(draft.slug, draftLesson.id));

    expect(page.status).toBe(200);
    expect(page.text).toContain('草稿预览：学员还看不到这门课程');
    expect(lesson.status).toBe(200);
    expect(lesson.text).toContain('草稿预览：学员还看不到这门课程');
    expect(lesson.text).toContain(DRAFT_BODY);
  });

  it('has no draft banner once it is published', async () => {
    const res = await agents.admin.get(lessonUrl(course.slug, lockedLesson.id));

    expect(res.text).not.toContain('草稿预览');
  });
});

describe('revoking an entitlement', () => {
  it('locks the lessons again for that learner', async () => {
    const learner = await signedIn(t.app, t.db);
    const admin = await signedIn(t.app, t.db, 'admin');
    await grantAccess(t.db, learner.user.id, course.id, 'admin_grant');
    const before = await learner.agent.get(lessonUrl(course.slug, lockedLesson.id));

    const revoke = await admin.agent.post(`/admin/courses/${course.id}/grants/${learner.user.id}/revoke`).type('form').send({ _csrf: admin.csrf, confirmed: 'yes' });
    const after = await learner.agent.get(lessonUrl(course.slug, lockedLesson.id));

    expect(before.status).toBe(200);
    expect(revoke.status).toBe(303);
    expect(after.status).toBe(403);
    expect(after.text).not.toContain(LOCKED_BODY);
    const mine = (await learner.agent.get('/me/courses')).text;
    expect(mine).not.toContain(`<h2 class="course-title">${course.title}</h2>`);
    // It says why the course left the list instead of dropping it silently.
    expect(mine).toContain('不再可学的课程');
    expect(mine).toContain('课程作者收回了学习权限');
  });
});
