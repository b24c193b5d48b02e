import request from 'supertest';
import { toDate } from '../../../src/platform/db/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCourse, createUser } from '../../support/factories.js';
import { browser } from '../../support/forms.js';
import { createCourseWithLessons, csrfOf, grantAccess, signedIn } from '../../support/catalog-factories.js';
import { startTestApp, type TestApp } from '../../support/test-app.js';
import { picksIn } from '../recommendations/picks.js';

// /admin/recommendations: the creator pins a course or keeps one out of every recommendation, and
// reads how varied the latest builds were.
let t: TestApp;
let admin: Awaited<ReturnType<typeof signedIn>>;
let learner: Awaited<ReturnType<typeof signedIn>>;
let finisher: Awaited<ReturnType<typeof signedIn>>;
let go: Awaited<ReturnType<typeof createCourseWithLessons>>;
let web: { id: number; slug: string; title: string };
let grpc: { id: number; slug: string; title: string };
let design: { id: number; slug: string; title: string };
let draft: { id: number; slug: string; title: string };

beforeAll(async () => {
  t = await startTestApp();
  go = await createCourseWithLessons(t.db, 1, { slug: 'go-intro', title: 'Go 语言入门' });
  web = await createCourse(t.db, { slug: 'go-web', title: 'Go Web 开发实战' });
  grpc = await createCourse(t.db, { slug: 'go-grpc', title: 'gRPC 微服务' });
  design = await createCourse(t.db, { slug: 'ui-design', title: '界面设计入门', category: 'frontend' });
  draft = await createCourse(t.db, { slug: 'go-draft', title: '还没发布的课', status: 'draft' });
  for (let i = 0; i < 4; i++) {
    const u = await createUser(t.db, { passwordHash: 'unused' });
    await grantAccess(t.db, u.id, go.id);
    await grantAccess(t.db, u.id, web.id);
    if (i < 2) await grantAccess(t.db, u.id, grpc.id);
  }
  admin = await signedIn(t.app, t.db, 'admin');
  learner = await signedIn(t.app, t.db);
  await grantAccess(t.db, learner.user.id, go.id);
  finisher = await signedIn(t.app, t.db);
  await grantAccess(t.db, finisher.user.id, go.id);
  await finisher.agent.post(`/courses/${go.slug}/lessons/${go.lessons[0]!.id}/done`).type('form').send({ _csrf: finisher.csrf });
});
afterAll(async () => t?.close());

const setMode = (agent: ReturnType<typeof browser>, courseId: number | string, fields: Record<string, string>) => agent.post(`/admin/recommendations/${courseId}`).type('form').send(fields);
const overrideRows = () => t.db('rec_overrides').select('course_id', 'mode', 'updated_by');
/** The state cell of a course's row on the admin page. */
const stateOf = (html: string, courseId: number) => new RegExp(`data-testid="rec-course-${courseId}"[\\s\\S]*?data-testid="rec-state">([^<]*)<`).exec(html)?.[1];

async function build() {
  expect((await t.buildRecommendations({ full: true }))?.mode).toBe('full');
  // Past the serving cache's few seconds.
  t.clock.advance(10_000);
}

describe('who may use it', () => {
  it('sends a visitor who is not signed in to the login page, and refuses their post with 401', async () => {
    const visitor = browser(t.app);
    const page = await visitor.get('/admin/recommendations');
    const post = await setMode(visitor, web.id, { _csrf: await csrfOf(visitor), mode: 'pin' });

    expect(page.status).toBe(303);
    expect(page.headers.location).toBe(`/login?next=${encodeURIComponent('/admin/recommendations')}`);
    expect(post.status).toBe(401);
    expect(await overrideRows()).toEqual([]);
  });

  it('refuses a signed-in learner with 403, page and form alike, and changes nothing', async () => {
    const page = await learner.agent.get('/admin/recommendations');
    const post = await setMode(learner.agent, web.id, { _csrf: learner.csrf, mode: 'exclude' });

    expect(page.status).toBe(403);
    expect(page.text).toContain('只有管理员可以访问这个页面');
    expect(post.status).toBe(403);
    expect(await overrideRows()).toEqual([]);
  });

  it('refuses an admin’s post without the CSRF token, or with a forged one', async () => {
    const missing = await setMode(admin.agent, web.id, { mode: 'pin' });
    const forged = await setMode(admin.agent, web.id, { _csrf: 'forged-token', mode: 'pin' });

    expect(missing.status).toBe(403);
    expect(missing.text).toContain('页面已过期或表单无效');
    expect(forged.status).toBe(403);
    expect(await overrideRows()).toEqual([]);
  });
});

