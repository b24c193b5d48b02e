import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCourse, createUser } from '../../support/factories.js';
import { createCourseWithLessons, grantAccess, signedIn } from '../../support/catalog-factories.js';
import { startTestApp, type TestApp } from '../../support/test-app.js';
import { picksIn, reasonIsTrue } from './picks.js';

// 为你推荐 on the home page, 学了这门课的人还学了 and 下一步学什么 on a course page, over HTTP
// against the real database, with the model built from rows the test writes.
let t: TestApp;
let go: Awaited<ReturnType<typeof createCourseWithLessons>>;
let web: { id: number; slug: string; title: string };
let draft: { id: number; slug: string; title: string };
let design: { id: number; slug: string; title: string };
let learner: Awaited<ReturnType<typeof signedIn>>;
let finisher: Awaited<ReturnType<typeof signedIn>>;
let both: Awaited<ReturnType<typeof signedIn>>;

beforeAll(async () => {
  t = await startTestApp();
  go = await createCourseWithLessons(t.db, 2, { slug: 'go-intro', title: 'Go 语言入门' });
  web = await createCourse(t.db, { slug: 'go-web', title: 'Go Web 开发实战' });
  draft = await createCourse(t.db, { slug: 'go-draft', title: '还没发布的 Go 进阶课', status: 'draft' });
  design = await createCourse(t.db, { slug: 'ui-design', title: '界面设计入门', category: 'frontend' });
  // Four learners took Go and Go Web (and the draft): the pair the model should learn.
  for (let i = 0; i < 4; i++) {
    const u = await createUser(t.db, { passwordHash: 'unused' });
    for (const c of [go, web, draft]) await grantAccess(t.db, u.id, c.id);
  }
  const designer = await createUser(t.db, { passwordHash: 'unused' });
  await grantAccess(t.db, designer.id, design.id);

  learner = await signedIn(t.app, t.db);
  await grantAccess(t.db, learner.user.id, go.id);
  finisher = await signedIn(t.app, t.db);
  await grantAccess(t.db, finisher.user.id, go.id);
  for (const l of go.lessons) {
    const res = await finisher.agent.post(`/courses/${go.slug}/lessons/${l.id}/done`).type('form').send({ _csrf: finisher.csrf });
    expect(res.status).toBe(303);
  }
  both = await signedIn(t.app, t.db);
  await grantAccess(t.db, both.user.id, go.id);
  await grantAccess(t.db, both.user.id, web.id);
});
afterAll(async () => t?.close());

/** Builds the model and moves the clock past the serving cache, as the schedule and a few seconds would. */
async function build() {
  const result = await t.buildRecommendations({ full: true });
  expect(result?.mode).toBe('full');
  t.clock.advance(10_000);
}

describe('before any model is built', () => {
  it('shows no recommendation section anywhere', async () => {
    const home = await learner.agent.get('/');
    const course = await request(t.app).get(`/courses/${go.slug}`);
    const finished = await finisher.agent.get(`/courses/${go.slug}`);

    expect(home.status).toBe(200);
    expect(picksIn(home.text, 'for-you')).toBeNull();
    expect(home.text).not.toContain('为你推荐');
    expect(picksIn(course.text, 'also-studied')).toBeNull();
    expect(picksIn(finished.text, 'next-steps')).toBeNull();
  });
});

