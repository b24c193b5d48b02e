import { describe, expect, it } from 'vitest';
import { browser } from '../../support/forms.js';
import { appWithSignedInAdmin, signedIn } from '../../support/catalog-factories.js';
import { courseWithPreview, owner } from '../../support/feedback-factories.js';

const ctx = appWithSignedInAdmin();
const likesOf = (type: string, id: number) => ctx.t.db('likes').where({ target_type: type, target_id: id });

describe('liking a course', () => {
  it('needs a login, and shows the count to a visitor without a form', async () => {
    const course = await courseWithPreview(ctx.t.db);
    const visitor = browser(ctx.t.app);

    const page = await visitor.get(`/courses/${course.slug}`);
    const post = await visitor.post(`/courses/${course.slug}/like`).type('form').send({});

    expect(page.text).toContain(`href="/login?next=${encodeURIComponent(`/courses/${course.slug}`)}" data-testid="like-button"`);
    expect(String(page.headers['set-cookie'] ?? '')).not.toContain('zhifu.sid');
    expect([302, 303, 403]).toContain(post.status);
    expect(await likesOf('course', course.id)).toHaveLength(0);
  });

  it('likes with a plain form and comes back to the page, then unlikes', async () => {
    const course = await courseWithPreview(ctx.t.db);
    const learner = await signedIn(ctx.t.app, ctx.t.db);

    const liked = await learner.agent.post(`/courses/${course.slug}/like`).type('form').send({ _csrf: learner.csrf });
    const page = await learner.agent.get(`/courses/${course.slug}`);
    const unliked = await learner.agent.post(`/courses/${course.slug}/unlike`).type('form').send({ _csrf: learner.csrf });

    expect(liked.status).toBe(303);
    expect(liked.headers.location).toBe(`/courses/${course.slug}#like`);
    expect(page.text).toContain(`action="/courses/${course.slug}/unlike"`);
    expect(page.text).toMatch(/data-testid="like-count">1</);
    expect(unliked.status).toBe(303);
    expect(await likesOf('course', course.id)).toHaveLength(0);
  });

  it('answers JSON with the state it now holds, and the same like twice stays one like', async () => {
    const course = await courseWithPreview(ctx.t.db);
    const learner = await signedIn(ctx.t.app, ctx.t.db);
    const like = () => learner.agent.post(`/courses/${course.slug}/like`).set('Accept', 'application/json').set('x-csrf-token', learner.csrf);

    const first = await like();
    const second = await like();

    expect(first.body).toEqual({ liked: true, count: 1 });
    expect(second.body).toEqual({ liked: true, count: 1 });
    const rows = await likesOf('course', course.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ user_id: learner.user.id, course_id: course.id });
  });

  it('ends 50 parallel likes from one learner as one like', async () => {
    const course = await courseWithPreview(ctx.t.db);
    const learner = await signedIn(ctx.t.app, ctx.t.db);

    const all = await Promise.all(Array.from({ length: 50 }, () => learner.agent.post(`/courses/${course.slug}/like`).set('Accept', 'application/json').set('x-csrf-token', learner.csrf)));

    expect(all.map((r) => r.status)).toEqual(Array(50).fill(200));
    expect(all.every((r) => r.body.liked === true && r.body.count === 1)).toBe(true);
    expect(await likesOf('course', course.id)).toHaveLength(1);
  });

  it('counts 50 learners liking at once as 50', async () => {
    const course = await courseWithPreview(ctx.t.db);
    const learners = await Promise.all(Array.from({ length: 50 }, () => signedIn(ctx.t.app, ctx.t.db)));

    const all = await Promise.all(learners.map((l) => l.agent.post(`/courses/${course.slug}/like`).set('Accept', 'application/json').set('x-csrf-token', l.csrf)));

    expect(all.map((r) => r.status)).toEqual(Array(50).fill(200));
    expect(await likesOf('course', course.id)).toHaveLength(50);
    const page = await browser(ctx.t.app).get(`/courses/${course.slug}`);
    expect(page.text).toMatch(/data-testid="like-count">50</);
  }, 60_000);
});

describe('liking a lesson', () => {
  it('works for an owner, and is refused for a locked lesson without writing a row', async () => {
    const course = await courseWithPreview(ctx.t.db);
    const buyer = await owner(ctx.t.app, ctx.t.db, course.id);
    const stranger = await signedIn(ctx.t.app, ctx.t.db);

    const ok = await buyer.agent.post(`/courses/${course.slug}/lessons/${course.locked.id}/like`).set('Accept', 'application/json').set('x-csrf-token', buyer.csrf);
    const refused = await stranger.agent.post(`/courses/${course.slug}/lessons/${course.locked.id}/like`).set('Accept', 'application/json').set('x-csrf-token', stranger.csrf);

    expect(ok.body).toEqual({ liked: true, count: 1 });
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('LESSON_LOCKED');
    expect(await likesOf('lesson', course.locked.id)).toHaveLength(1);
  });

  it('lets anyone logged in like a free preview, and shows the button on the lesson page', async () => {
    const course = await courseWithPreview(ctx.t.db);
    const learner = await signedIn(ctx.t.app, ctx.t.db);

    const res = await learner.agent.post(`/courses/${course.slug}/lessons/${course.preview.id}/like`).type('form').send({ _csrf: learner.csrf });
    const page = await learner.agent.get(`/courses/${course.slug}/lessons/${course.preview.id}`);

    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`/courses/${course.slug}/lessons/${course.preview.id}#like`);
    expect(page.text).toContain(`action="/courses/${course.slug}/lessons/${course.preview.id}/unlike"`);
  });

  it('refuses a lesson of another course under this course slug', async () => {
    const a = await courseWithPreview(ctx.t.db);
    const b = await courseWithPreview(ctx.t.db);
    const learner = await signedIn(ctx.t.app, ctx.t.db);

    const res = await learner.agent.post(`/courses/${a.slug}/lessons/${b.preview.id}/like`).set('Accept', 'application/json').set('x-csrf-token', learner.csrf);

    expect(res.status).toBe(404);
    expect(await likesOf('lesson', b.preview.id)).toHaveLength(0);
  });
});