describe('the page, before any build', () => {
  it('lists every course, published ones first, each with its state and a form carrying the CSRF token', async () => {
    const res = await admin.agent.get('/admin/recommendations');

    expect(res.status).toBe(200);
    const order = [go, web, grpc, design, draft].map((c) => res.text.indexOf(`data-testid="rec-course-${c.id}"`));
    expect(order.every((i) => i > 0)).toBe(true);
    expect(Math.max(...order.slice(0, 4))).toBeLessThan(order[4]!);
    expect(stateOf(res.text, web.id)).toBe('推荐中');
    expect(stateOf(res.text, draft.id)).toBe('未发布');
    const form = new RegExp(`<form method="post" action="/admin/recommendations/${web.id}"[\\s\\S]*?</form>`).exec(res.text)?.[0] ?? '';
    expect(form).toMatch(/name="_csrf" value="[^"]+"/);
    expect(form).toContain('name="mode" value="pin"');
    expect(form).toContain('name="mode" value="exclude"');
    expect(res.text).toContain('还没有计算过推荐');
  });
});

describe('a bad request', () => {
  it.each([['an unknown mode', 'feature'], ['a name every object has', 'toString'], ['no mode at all', undefined]])('with %s is a 400 in Chinese and changes nothing', async (_name, mode) => {
    const res = await setMode(admin.agent, web.id, { _csrf: admin.csrf, ...(mode === undefined ? {} : { mode }) });

    expect(res.status).toBe(400);
    expect(res.text).toContain('推荐设置只能是置顶、不推荐或恢复推荐');
    expect(await overrideRows()).toEqual([]);
  });

  it.each([['a course that does not exist', '999999'], ['an id that is not a number', 'abc']])('for %s is a 404 in Chinese', async (_name, id) => {
    const res = await setMode(admin.agent, id, { _csrf: admin.csrf, mode: 'pin' });

    expect(res.status).toBe(404);
    expect(res.text).toContain('课程不存在');
    expect(await overrideRows()).toEqual([]);
  });
});