describe('once the model is built', () => {
  beforeAll(build);

  describe('the home page of a signed-in learner', () => {
    it('shows 为你推荐 above the list with the course others took alongside theirs, each with a true reason', async () => {
      const res = await learner.agent.get('/');

      expect(res.status).toBe(200);
      const section = picksIn(res.text, 'for-you');
      expect(section?.heading).toBe('为你推荐');
      expect(section!.picks.map((p) => p.slug)).toContain(web.slug);
      for (const p of section!.picks) expect(await reasonIsTrue(t.db, learner.user.id, p), `${p.title}: ${p.reason}`).toBe(true);
      expect(res.text.indexOf('data-testid="for-you"')).toBeLessThan(res.text.indexOf('class="course-list"'));
    });

    it('never offers a course the learner owns or one that is not published', async () => {
      const res = await learner.agent.get('/');

      const slugs = picksIn(res.text, 'for-you')!.picks.map((p) => p.slug);
      expect(slugs).not.toContain(go.slug);
      expect(slugs).not.toContain(draft.slug);
      expect(res.text).not.toContain(draft.title);
    });

    it('leaves the section out, and still shows the list, when the learner’s stored picks cannot be read', async () => {
      const rows = t.db('rec_learner_lists').where({ user_id: learner.user.id });
      const [stored] = (await rows.clone().select('items')) as { items: string }[];
      await rows.clone().update({ items: '{not json' });
      try {
        const res = await learner.agent.get('/');

        expect(res.status).toBe(200);
        expect(picksIn(res.text, 'for-you')).toBeNull();
        expect(res.text).toContain('class="course-list"');
        expect(res.text).toContain(go.title);
      } finally {
        await rows.clone().update({ items: stored!.items });
      }
    });

    it('is only on the first page of the whole list, not on a category or a later page', async () => {
      const category = await learner.agent.get('/?category=backend');
      const later = await learner.agent.get('/?page=2');

      expect(category.status).toBe(200);
      expect(picksIn(category.text, 'for-you')).toBeNull();
      expect(picksIn(later.text, 'for-you')).toBeNull();
    });
  });

  describe('the home page of a visitor without a session', () => {
    it('has no 为你推荐 and asks the database nothing about recommendations or access', async () => {
      const seen: string[] = [];
      const listen = (q: { sql: string }) => seen.push(q.sql);
      t.db.on('query', listen);
      try {
        const anonymous = await request(t.app).get('/');
        const anonymousQueries = [...seen];
        seen.length = 0;
        await learner.agent.get('/');

        expect(anonymous.status).toBe(200);
        expect(([] as string[]).concat(anonymous.headers['set-cookie'] ?? []).filter((c) => c.startsWith('zhifu.sid'))).toEqual([]);
        expect(picksIn(anonymous.text, 'for-you')).toBeNull();
        expect(anonymous.text).not.toContain('为你推荐');
        expect(anonymousQueries.filter((sql) => /rec_|access_grants/.test(sql))).toEqual([]);
        // The same probe sees the signed-in learner's page read them, so it would catch a leak.
        expect(seen.filter((sql) => /rec_|access_grants/.test(sql)).length).toBeGreaterThan(0);
      } finally {
        t.db.removeListener('query', listen);
      }
    });
  });

  describe('a course page', () => {
    it('shows 学了这门课的人还学了 with the co-bought course to a visitor without a session', async () => {
      const res = await request(t.app).get(`/courses/${go.slug}`);

      expect(res.status).toBe(200);
      const section = picksIn(res.text, 'also-studied');
      expect(section?.heading).toBe('学了这门课的人还学了');
      expect(section!.picks.map((p) => p.slug)).toContain(web.slug);
      expect(section!.picks.map((p) => p.slug)).not.toContain(go.slug);
      // The heading says why; a card does not repeat 学了《Go 语言入门》的人也在学 under it.
      expect(section!.picks.find((p) => p.slug === web.slug)?.reason).toBe('');
      expect(res.text).not.toContain(draft.title);
    });

    it('works the other way round too: Go Web leads to Go', async () => {
      const res = await request(t.app).get(`/courses/${web.slug}`);

      expect(picksIn(res.text, 'also-studied')?.picks.map((p) => p.slug)).toContain(go.slug);
    });

    it('leaves out the courses the viewer already owns', async () => {
      const res = await both.agent.get(`/courses/${go.slug}`);

      expect(res.status).toBe(200);
      expect(picksIn(res.text, 'also-studied')?.picks.map((p) => p.slug) ?? []).not.toContain(web.slug);
    });

    it('shows 下一步学什么 near the top to a learner who finished every lesson, with a true reason', async () => {
      const res = await finisher.agent.get(`/courses/${go.slug}`);

      expect(res.status).toBe(200);
      const next = picksIn(res.text, 'next-steps');
      expect(next?.heading).toBe('下一步学什么');
      expect(next!.picks.map((p) => p.slug)).toContain(web.slug);
      for (const p of next!.picks) expect(await reasonIsTrue(t.db, finisher.user.id, p), `${p.title}: ${p.reason}`).toBe(true);
      // Above the description and the outline, right under the study button.
      expect(res.text.indexOf('data-testid="next-steps"')).toBeLessThan(res.text.indexOf('课程介绍'));
      // And not offered a second time further down.
      expect(picksIn(res.text, 'also-studied')?.picks.map((p) => p.slug) ?? []).not.toContain(web.slug);
    });

    it('shows no 下一步学什么 to a learner who has not finished the course', async () => {
      const res = await learner.agent.get(`/courses/${go.slug}`);

      expect(res.status).toBe(200);
      expect(picksIn(res.text, 'next-steps')).toBeNull();
      expect(picksIn(res.text, 'also-studied')?.picks.map((p) => p.slug)).toContain(web.slug);
    });
  });
});
