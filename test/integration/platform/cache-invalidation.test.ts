import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCourse, createUser } from '../../support/factories.js';
import { courseFields, createCourseWithLessons, grantAccess, signedIn } from '../../support/catalog-factories.js';
import { startAppsOnOneDatabase, TEST_REDIS_URL, testRedisPrefix } from '../../support/shared-database-apps.js';
import { picksIn } from '../recommendations/picks.js';

// Two app processes on one database, as `npm run start:cluster` runs them. Their caches hold for 60 s
// and the clock is frozen, so a cached page could only change because an edit cleared it everywhere.
const TTL_SECONDS = '60';
/** Well within the TTL: the database check runs at most once a second per process. */
const SEEN_WITHIN_MS = 3_000;

/** Asks `page` again until `seen` holds, and says how long that took. */
async function within(ms: number, page: () => Promise<string>, seen: (html: string) => boolean): Promise<number> {
  const start = Date.now();
  for (;;) {
    if (seen(await page())) return Date.now() - start;
    if (Date.now() - start > ms) throw new Error(`not seen within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const variants = ['database', ...(TEST_REDIS_URL ? ['redis'] : [])] as const;

describe.each(variants)('caches of two processes on one database (invalidated through the %s)', (via) => {
  let shared: Awaited<ReturnType<typeof startAppsOnOneDatabase>>;
  let admin: Awaited<ReturnType<typeof signedIn>>;
  const a = () => shared.apps[0]!;
  const b = () => shared.apps[1]!;
  const home = async () => (await request(b().app).get('/')).text;

  beforeAll(async () => {
    shared = await startAppsOnOneDatabase(2, { CATALOG_CACHE_SECONDS: TTL_SECONDS }, { redis: via === 'redis' ? { url: TEST_REDIS_URL!, prefix: testRedisPrefix() } : undefined });
    await shared.redisReady();
    admin = await signedIn(a().app, a().db, 'admin');
  });
  afterAll(async () => shared?.close());

  it('keep a change made behind their back for the whole TTL (so the tests below can fail)', async () => {
    expect(await home()).not.toContain('背着缓存加的课');
    await createCourse(a().db, { slug: 'behind-the-back', title: '背着缓存加的课' });

    shared.clock.advance(30_000);
    await new Promise((r) => setTimeout(r, 1_200));

    expect(await home()).not.toContain('背着缓存加的课');
  });

  it('show a course published through process A on process B’s home page within a second or so, not after the TTL', async () => {
    const course = await createCourseWithLessons(a().db, 1, { status: 'draft', slug: 'published-on-a', title: '在 A 上发布的课' });
    expect(await home()).not.toContain('在 A 上发布的课');

    const res = await admin.agent.post(`/admin/courses/${course.id}/publish`).type('form').send({ _csrf: admin.csrf });

    expect(res.status).toBe(303);
    expect(await within(SEEN_WITHIN_MS, home, (html) => html.includes('在 A 上发布的课'))).toBeLessThan(SEEN_WITHIN_MS);
    // The whole list was reloaded: the course added behind its back shows now too.
    expect(await home()).toContain('背着缓存加的课');
  });

  it('show a title edited through A, and drop a course unpublished through A, on B', async () => {
    const course = await createCourseWithLessons(a().db, 1, { status: 'draft', slug: 'renamed-on-a', title: '旧标题' });
    await admin.agent.post(`/admin/courses/${course.id}/publish`).type('form').send({ _csrf: admin.csrf });
    await within(SEEN_WITHIN_MS, home, (html) => html.includes('旧标题'));

    const edit = await admin.agent.post(`/admin/courses/${course.id}`).type('form').send({ _csrf: admin.csrf, ...courseFields({ title: '新标题', slug: 'renamed-on-a' }) });
    expect(edit.status).toBe(303);
    await within(SEEN_WITHIN_MS, home, (html) => html.includes('新标题') && !html.includes('旧标题'));

    await admin.agent.post(`/admin/courses/${course.id}/unpublish`).type('form').send({ _csrf: admin.csrf });
    await within(SEEN_WITHIN_MS, home, (html) => !html.includes('新标题'));
  });

  it('drop a course the creator excludes through A from the recommendations B serves', async () => {
    const go = await createCourseWithLessons(a().db, 1, { slug: 'go-basics', title: 'Go 基础' });
    const web = await createCourse(a().db, { slug: 'go-web-x', title: 'Go Web 实战' });
    for (let i = 0; i < 4; i++) {
      const u = await createUser(a().db, { passwordHash: 'unused' });
      await grantAccess(a().db, u.id, go.id);
      await grantAccess(a().db, u.id, web.id);
    }
    // The build runs in A, as one process under the job lease does; B serves the new model too.
    expect((await a().buildRecommendations({ full: true }))?.mode).toBe('full');
    const alsoOnB = async () => (await request(b().app).get('/courses/go-basics')).text;
    const slugs = (html: string) => picksIn(html, 'also-studied')?.picks.map((p) => p.slug) ?? [];
    await within(SEEN_WITHIN_MS, alsoOnB, (html) => slugs(html).includes('go-web-x'));

    const res = await admin.agent.post(`/admin/recommendations/${web.id}`).type('form').send({ _csrf: admin.csrf, mode: 'exclude' });

    expect(res.status).toBe(303);
    await within(SEEN_WITHIN_MS, alsoOnB, (html) => picksIn(html, 'also-studied') !== null && !slugs(html).includes('go-web-x'));
  });
});
