import { describe, expect, it } from 'vitest';
import { browser } from '../../support/forms.js';
import { appWithSignedInAdmin, createCourseWithLessons, signedIn } from '../../support/catalog-factories.js';
import { commentIdFrom, courseWithPreview, owner, ownerWhoStudied, postComment, rate } from '../../support/feedback-factories.js';

const ctx = appWithSignedInAdmin();
const lessonPath = (c: { slug: string }, lessonId: number) => `/courses/${c.slug}/lessons/${lessonId}`;
const act = (path: string, fields: Record<string, string> = {}) => ctx.admin.agent.post(path).type('form').send({ _csrf: ctx.admin.csrf, ...fields });

describe('held text', () => {
  it('holds a comment with a listed keyword, even spaced out or full-width, and shows it only to its author and admins', async () => {
    const course = await courseWithPreview(ctx.t.db);
    const author = await owner(ctx.t.app, ctx.t.db, course.id);
    const other = await owner(ctx.t.app, ctx.t.db, course.id);

    const res = await postComment(author, course.slug, course.locked.id, '想要资料的 加 我 微-信 ｘｙｚ');
    await postComment(author, course.slug, course.locked.id, '私聊我：加ＶＸ 领取');
    const id = commentIdFrom(res.headers.location);
    const mine = await author.agent.get(lessonPath(course, course.locked.id));
    const theirs = await other.agent.get(lessonPath(course, course.locked.id));
    const theirsJson = await other.agent.get(`/api/lessons/${course.locked.id}/comments`);
    const adminPage = await ctx.admin.agent.get(lessonPath(course, course.locked.id));

    expect(await ctx.t.db('comments').where({ lesson_id: course.locked.id }).pluck('status')).toEqual(['held', 'held']);
    expect((await ctx.t.db('comments').where({ id }).first()).held_reason).toBe('加我微信');
    expect(mine.text).toContain('留言已提交，审核通过后其他人才能看到');
    expect(mine.text).toContain('加 我 微-信');
    expect(mine.text).toContain('data-testid="held-note"');
    expect(theirs.text).not.toContain('加 我 微-信');
    expect(theirsJson.body.total).toBe(0);
    expect(JSON.stringify(theirsJson.body)).not.toContain('微');
    expect(adminPage.text).toContain('加 我 微-信');
  });

  it('holds a review with a keyword out of the average and the list until approved', async () => {
    const course = await createCourseWithLessons(ctx.t.db, 1);
    const learner = await ownerWhoStudied(ctx.t.app, ctx.t.db, course);

    await rate(learner, course.slug, '1', '网盘资源免费下载吧');
    const held = (await browser(ctx.t.app).get(`/api/courses/${course.slug}/ratings`)).body;
    const rating = await ctx.t.db('ratings').where({ course_id: course.id }).first();
    await act(`/admin/feedback/ratings/${rating.id}/approve`);
    const approved = (await browser(ctx.t.app).get(`/api/courses/${course.slug}/ratings`)).body;

    expect(rating.status).toBe('held');
    expect(held.count).toBe(0);
    expect(held.items).toHaveLength(0);
    expect(approved.count).toBe(1);
    expect(approved.items[0].review).toBe('网盘资源免费下载吧');
  });
});

