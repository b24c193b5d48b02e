import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCourse } from '../../support/factories.js';
import { createLesson, signedIn } from '../../support/catalog-factories.js';
import { startTestApp, type TestApp } from '../../support/test-app.js';

let t: TestApp;
let admin: Awaited<ReturnType<typeof signedIn>>;
beforeAll(async () => {
  t = await startTestApp();
  admin = await signedIn(t.app, t.db, 'admin');
});
afterAll(async () => t.close());

const post = (url: string) => admin.agent.post(url).type('form').send({ _csrf: admin.csrf });
const courseRow = (id: number) => t.db('courses').where({ id }).first();

describe('publishing a course', () => {
  it('is refused with a Chinese message on the course page while the course has no lessons, leaving it a draft', async () => {
    const course = await createCourse(t.db, { status: 'draft', slug: 'empty-draft' });

    const res = await post(`/admin/courses/${course.id}/publish`);
    const page = await admin.agent.get(res.headers.location!);

    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`/admin/courses/${course.id}`);
    expect(page.text).toContain('至少添加一个课时后才能发布');
    expect(await courseRow(course.id)).toMatchObject({ status: 'draft', published_at: null });
    expect(await t.db('admin_audit').where({ entity_type: 'course', entity_id: course.id })).toHaveLength(0);
    expect((await request(t.app).get('/courses/empty-draft')).status).toBe(404);
  });

  it('makes the course visible on the list and its page once it has a lesson', async () => {
    const course = await createCourse(t.db, { status: 'draft', slug: 'ready', title: '准备好的课程' });
    await createLesson(t.db, course.id);
    const at = t.clock.now();

    const res = await post(`/admin/courses/${course.id}/publish`);

    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`/admin/courses/${course.id}`);
    const row = await courseRow(course.id);
    expect(row.status).toBe('published');
    expect(new Date(row.published_at).getTime()).toBe(at.getTime());
    expect((await request(t.app).get('/')).text).toContain('准备好的课程');
    expect((await request(t.app).get('/courses/ready')).status).toBe(200);
    expect((await admin.agent.get(res.headers.location!)).text).toContain('课程已发布，学员可以看到了');
  });

  it('hides an unpublished course again but keeps its first publication time', async () => {
    const course = await createCourse(t.db, { status: 'draft', slug: 'come-and-go', title: '来了又走的课程' });
    await createLesson(t.db, course.id);
    await post(`/admin/courses/${course.id}/publish`);
    const firstPublished = (await courseRow(course.id)).published_at;
    t.clock.advance(3600_000);

    const down = await post(`/admin/courses/${course.id}/unpublish`);
    const hidden = await request(t.app).get('/courses/come-and-go');
    await post(`/admin/courses/${course.id}/publish`);

    expect(down.status).toBe(303);
    expect(hidden.status).toBe(404);
    expect((await request(t.app).get('/')).text).toContain('来了又走的课程');
    expect(new Date((await courseRow(course.id)).published_at).getTime()).toBe(new Date(firstPublished).getTime());
  });

  it('answers 404 for a course that does not exist', async () => {
    const publish = await post('/admin/courses/99999999/publish');
    const unpublish = await post('/admin/courses/99999999/unpublish');

    expect(publish.status).toBe(404);
    expect(unpublish.status).toBe(404);
  });
});

describe('deleting the last lesson of a published course', () => {
  it('is refused with a message, so a course with nothing in it is never on sale', async () => {
    const course = await createCourse(t.db, { status: 'published', slug: 'one-lesson-left' });
    const only = await createLesson(t.db, course.id);

    const res = await admin.agent.post(`/admin/courses/${course.id}/lessons/${only.id}/delete`).type('form').send({ _csrf: admin.csrf, confirmed: 'yes' });
    const page = await admin.agent.get(res.headers.location!);

    expect(res.status).toBe(303);
    expect(page.text).toContain('这是已发布课程的最后一个课时');
    expect(await t.db('lessons').where({ id: only.id })).toHaveLength(1);
  });
});
