import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCourse } from '../../support/factories.js';
import { createLesson } from '../../support/catalog-factories.js';
import { startTestApp, type TestApp } from '../../support/test-app.js';

const PUBLIC_URL = 'https://learn.example.com';

let t: TestApp;
let paid: { id: number; slug: string; title: string };
let preview: { id: number };
let locked: { id: number; bodyMd: string };
let draft: { slug: string };
const lessonChanged = new Date('2026-11-30T08:00:00.000Z');
beforeAll(async () => {
  t = await startTestApp({ PUBLIC_URL });
  paid = await createCourse(t.db, { slug: 'rust-sitemap', title: 'Rust 站点地图课' });
  await t.db('courses').where({ id: paid.id }).update({ updated_at: new Date('2026-11-01T00:00:00.000Z') });
  preview = await createLesson(t.db, paid.id, { title: '试看课时', isFreePreview: true });
  locked = await createLesson(t.db, paid.id, { title: '付费课时', bodyMd: '付费正文 SITEMAP-SECRET' });
  await t.db('lessons').where({ id: preview.id }).update({ updated_at: new Date('2026-11-20T00:00:00.000Z') });
  await t.db('lessons').where({ id: locked.id }).update({ updated_at: lessonChanged });
  draft = await createCourse(t.db, { slug: 'draft-sitemap', title: '未发布的站点地图课', status: 'draft' });
});
afterAll(async () => t?.close());

const locs = (xml: string) => [...xml.matchAll(/<url><loc>([^<]+)<\/loc>(?:<lastmod>([^<]+)<\/lastmod>)?<\/url>/g)].map((m) => ({ loc: m[1]!, lastmod: m[2] ?? null }));

describe('GET /sitemap.xml', () => {
  it('lists published courses and their free lessons as absolute public URLs, each with when it last changed', async () => {
    const res = await request(t.app).get('/sitemap.xml');

    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/xml/);
    expect(res.text).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<urlset xmlns="http:\/\/www.sitemaps.org\/schemas\/sitemap\/0.9">/);
    const urls = locs(res.text);
    // The course changed when its newest lesson did; a lesson page when it did itself.
    expect(urls).toContainEqual({ loc: `${PUBLIC_URL}/courses/rust-sitemap`, lastmod: lessonChanged.toISOString() });
    expect(urls).toContainEqual({ loc: `${PUBLIC_URL}/courses/rust-sitemap/lessons/${preview.id}`, lastmod: '2026-11-20T00:00:00.000Z' });
    expect(urls[0]!.loc).toBe(`${PUBLIC_URL}/`);
  });

  it('leaves out locked lessons, unpublished courses, titles and bodies', async () => {
    const res = await request(t.app).get('/sitemap.xml');

    expect(res.text).not.toContain(`/lessons/${locked.id}<`);
    expect(res.text).not.toContain(draft.slug);
    expect(res.text).not.toContain(paid.title);
    expect(res.text).not.toContain('SITEMAP-SECRET');
  });

  it('may be kept by a shared cache: it is the same for everyone', async () => {
    const res = await request(t.app).get('/sitemap.xml').set('Cookie', 'zhifu.sid=s%3Aanyone');

    expect(res.headers['cache-control']).toBe('public, max-age=3600');
    expect(res.headers['set-cookie']).toBeUndefined();
  });
});

describe('GET /robots.txt', () => {
  it('points crawlers to the sitemap and keeps them out of personal pages and the admin area', async () => {
    const res = await request(t.app).get('/robots.txt');

    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.text.split('\n')).toEqual(expect.arrayContaining(['User-agent: *', 'Disallow: /admin', 'Disallow: /me', 'Disallow: /orders', `Sitemap: ${PUBLIC_URL}/sitemap.xml`]));
  });
});
