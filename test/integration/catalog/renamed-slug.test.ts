import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { courseFields, createCourseWithLessons, postMultipart, appWithSignedInAdmin } from '../../support/catalog-factories.js';
import { createCourse } from '../../support/factories.js';

const ctx = appWithSignedInAdmin();

const rename = (id: number, slug: string) => postMultipart(ctx.admin.agent, `/admin/courses/${id}`, { _csrf: ctx.admin.csrf, ...courseFields({ slug }) });

describe('a course whose slug was renamed', () => {
  it('answers its old address, and its lessons’ old addresses, with 301 to the new ones', async () => {
    const course = await createCourseWithLessons(ctx.t.db, 1, { slug: 'old-name', priceFen: 0 });
    expect((await rename(course.id, 'new-name')).status).toBe(303);

    const page = await request(ctx.t.app).get('/courses/old-name?utm_source=wechat_oa');
    const lesson = await request(ctx.t.app).get(`/courses/old-name/lessons/${course.lessons[0]!.id}`);
    const now = await request(ctx.t.app).get('/courses/new-name');

    expect(page.status).toBe(301);
    expect(page.headers.location).toBe('/courses/new-name?utm_source=wechat_oa');
    expect(lesson.status).toBe(301);
    expect(lesson.headers.location).toBe(`/courses/new-name/lessons/${course.lessons[0]!.id}`);
    expect(now.status).toBe(200);
  });

  it('follows several renames to wherever the course is now', async () => {
    const course = await createCourseWithLessons(ctx.t.db, 0, { slug: 'first-slug' });
    await rename(course.id, 'second-slug');
    await rename(course.id, 'third-slug');

    const res = await request(ctx.t.app).get('/courses/first-slug');

    expect(res.status).toBe(301);
    expect(res.headers.location).toBe('/courses/third-slug');
  });

  it('gives the old slug to a new course that takes it, and still 404s a slug that never existed', async () => {
    const course = await createCourseWithLessons(ctx.t.db, 0, { slug: 'taken-later' });
    await rename(course.id, 'moved-away');
    const newcomer = await createCourse(ctx.t.db, { slug: 'taken-later', title: '新课程占用了旧地址' });

    const res = await request(ctx.t.app).get('/courses/taken-later');
    const never = await request(ctx.t.app).get('/courses/never-existed');

    expect(res.status).toBe(200);
    expect(res.text).toContain(newcomer.title);
    expect(never.status).toBe(404);
  });

  it('refuses to give another course a slug whose old links still lead to the renamed course', async () => {
    const course = await createCourseWithLessons(ctx.t.db, 0, { slug: 'keep-my-links' });
    await rename(course.id, 'moved-on');
    const other = await createCourseWithLessons(ctx.t.db, 0, { slug: 'someone-else' });

    const res = await rename(other.id, 'keep-my-links');
    const old = await request(ctx.t.app).get('/courses/keep-my-links');

    expect(res.status).toBe(422);
    expect(res.text).toContain('这个链接名是另一门课程以前用过的');
    expect(old.status).toBe(301);
    expect(old.headers.location).toBe('/courses/moved-on');
  });

  it('answers a 4xx, not a 500, to a course address with a broken %-escape', async () => {
    const res = await request(ctx.t.app).get('/courses/%E0%A4%A');

    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
  });
});
