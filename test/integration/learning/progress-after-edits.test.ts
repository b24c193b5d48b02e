import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { courseFields, createCourseWithLessons, grantAccess, lessonFields, postMultipart, signedIn } from '../../support/catalog-factories.js';
import { startTestApp, type TestApp } from '../../support/test-app.js';

let t: TestApp;
let admin: Awaited<ReturnType<typeof signedIn>>;
beforeAll(async () => {
  t = await startTestApp();
  admin = await signedIn(t.app, t.db, 'admin');
});
afterAll(async () => t.close());

/** A published three-lesson course; the learner finished lesson 1 and is now reading lesson 2. */
async function learnerHalfwayThrough() {
  const course = await createCourseWithLessons(t.db, 3, { priceFen: 9900, title: '原来的标题' });
  const learner = await signedIn(t.app, t.db);
  await grantAccess(t.db, learner.user.id, course.id, 'purchase');
  const [a, b, c] = course.lessons as [typeof course.lessons[0], typeof course.lessons[0], typeof course.lessons[0]];
  const url = (id: number) => `/courses/${course.slug}/lessons/${id}`;
  await learner.agent.get(url(a.id));
  t.clock.advance(1000);
  await learner.agent.post(`${url(a.id)}/done`).type('form').send({ _csrf: learner.csrf });
  t.clock.advance(1000);
  await learner.agent.get(url(b.id));
  t.clock.advance(1000);
  const progress = () => t.db('lesson_progress').where({ user_id: learner.user.id }).orderBy('id');
  return { course, learner, a, b, c, url, progress };
}

const adminPost = (url: string, fields: Record<string, string>) => admin.agent.post(url).type('form').send({ _csrf: admin.csrf, ...fields });

describe('editing a published course that learners are studying', () => {
  it('keeps their progress rows and completed lessons through title, price, text, order and new-lesson changes', async () => {
    const { course, learner, a, b, c, url, progress } = await learnerHalfwayThrough();
    const before = await progress();
    expect(before).toHaveLength(2);

    const edits = [
      await postMultipart(admin.agent, `/admin/courses/${course.id}`, { _csrf: admin.csrf, ...courseFields({ title: '改过的标题', slug: course.slug, price: '199' }) }),
      await adminPost(`/admin/courses/${course.id}/lessons/${a.id}`, lessonFields({ title: '改写的第一课', body_md: 'REWRITTEN-LESSON-ONE' })),
      await adminPost(`/admin/courses/${course.id}/lessons/${c.id}/move`, { direction: 'up' }),
      await adminPost(`/admin/courses/${course.id}/lessons`, lessonFields({ title: '新加的第四课' })),
    ];

    expect(edits.map((r) => r.status)).toEqual([303, 303, 303, 303]);
    expect(await progress()).toEqual(before);
    const mine = await learner.agent.get('/me/courses');
    expect(mine.text).toContain('改过的标题');
    expect(mine.text).toContain('<span class="progress-text">1/4 课</span>');
    expect(mine.text).toContain(`<a href="${url(b.id)}" class="course-link">`);
    const page = await learner.agent.get(`/courses/${course.slug}`);
    expect(page.text).toContain('已完成 1/4 课');
    expect(page.text).toMatch(new RegExp(`<li class="outline-item is-done">\\s*<a href="${url(a.id)}">`));
    const first = await learner.agent.get(url(a.id));
    expect(first.status).toBe(200);
    expect(first.text).toContain('REWRITTEN-LESSON-ONE');
    expect(first.text).toContain('✓ 本课已学完');
    expect((await learner.agent.get(url(b.id))).status).toBe(200);
  });

  it('shows the new order to the learner without losing their place', async () => {
    const { course, learner, b, c, url } = await learnerHalfwayThrough();

    await adminPost(`/admin/courses/${course.id}/lessons/${c.id}/move`, { direction: 'up' });
    const lesson = await learner.agent.get(url(c.id));

    expect(lesson.text).toContain('第 2 课 · ');
    expect(lesson.text).toContain(`<a class="pager-link" href="${url(b.id)}" rel="next">`);
    expect((await learner.agent.get('/me/courses')).text).toContain('1/3 课');
  });

  it('keeps the others’ progress when a lesson the learner never opened is deleted', async () => {
    const { course, learner, c, progress } = await learnerHalfwayThrough();
    const before = await progress();

    const res = await adminPost(`/admin/courses/${course.id}/lessons/${c.id}/delete`, { confirmed: 'yes' });

    expect(res.status).toBe(303);
    expect(await progress()).toEqual(before);
    expect((await learner.agent.get('/me/courses')).text).toContain('<span class="progress-text">1/2 课</span>');
  });
});