describe('the queue at /admin/feedback', () => {
  it('is for admins only', async () => {
    const learner = await signedIn(ctx.t.app, ctx.t.db);
    const visitor = browser(ctx.t.app);

    const asLearner = await learner.agent.get('/admin/feedback');
    const asVisitor = await visitor.get('/admin/feedback');
    const learnerAct = await learner.agent.post('/admin/feedback/comments/1/hide').type('form').send({ _csrf: learner.csrf });
    const learnerBan = await learner.agent.post('/admin/feedback/bans').type('form').send({ _csrf: learner.csrf, user_id: String(learner.user.id), confirmed: 'yes' });

    expect(asLearner.status).toBe(403);
    expect((await ctx.admin.agent.get('/admin/feedback?tab=__proto__')).text).toContain('aria-current="page">待审核');
    expect(asVisitor.status).toBeGreaterThanOrEqual(300);
    expect(asVisitor.status).toBeLessThan(400);
    expect(learnerAct.status).toBe(403);
    expect(learnerBan.status).toBe(403);
    expect(await ctx.t.db('feedback_bans').where({ user_id: learner.user.id })).toHaveLength(0);
  });

  it('lists held and reported items with XSS shown as text, and approves, hides and deletes them, each audited', async () => {
    const course = await courseWithPreview(ctx.t.db);
    const author = await owner(ctx.t.app, ctx.t.db, course.id);
    const reporter = await owner(ctx.t.app, ctx.t.db, course.id);
    await ctx.t.db('users').where({ id: author.user.id }).update({ nickname: '<b onmouseover=alert(9)>坏人</b>' });
    const held = commentIdFrom((await postComment(author, course.slug, course.locked.id, '<script>alert(1)</script> 加我微信')).headers.location);
    const live = commentIdFrom((await postComment(author, course.slug, course.locked.id, '普通留言')).headers.location);
    const report = await reporter.agent.post(`/comments/${live}/report`).type('form').send({ _csrf: reporter.csrf, reason: 'spam' });
    const again = await reporter.agent.post(`/comments/${live}/report`).type('form').send({ _csrf: reporter.csrf, reason: 'spam' });

    const heldTab = await ctx.admin.agent.get('/admin/feedback');
    const reportedTab = await ctx.admin.agent.get('/admin/feedback?tab=reported');

    expect(report.status).toBe(303);
    expect(again.status).toBe(409);
    expect(heldTab.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt; 加我微信');
    expect(heldTab.text).not.toContain('<script>alert(1)');
    expect(heldTab.text).toContain('&lt;b onmouseover=alert(9)&gt;坏人&lt;/b&gt;');
    expect(heldTab.text).toContain('命中关键词：加我微信');
    expect(reportedTab.text).toContain('被举报 1 次：垃圾广告');

    const approve = await act(`/admin/feedback/comments/${held}/approve`, { next: '/admin/feedback' });
    const hide = await act(`/admin/feedback/comments/${live}/hide`);
    const askDelete = await act(`/admin/feedback/comments/${live}/delete`);
    const del = await act(`/admin/feedback/comments/${live}/delete`, { confirmed: 'yes' });

    expect(approve.status).toBe(303);
    expect(hide.status).toBe(303);
    expect(askDelete.status).toBe(200);
    expect(askDelete.text).toContain('删除这条留言？');
    expect(del.status).toBe(303);
    expect(await ctx.t.db('comments').whereIn('id', [held, live]).orderBy('id').pluck('status')).toEqual(['published', 'deleted']);
    const audit = await ctx.t.db('admin_audit').where({ entity_type: 'comment' }).whereIn('entity_id', [held, live]).orderBy('id');
    expect(audit.map((a) => [a.action, a.entity_id, a.actor_user_id, a.course_id])).toEqual([
      ['comment.approve', held, ctx.admin.user.id, course.id],
      ['comment.hide', live, ctx.admin.user.id, course.id],
      ['comment.delete', live, ctx.admin.user.id, course.id],
    ]);
    const log = await ctx.admin.agent.get('/admin/feedback?tab=log');
    expect(log.text).toContain('隐藏了');
    const other = (await reporter.agent.get(lessonPath(course, course.locked.id))).text;
    expect(other).toContain('&lt;script&gt;alert(1)&lt;/script&gt; 加我微信');
    expect(other).not.toContain('普通留言');
  });
});

describe('banning a learner', () => {
  it('stops new comments and ratings, optionally hides the past ones, and is audited and reversible', async () => {
    const course = await courseWithPreview(ctx.t.db);
    const learner = await ownerWhoStudied(ctx.t.app, ctx.t.db, { ...course, lessons: [course.locked] });
    const past = commentIdFrom((await postComment(learner, course.slug, course.locked.id, '以前的留言')).headers.location);
    await rate(learner, course.slug, '1', '以前的评价');

    const arrays = await ctx.admin.agent.post('/admin/feedback/bans').type('form').send(`_csrf=${encodeURIComponent(ctx.admin.csrf)}&user_id=${learner.user.id}&reason=a&reason=b&hide_past=yes&hide_past=no`);
    const ask = await act('/admin/feedback/bans', { user_id: String(learner.user.id), reason: '广告', hide_past: 'yes' });
    const ban = await act('/admin/feedback/bans', { user_id: String(learner.user.id), reason: '广告', hide_past: 'yes', confirmed: 'yes' });
    const comment = await postComment(learner, course.slug, course.locked.id, '被禁言后');
    const rating = await rate(learner, course.slug, '5', '被禁言后');

    expect(arrays.status).toBe(200);
    expect(ask.status).toBe(200);
    expect(ask.text).toContain('TA 过去的留言和评价也会全部隐藏');
    expect(ban.status).toBe(303);
    expect(comment.status).toBe(403);
    expect(comment.text).toContain('你已被禁止发表留言和评价');
    expect(comment.text).toContain('被禁言后</textarea>');
    const lesson = (await learner.agent.get(lessonPath(course, course.locked.id))).text;
    expect(lesson).toContain('data-testid="banned-note"');
    expect(lesson).not.toContain('data-testid="comment-form"');
    expect(lesson).not.toContain('name="parent_id"');
    expect(rating.status).toBe(403);
    expect(await ctx.t.db('comments').where({ user_id: learner.user.id }).pluck('status')).toEqual(['hidden']);
    expect(await ctx.t.db('ratings').where({ user_id: learner.user.id }).first()).toMatchObject({ status: 'hidden', review: '以前的评价' });
    expect(await ctx.t.db('admin_audit').where({ action: 'feedback.ban', entity_id: learner.user.id })).toHaveLength(1);
    expect((await browser(ctx.t.app).get(`/api/courses/${course.slug}/ratings`)).body.count).toBe(0);
    expect((await ctx.t.db('comments').where({ id: past }).first()).status).toBe('hidden');

    const unban = await act(`/admin/feedback/bans/${learner.user.id}/delete`);
    const after = await postComment(learner, course.slug, course.locked.id, '解禁后');
    expect(unban.status).toBe(303);
    expect(after.status).toBe(303);
    expect(await ctx.t.db('admin_audit').where({ action: 'feedback.unban', entity_id: learner.user.id })).toHaveLength(1);
  });
});

describe('notices and moderation', () => {
  it('notifies the parent’s author only once a held reply is approved, and drops the notice of a reply taken down', async () => {
    const course = await courseWithPreview(ctx.t.db);
    const asker = await owner(ctx.t.app, ctx.t.db, course.id);
    const replier = await owner(ctx.t.app, ctx.t.db, course.id);
    const top = commentIdFrom((await postComment(asker, course.slug, course.locked.id, '求助')).headers.location);
    const held = commentIdFrom((await postComment(replier, course.slug, course.locked.id, '加我微信我教你', top)).headers.location);
    const plain = commentIdFrom((await postComment(replier, course.slug, course.locked.id, '看第三节', top)).headers.location);
    const notices = () => ctx.t.db('feedback_notifications').where({ recipient_id: asker.user.id }).orderBy('source_id').pluck('source_id');

    expect(await notices()).toEqual([plain]);
    await act(`/admin/feedback/comments/${held}/approve`);
    expect(await notices()).toEqual([held, plain].sort((a, b) => a - b));
    await act(`/admin/feedback/comments/${plain}/hide`);
    expect(await notices()).toEqual([held]);
    expect((await asker.agent.get('/me/courses')).text).toContain('data-testid="unread-dot"');
  });

  it('shows no red dot for a reply whose lesson was deleted with its comments', async () => {
    const course = await courseWithPreview(ctx.t.db);
    const asker = await owner(ctx.t.app, ctx.t.db, course.id);
    const top = commentIdFrom((await postComment(asker, course.slug, course.locked.id, '问')).headers.location);
    await postComment(ctx.admin, course.slug, course.locked.id, '答', top);
    expect((await asker.agent.get('/me/courses')).text).toContain('data-testid="unread-dot"');

    await ctx.t.db('lessons').where({ id: course.locked.id }).delete();

    expect((await asker.agent.get('/me/courses')).text).not.toContain('data-testid="unread-dot"');
  });
});
