import { describe, expect, it } from 'vitest';
import { browser } from '../../support/forms.js';
import { appWithSignedInAdmin, createCourseWithLessons, signedIn } from '../../support/catalog-factories.js';
import { owner, ownerWhoStudied, rate } from '../../support/feedback-factories.js';

const ctx = appWithSignedInAdmin();
const ratingsOf = (courseId: number) => ctx.t.db('ratings').where({ course_id: courseId });

describe('who may rate a course', () => {
  it('lets an owner who studied rate, and shows the thanks near the reviews', async () => {
    const course = await createCourseWithLessons(ctx.t.db, 2);
    const learner = await ownerWhoStudied(ctx.t.app, ctx.t.db, course);

    const res = await rate(learner, course.slug, '4', '讲得透');
    const page = await learner.agent.get(`/courses/${course.slug}`);

    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`/courses/${course.slug}#reviews`);
    expect(page.text).toContain('data-testid="reviews-flash"');
    expect(page.text).toContain('感谢你的评价');
    expect(await ratingsOf(course.id)).toMatchObject([{ user_id: learner.user.id, stars: 4, review: '讲得透', status: 'published' }]);
  });

  it('refuses a learner who does not own the course, and an owner who has not studied, with 403 and nothing written', async () => {
    const course = await createCourseWithLessons(ctx.t.db, 2);
    const stranger = await signedIn(ctx.t.app, ctx.t.db);
    const fresh = await owner(ctx.t.app, ctx.t.db, course.id);

    const a = await rate(stranger, course.slug, '1', '没买也要评');
    const b = await rate(fresh, course.slug, '5');
    const c = await rate(stranger, course.slug, 'x');
    const freshPage = await fresh.agent.get(`/courses/${course.slug}`);

    expect(a.status).toBe(403);
    expect(a.text).toContain('购买或加入课程后才能评分');
    expect(b.status).toBe(403);
    expect(b.text).toContain('学习至少一课后就可以评分了');
    expect(c.status).toBe(403);
    expect(freshPage.text).toContain('data-testid="rating-refusal"');
    expect(freshPage.text).not.toContain('data-testid="rating-form"');
    expect(await ratingsOf(course.id)).toHaveLength(0);
  });

  it('refuses bad stars and an over-long review with 422 and keeps what was typed', async () => {
    const course = await createCourseWithLessons(ctx.t.db, 1);
    const learner = await ownerWhoStudied(ctx.t.app, ctx.t.db, course);
    const long = '评'.repeat(1001);

    const noStars = await rate(learner, course.slug, '6', '好');
    const tooLong = await rate(learner, course.slug, '5', long);
    const arrays = await learner.agent.post(`/courses/${course.slug}/rating`).type('form').send(`_csrf=${encodeURIComponent(learner.csrf)}&stars=5&stars=1`);

    expect(noStars.status).toBe(422);
    expect(noStars.text).toContain('请选择 1 到 5 颗星');
    expect(tooLong.status).toBe(422);
    expect(tooLong.text).toContain('评价最多 1000 字');
    expect(tooLong.text).toContain(long);
    expect(arrays.status).toBe(422);
    expect(await ratingsOf(course.id)).toHaveLength(0);
  });
});

describe('one rating per learner and course', () => {
  it('updates the same row on a second rating, and keeps one row when two arrive at once', async () => {
    const course = await createCourseWithLessons(ctx.t.db, 1);
    const learner = await ownerWhoStudied(ctx.t.app, ctx.t.db, course);

    await Promise.all([rate(learner, course.slug, '3'), rate(learner, course.slug, '3')]);
    ctx.t.clock.advance(5000);
    const edit = await rate(learner, course.slug, '5', '看完第二遍改主意了');
    const form = await learner.agent.get(`/courses/${course.slug}/rating`);

    expect(edit.status).toBe(303);
    const rows = await ratingsOf(course.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ stars: 5, review: '看完第二遍改主意了' });
    expect(Number(new Date(rows[0].updated_at))).toBeGreaterThan(Number(new Date(rows[0].created_at)));
    expect(form.text).toContain('修改评价');
    expect(form.text).toContain('看完第二遍改主意了');
  });
});

