import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { appWithSignedInAdmin } from '../../support/catalog-factories.js';
import { commentIdFrom, courseWithPreview, owner, postComment } from '../../support/feedback-factories.js';

const keywords = path.join(os.tmpdir(), `zhifu-keywords-${process.pid}.txt`);
writeFileSync(keywords, '# 只有这一个词\n菠萝\n');
const ctx = appWithSignedInAdmin({ COMMENT_RATE_LIMIT: '3', REPORT_RATE_LIMIT: '1', MODERATION_KEYWORDS_FILE: keywords });

describe('per-user limits and the configured keyword list', () => {
  it('refuses the fourth comment in the window with 429 and writes it nowhere', async () => {
    const course = await courseWithPreview(ctx.t.db);
    const learner = await owner(ctx.t.app, ctx.t.db, course.id);
    const other = await owner(ctx.t.app, ctx.t.db, course.id);

    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await postComment(learner, course.slug, course.locked.id, `第${i}条`)).status);
    const someoneElse = await postComment(other, course.slug, course.locked.id, '别人不受影响');

    expect(statuses).toEqual([303, 303, 303, 429]);
    const limited = await postComment(learner, course.slug, course.locked.id, '被限流时写的长留言');
    expect(limited.text).toContain('发言太频繁了');
    expect(limited.text).toContain('被限流时写的长留言</textarea>');
    expect(someoneElse.status).toBe(303);
    expect(await ctx.t.db('comments').where({ user_id: learner.user.id })).toHaveLength(3);
  });

  it('refuses a second report in the window', async () => {
    const course = await courseWithPreview(ctx.t.db);
    const author = await owner(ctx.t.app, ctx.t.db, course.id);
    const reporter = await owner(ctx.t.app, ctx.t.db, course.id);
    const a = commentIdFrom((await postComment(author, course.slug, course.locked.id, '一')).headers.location);
    const b = commentIdFrom((await postComment(author, course.slug, course.locked.id, '二')).headers.location);

    const first = await reporter.agent.post(`/comments/${a}/report`).type('form').send({ _csrf: reporter.csrf });
    const second = await reporter.agent.post(`/comments/${b}/report`).type('form').send({ _csrf: reporter.csrf });

    expect(first.status).toBe(303);
    expect(second.status).toBe(429);
    expect(second.text).toContain('举报太频繁了');
    expect(await ctx.t.db('feedback_reports').where({ reporter_id: reporter.user.id })).toHaveLength(1);
  });

  it('holds by the configured list instead of the default one', async () => {
    const course = await courseWithPreview(ctx.t.db);
    const learner = await owner(ctx.t.app, ctx.t.db, course.id);

    await postComment(learner, course.slug, course.locked.id, '加微信聊');
    await postComment(learner, course.slug, course.locked.id, '我爱吃菠萝');

    expect(await ctx.t.db('comments').where({ user_id: learner.user.id }).orderBy('id').pluck('status')).toEqual(['published', 'held']);
  });
});
