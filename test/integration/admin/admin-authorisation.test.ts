import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../../src/config/environment.js';
import { createCourse, createUser } from '../../support/factories.js';
import { browser } from '../../support/forms.js';
import { courseFields, createLesson, csrfOf, grantAccess, lessonFields, postMultipart, signedIn, snapshot } from '../../support/catalog-factories.js';
import { startTestApp, type TestApp } from '../../support/test-app.js';

let t: TestApp;
let learner: Awaited<ReturnType<typeof signedIn>>;
let admin: Awaited<ReturnType<typeof signedIn>>;
beforeAll(async () => {
  t = await startTestApp();
  learner = await signedIn(t.app, t.db);
  admin = await signedIn(t.app, t.db, 'admin');
});
afterAll(async () => t.close());

/** A course with two lessons and a learner holding access: something for every admin route to act on. */
async function fixture(status: 'draft' | 'published' = 'draft') {
  const course = await createCourse(t.db, { status });
  const first = await createLesson(t.db, course.id);
  const second = await createLesson(t.db, course.id);
  // These two never sign in, so they skip the slow password hashing.
  const learner = await createUser(t.db, { passwordHash: 'unused' });
  await grantAccess(t.db, learner.id, course.id, 'admin_grant');
  const newcomer = await createUser(t.db, { passwordHash: 'unused' });
  return { course, first, second, learner, newcomer };
}
type Fixture = Awaited<ReturnType<typeof fixture>>;

interface AdminGet {
  route: string;
  url: (f: Fixture) => string;
}
interface AdminPost {
  route: string;
  /** Unpublishing needs a published course to change anything. */
  published?: boolean;
  url: (f: Fixture) => string;
  multipart?: boolean;
  fields: (f: Fixture) => Record<string, string>;
}

const GETS: AdminGet[] = [
  { route: '/admin', url: () => '/admin' },
  { route: '/admin/courses', url: () => '/admin/courses' },
  { route: '/admin/courses/new', url: () => '/admin/courses/new' },
  { route: '/admin/courses/:id', url: (f) => `/admin/courses/${f.course.id}` },
  { route: '/admin/courses/:id/edit', url: (f) => `/admin/courses/${f.course.id}/edit` },
  { route: '/admin/courses/:id/lessons/new', url: (f) => `/admin/courses/${f.course.id}/lessons/new` },
  { route: '/admin/courses/:id/lessons/:lessonId/edit', url: (f) => `/admin/courses/${f.course.id}/lessons/${f.first.id}/edit` },
];

const POSTS: AdminPost[] = [
  { route: '/admin/courses', url: () => '/admin/courses', multipart: true, fields: () => courseFields({ title: '新建的课程' }) },
  { route: '/admin/courses/:id', url: (f) => `/admin/courses/${f.course.id}`, multipart: true, fields: () => courseFields({ title: '改过的标题' }) },
  { route: '/admin/courses/:id/publish', url: (f) => `/admin/courses/${f.course.id}/publish`, fields: () => ({}) },
  { route: '/admin/courses/:id/unpublish', published: true, url: (f) => `/admin/courses/${f.course.id}/unpublish`, fields: () => ({}) },
  { route: '/admin/courses/:id/lessons', url: (f) => `/admin/courses/${f.course.id}/lessons`, fields: () => lessonFields({ title: '新课时' }) },
  { route: '/admin/courses/:id/lessons/:lessonId', url: (f) => `/admin/courses/${f.course.id}/lessons/${f.first.id}`, fields: () => lessonFields({ title: '改过的课时' }) },
  { route: '/admin/courses/:id/lessons/:lessonId/delete', url: (f) => `/admin/courses/${f.course.id}/lessons/${f.first.id}/delete`, fields: () => ({ confirmed: 'yes' }) },
  { route: '/admin/courses/:id/lessons/:lessonId/move', url: (f) => `/admin/courses/${f.course.id}/lessons/${f.first.id}/move`, fields: () => ({ direction: 'down' }) },
  { route: '/admin/courses/:id/grants', url: (f) => `/admin/courses/${f.course.id}/grants`, fields: (f) => ({ username: f.newcomer.username }) },
  { route: '/admin/courses/:id/grants/:userId/revoke', url: (f) => `/admin/courses/${f.course.id}/grants/${f.learner.id}/revoke`, fields: () => ({ confirmed: 'yes' }) },
];

function send(agent: ReturnType<typeof browser>, p: AdminPost, f: Fixture, csrf: string | null) {
  const fields = { ...(csrf === null ? {} : { _csrf: csrf }), ...p.fields(f) };
  return p.multipart ? postMultipart(agent, p.url(f), fields) : agent.post(p.url(f)).type('form').send(fields);
}

