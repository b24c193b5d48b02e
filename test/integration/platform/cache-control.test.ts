import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCourseWithLessons } from '../../support/catalog-factories.js';
import { startTestApp, type TestApp } from '../../support/test-app.js';

// What a shared cache (a CDN, a proxy) may keep of a response, decided as its headers go out.
let t: TestApp;
let course: Awaited<ReturnType<typeof createCourseWithLessons>>;
beforeAll(async () => {
  t = await startTestApp();
  course = await createCourseWithLessons(t.db, 1);
});
afterAll(async () => t?.close());

/** A returning visitor: the analytics cookies, no session. */
const RETURNING = 'zf_vid=v1234567890abcdef; zf_vs=1';

describe('Cache-Control for shared caches', () => {
  it('lets a public page be kept, per cookie, for a visitor without a session', async () => {
    const res = await request(t.app).get('/privacy').set('Cookie', RETURNING);

    expect(res.status).toBe(200);
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(res.headers['cache-control']).toBeUndefined();
    expect(res.headers.vary).toMatch(/\bCookie\b/);
  });

  it('says private, no-store on a lesson page, whoever asks', async () => {
    const res = await request(t.app).get(`/courses/${course.slug}/lessons/${course.lessons[0]!.id}`).set('Cookie', RETURNING);

    expect(res.status).toBe(403);
    expect(res.headers['cache-control']).toBe('private, no-store');
  });

  it('says private, no-store on a response that sets a cookie (a first visit gets its visitor id)', async () => {
    const res = await request(t.app).get(`/courses/${course.slug}`);

    expect(res.headers['set-cookie']?.length).toBeGreaterThan(0);
    expect(res.headers['cache-control']).toBe('private, no-store');
  });

  it('says private, no-store on a page rendered for someone with a session', async () => {
    const res = await request(t.app).get('/privacy').set('Cookie', `${RETURNING}; zhifu.sid=s%3Asomeone.sig`);

    expect(res.headers['cache-control']).toBe('private, no-store');
  });

  it('keeps what a handler declared public and personal in no way (static files, the sitemap)', async () => {
    const css = await request(t.app).get('/static/css/app.css').set('Cookie', 'zhifu.sid=s%3Asomeone.sig');
    const sitemap = await request(t.app).get('/sitemap.xml').set('Cookie', 'zhifu.sid=s%3Asomeone.sig');

    expect(css.headers['cache-control']).toMatch(/^public/);
    expect(sitemap.headers['cache-control']).toBe('public, max-age=3600');
  });
});