describe('once the model is built', () => {
  beforeAll(build);

  it('shows the latest build in Beijing time with its coverage and concentration as percentages', async () => {
    const res = await admin.agent.get('/admin/recommendations');

    expect(res.status).toBe(200);
    const row = /<tr data-testid="rec-build">([\s\S]*?)<\/tr>/.exec(res.text)?.[1] ?? '';
    const built = (await t.db('rec_models').orderBy('id', 'desc').first()) as { built_at: unknown; coverage: number; concentration: number; learners: number };
    expect(row).toContain('使用中');
    expect(row).toMatch(/EASE\^R|item-kNN/);
    // Beijing time, worked out here independently of the app's formatter.
    const p = Object.fromEntries(
      new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
        .formatToParts(toDate(built.built_at))
        .map((x) => [x.type, x.value]),
    );
    expect(row).toContain(`${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`);
    expect(row).toContain(`>${Math.round(Number(built.coverage) * 1000) / 10}%<`);
    expect(row).toContain(`>${Math.round(Number(built.concentration) * 1000) / 10}%<`);
    expect(row).toContain(`>${built.learners}<`);
  });

  it('pinning puts the course first in a learner’s 为你推荐, said to be 创作者推荐, with a flash and an audit entry', async () => {
    const before = picksIn((await learner.agent.get('/')).text, 'for-you')!.picks;
    expect(before[0]?.slug).not.toBe(design.slug);

    const res = await setMode(admin.agent, design.id, { _csrf: admin.csrf, mode: 'pin' });

    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/admin/recommendations');
    const page = await admin.agent.get('/admin/recommendations');
    expect(page.text).toContain(`已置顶《${design.title}》`);
    expect(stateOf(page.text, design.id)).toBe('置顶');
    expect(await overrideRows()).toEqual([{ course_id: design.id, mode: 'pin', updated_by: admin.user.id }]);
    const audit = await t.db('admin_audit').where({ action: 'course.recommendation', entity_id: design.id });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actor_user_id: admin.user.id, entity_type: 'course', course_id: design.id });
    expect(JSON.parse(String(audit[0].summary))).toEqual({ before: { recommendation: 'none' }, after: { recommendation: 'pin' } });
    const after = picksIn((await learner.agent.get('/')).text, 'for-you')!.picks;
    expect(after[0]).toEqual({ slug: design.slug, title: design.title, reason: '创作者推荐' });
    // Not on a course page: 学了这门课的人还学了 claims learners who took both, which a pin does not have.
    const course = picksIn((await request(t.app).get(`/courses/${go.slug}`)).text, 'also-studied')!.picks;
    expect(course.map((p) => p.slug)).not.toContain(design.slug);
  });

  it('excluding takes the course out of every recommendation: home, course page, next steps', async () => {
    const shows = async () => {
      const home = picksIn((await learner.agent.get('/')).text, 'for-you')?.picks ?? [];
      const course = picksIn((await request(t.app).get(`/courses/${go.slug}`)).text, 'also-studied')?.picks ?? [];
      const next = picksIn((await finisher.agent.get(`/courses/${go.slug}`)).text, 'next-steps')?.picks ?? [];
      return { home: home.map((p) => p.slug), course: course.map((p) => p.slug), next: next.map((p) => p.slug) };
    };
    const before = await shows();
    expect(before.home).toContain(web.slug);
    expect(before.course).toContain(web.slug);
    expect(before.next).toContain(web.slug);

    const res = await setMode(admin.agent, web.id, { _csrf: admin.csrf, mode: 'exclude' });

    expect(res.status).toBe(303);
    const after = await shows();
    expect(after.home).not.toContain(web.slug);
    expect(after.course).not.toContain(web.slug);
    expect(after.next).not.toContain(web.slug);
    // The course itself is untouched: still on sale, still in the list.
    expect((await request(t.app).get(`/courses/${web.slug}`)).status).toBe(200);
    expect(stateOf((await admin.agent.get('/admin/recommendations')).text, web.id)).toBe('不推荐');
  });

  it('恢复推荐 removes the setting, and the course comes back', async () => {
    const res = await setMode(admin.agent, web.id, { _csrf: admin.csrf, mode: 'none' });

    expect(res.status).toBe(303);
    const page = await admin.agent.get('/admin/recommendations');
    expect(page.text).toContain(`《${web.title}》已恢复正常推荐`);
    expect(stateOf(page.text, web.id)).toBe('推荐中');
    expect((await overrideRows()).map((r) => r.course_id)).toEqual([design.id]);
    expect(picksIn((await request(t.app).get(`/courses/${go.slug}`)).text, 'also-studied')?.picks.map((p) => p.slug)).toContain(web.slug);
  });

  it('setting the state a course already has writes no second audit entry', async () => {
    const count = async () => (await t.db('admin_audit').where({ action: 'course.recommendation', entity_id: design.id })).length;
    const before = await count();

    const res = await setMode(admin.agent, design.id, { _csrf: admin.csrf, mode: 'pin' });

    expect(res.status).toBe(303);
    expect(await count()).toBe(before);
  });
});

describe('the admin navigation', () => {
  it('links to 推荐管理 beside the other admin pages', async () => {
    const res = await admin.agent.get('/admin/courses');

    expect(res.text).toContain('href="/admin/recommendations"');
  });
});