describe('the list of admin routes under test', () => {
  it('is every route declared in admin-routes.ts, so a new route cannot go unchecked', () => {
    const source = readFileSync(path.join(PROJECT_ROOT, 'src/modules/admin/admin-routes.ts'), 'utf8');
    const declared = [...source.matchAll(/router\.(get|post|put|patch|delete|all)\(\s*'([^']+)'/g)].map((m) => `${m[1]} ${m[2]}`).sort();

    const tested = [...GETS.map((g) => `get ${g.route}`), ...POSTS.map((p) => `post ${p.route}`)].sort();

    expect(declared).toEqual(tested);
    expect(source).toContain("router.use('/admin', requireAdmin)");
  });
});

describe('a visitor who is not signed in', () => {
  it.each(GETS.map((g) => [g.route, g] as const))('GET %s is sent to the login page and back', async (_route, g) => {
    const f = await fixture();

    const res = await browser(t.app).get(g.url(f));

    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`/login?next=${encodeURIComponent(g.url(f))}`);
  });

  it.each(POSTS.map((p) => [p.route, p] as const))('POST %s is refused with 401 and changes nothing', async (_route, p) => {
    const f = await fixture(p.published ? 'published' : 'draft');
    const visitor = browser(t.app);
    const csrf = await csrfOf(visitor); // a valid token, so it is the login check that refuses
    const before = await snapshot(t.db);

    const res = await send(visitor, p, f, csrf);

    expect(res.status).toBe(401);
    expect(res.text).toContain('请先登录');
    expect(await snapshot(t.db)).toEqual(before);
  });
});

describe('a signed-in learner', () => {
  it.each(GETS.map((g) => [g.route, g] as const))('GET %s is refused with 403 and a Chinese message', async (_route, g) => {
    const f = await fixture();
    const { agent } = learner;

    const res = await agent.get(g.url(f));

    expect(res.status).toBe(403);
    expect(res.text).toContain('只有管理员可以访问这个页面');
    expect(res.text).not.toContain(f.course.title);
  });

  it.each(POSTS.map((p) => [p.route, p] as const))('POST %s is refused with 403 and changes nothing', async (_route, p) => {
    const f = await fixture(p.published ? 'published' : 'draft');
    const { agent, csrf } = learner;
    const before = await snapshot(t.db);

    const res = await send(agent, p, f, csrf);

    expect(res.status).toBe(403);
    expect(res.text).toContain('只有管理员可以访问这个页面');
    expect(await snapshot(t.db)).toEqual(before);
  });
});

describe('an admin', () => {
  it.each(GETS.map((g) => [g.route, g] as const))('GET %s works', async (route, g) => {
    const f = await fixture();
    const { agent } = admin;

    const res = await agent.get(g.url(f)).redirects(1);

    expect(res.status).toBe(200);
    expect(res.text).toContain(route === '/admin/courses/new' ? '新建课程' : f.course.title);
  });

  it.each(POSTS.map((p) => [p.route, p] as const))('POST %s works and writes an audit row', async (_route, p) => {
    const f = await fixture(p.published ? 'published' : 'draft');
    const { agent, csrf, user } = admin;
    const before = await snapshot(t.db);

    const res = await send(agent, p, f, csrf);

    expect(res.status).toBe(303);
    expect(res.headers.location).toMatch(/^\/admin\/courses\/\d+/);
    const after = await snapshot(t.db);
    expect(after).not.toEqual(before);
    expect(after.admin_audit.length).toBe(before.admin_audit.length + 1);
    expect(after.admin_audit.at(-1)).toMatchObject({ actor_user_id: user.id });
  });

  it.each(POSTS.map((p) => [p.route, p] as const))('POST %s without the CSRF token is refused with 403 and changes nothing', async (_route, p) => {
    const f = await fixture(p.published ? 'published' : 'draft');
    const { agent } = admin;
    const before = await snapshot(t.db);

    const res = await send(agent, p, f, null);

    expect(res.status).toBe(403);
    expect(res.text).toContain('页面已过期或表单无效');
    expect(await snapshot(t.db)).toEqual(before);
  });

  it.each(POSTS.map((p) => [p.route, p] as const))('POST %s with a forged CSRF token is refused with 403', async (_route, p) => {
    const f = await fixture(p.published ? 'published' : 'draft');
    const { agent } = admin;
    const before = await snapshot(t.db);

    const res = await send(agent, p, f, 'forged-token');

    expect(res.status).toBe(403);
    expect(await snapshot(t.db)).toEqual(before);
  });
});