describe('the course page’s rating summary', () => {
  it('says how many rated instead of an average below 3 ratings', async () => {
    const course = await createCourseWithLessons(ctx.t.db, 1);
    for (const stars of ['5', '1']) await rate(await ownerWhoStudied(ctx.t.app, ctx.t.db, course), course.slug, stars);

    const page = await browser(ctx.t.app).get(`/courses/${course.slug}`);
    const api = await browser(ctx.t.app).get(`/api/courses/${course.slug}/ratings`);

    expect(page.text).toContain('已有 2 人评分，满 3 人后显示平均分');
    expect(page.text).not.toContain('data-testid="rating-average"');
    expect(api.body).toMatchObject({ count: 2, average: null });
  });

  it('shows the average, the count and the distribution from 3 ratings on', async () => {
    const course = await createCourseWithLessons(ctx.t.db, 1);
    for (const stars of ['5', '4', '4']) await rate(await ownerWhoStudied(ctx.t.app, ctx.t.db, course), course.slug, stars, `${stars} 星评价`);

    const page = await browser(ctx.t.app).get(`/courses/${course.slug}`);
    const api = await browser(ctx.t.app).get(`/api/courses/${course.slug}/ratings`);

    expect(page.text).toContain('data-testid="rating-average">4.3<');
    expect(page.text).toContain('data-testid="rating-count">3<');
    expect(page.text).toContain('<progress max="3" value="2">');
    expect(page.text).toContain('★ 4.3 · 3 人评分');
    expect(api.body).toMatchObject({ count: 3, average: 4.3, distribution: { 1: 0, 2: 0, 3: 0, 4: 2, 5: 1 } });
    expect(api.body.items).toHaveLength(3);
  });
});

describe('the creator’s reply to a review', () => {
  it('is public, happens once, and notifies the reviewer', async () => {
    const course = await createCourseWithLessons(ctx.t.db, 1);
    const learner = await ownerWhoStudied(ctx.t.app, ctx.t.db, course);
    await rate(learner, course.slug, '2', '太快了');
    const rating = await ratingsOf(course.id).first();

    const reply = () => ctx.admin.agent.post(`/admin/feedback/ratings/${rating.id}/reply`).type('form').send({ _csrf: ctx.admin.csrf, reply: '下一版会放慢', next: `/courses/${course.slug}` });
    const first = await reply();
    const second = await reply();
    const byLearner = await learner.agent.post(`/admin/feedback/ratings/${rating.id}/reply`).type('form').send({ _csrf: learner.csrf, reply: '冒充作者' });
    const page = await browser(ctx.t.app).get(`/courses/${course.slug}`);
    const inbox = await learner.agent.get('/me/replies');

    expect(first.status).toBe(303);
    expect(second.status).toBe(409);
    expect(second.text).toContain('每条评价只能回复一次');
    expect(byLearner.status).toBe(403);
    expect(page.text).toContain('data-testid="review-reply"');
    expect(page.text).toContain('下一版会放慢');
    expect(inbox.text).toContain('回复了你的评价');
    expect(await ratingsOf(course.id).first()).toMatchObject({ reply_text: '下一版会放慢', reply_user_id: ctx.admin.user.id });
  });
});

describe('escaping what people type', () => {
  it('shows XSS in a review and in a nickname as text, on the course page and the reviews page', async () => {
    const course = await createCourseWithLessons(ctx.t.db, 1);
    const learner = await ownerWhoStudied(ctx.t.app, ctx.t.db, course);
    await ctx.t.db('users').where({ id: learner.user.id }).update({ nickname: '<img src=x onerror=alert(1)>' });
    await rate(learner, course.slug, '3', '<script>alert("r")</script>');

    for (const url of [`/courses/${course.slug}`, `/courses/${course.slug}/reviews`]) {
      const html = (await browser(ctx.t.app).get(url)).text;
      expect(html).not.toContain('<script>alert("r")');
      expect(html).not.toContain('<img src=x');
      expect(html).toContain('&lt;script&gt;alert(&#34;r&#34;)&lt;/script&gt;');
      expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    }
  });
});
