import { describe, expect, it } from 'vitest';
import { browser } from '../../support/forms.js';
import { appWithSignedInAdmin, signedIn } from '../../support/catalog-factories.js';
import { commentIdFrom, courseWithPreview, owner, postComment } from '../../support/feedback-factories.js';

const ctx = appWithSignedInAdmin();
const commentRows = (lessonId: number) => ctx.t.db('comments').where({ lesson_id: lessonId }).orderBy('id');
const lessonPath = (c: { slug: string }, lessonId: number) => `/courses/${c.slug}/lessons/${lessonId}`;

describe('writing comments under a lesson', () => {
  it('publishes an owner’s comment under the lesson and goes back to it', async () => {
    const course = await courseWithPreview(ctx.t.db);
    const buyer = await owner(ctx.t.app, ctx.t.db, course.id);

    const res = await postComment(buyer, course.slug, course.locked.id, '第二段讲得很清楚');

    expect(res.status).toBe(303);
    const id = commentIdFrom(res.headers.location);
    expect(res.headers.location).toBe(`${lessonPath(course, course.locked.id)}#comment-${id}`);
    const page = await buyer.agent.get(lessonPath(course, course.locked.id));
    expect(page.text).toContain('第二段讲得很清楚');
    expect(page.text).toContain('留言已发布');
    expect(await commentRows(course.locked.id)).toMatchObject([{ id, user_id: buyer.user.id, course_id: course.id, parent_id: null, status: 'published' }]);
  });

  it('renders Markdown-lite: code and links, but no images, headings or raw HTML', async () => {
    const course = await courseWithPreview(ctx.t.db);
    const buyer = await owner(ctx.t.app, ctx.t.db, course.id);
    const body = '# 标题\n用 `go run` 跑\n\n```go\nfmt.Println(1)\n```\n![x](https://img.example.com/a.png) <b>粗</b> <script>alert(1)</script> [链接](javascript:alert(2)) https://go.dev';

    await postComment(buyer, course.slug, course.locked.id, body);
    const page = (await buyer.agent.get(lessonPath(course, course.locked.id))).text;
    const comments = page.slice(page.indexOf('id="comments"'));

    expect(comments).toContain('<code>go run</code>');
    expect(comments).toContain('<pre><code class="language-go">fmt.Println(1)');
    expect(comments).toContain('<a href="https://go.dev" rel="nofollow noopener noreferrer">');
    expect(comments).not.toContain('<img');
    expect(comments).not.toContain('<h1');
    expect(comments).not.toContain('<script>alert(1)');
    expect(comments).not.toContain('<b>');
    expect(comments).not.toContain('href="javascript:');
    expect(comments).toContain('&lt;script&gt;');
  });

  it('shows an XSS nickname and body as text in the lesson page and in JSON', async () => {
    const course = await courseWithPreview(ctx.t.db);
    const buyer = await owner(ctx.t.app, ctx.t.db, course.id);
    await ctx.t.db('users').where({ id: buyer.user.id }).update({ nickname: '"><svg onload=alert(7)>' });

    await postComment(buyer, course.slug, course.locked.id, '<img src=x onerror=alert(8)>');
    const page = (await buyer.agent.get(lessonPath(course, course.locked.id))).text;
    const json = (await buyer.agent.get(`/api/lessons/${course.locked.id}/comments`)).body;

    expect(page).not.toContain('<svg onload');
    expect(page).not.toContain('<img src=x');
    expect(page).toContain('&#34;&gt;&lt;svg onload=alert(7)&gt;');
    expect(page).toContain('&lt;img src=x onerror=alert(8)&gt;');
    expect(json.items[0].author.nickname).toBe('"><svg onload=alert(7)>');
    expect(json.items[0].html).toBe('<p>&lt;img src=x onerror=alert(8)&gt;</p>\n');
  });

  it('refuses an empty or over-long comment with 422, the text kept, and writes nothing', async () => {
    const course = await courseWithPreview(ctx.t.db);
    const buyer = await owner(ctx.t.app, ctx.t.db, course.id);
    const long = '长'.repeat(2001);

    const empty = await postComment(buyer, course.slug, course.locked.id, '   ');
    const tooLong = await postComment(buyer, course.slug, course.locked.id, long);
    const exactly = await postComment(buyer, course.slug, course.locked.id, '好'.repeat(2000));

    expect(empty.status).toBe(422);
    expect(empty.text).toContain('请写下留言内容');
    expect(tooLong.status).toBe(422);
    expect(tooLong.text).toContain('留言最多 2000 字');
    expect(tooLong.text).toContain(long);
    expect(exactly.status).toBe(303);
    expect(await commentRows(course.locked.id)).toHaveLength(1);
  });

  it('keeps replies one level deep: a reply to a reply joins the thread and answers its author', async () => {
    const course = await courseWithPreview(ctx.t.db);
    const a = await owner(ctx.t.app, ctx.t.db, course.id);
    const b = await owner(ctx.t.app, ctx.t.db, course.id);
    const c = await owner(ctx.t.app, ctx.t.db, course.id);

    const top = commentIdFrom((await postComment(a, course.slug, course.locked.id, '问题')).headers.location);
    const reply = commentIdFrom((await postComment(b, course.slug, course.locked.id, '回答', top)).headers.location);
    const deeper = commentIdFrom((await postComment(c, course.slug, course.locked.id, '补充', reply)).headers.location);

    const rows = await commentRows(course.locked.id);
    expect(rows.find((r) => r.id === reply)).toMatchObject({ parent_id: top, reply_to_user_id: a.user.id });
    expect(rows.find((r) => r.id === deeper)).toMatchObject({ parent_id: top, reply_to_user_id: b.user.id });
    const json = (await a.agent.get(`/api/lessons/${course.locked.id}/comments`)).body;
    expect(json.items).toHaveLength(1);
    // Only a reply to a reply names whom it answers; a direct reply answers the thread.
    expect(json.items[0].replies.map((r: { id: number; replyTo: string | null }) => [r.id, r.replyTo])).toEqual([
      [reply, null],
      [deeper, b.user.username],
    ]);
  });

  it('marks the creator’s reply with 作者', async () => {
    const course = await courseWithPreview(ctx.t.db);
    const buyer = await owner(ctx.t.app, ctx.t.db, course.id);
    const top = commentIdFrom((await postComment(buyer, course.slug, course.locked.id, '请问')).headers.location);

    await postComment(ctx.admin, course.slug, course.locked.id, '作者来答', top);
    const json = (await buyer.agent.get(`/api/lessons/${course.locked.id}/comments`)).body;
    const page = (await buyer.agent.get(lessonPath(course, course.locked.id))).text;

    expect(json.items[0].author.isCreator).toBe(false);
    expect(json.items[0].replies[0].author).toEqual({ nickname: ctx.admin.user.username, isCreator: true });
    expect(page.match(/data-testid="creator-badge">作者</g)).toHaveLength(1);
  });

  it('pages top-level comments, newest or oldest first', async () => {
    const course = await courseWithPreview(ctx.t.db);
    const buyer = await owner(ctx.t.app, ctx.t.db, course.id);
    for (let i = 1; i <= 23; i++) {
      ctx.t.clock.advance(1000);
      await postComment(buyer, course.slug, course.locked.id, `第${i}条`);
    }

    const newest = (await buyer.agent.get(`/api/lessons/${course.locked.id}/comments`)).body;
    const oldest2 = (await buyer.agent.get(`/api/lessons/${course.locked.id}/comments?order=oldest&page=2`)).body;
    const html2 = (await buyer.agent.get(`${lessonPath(course, course.locked.id)}?comments=newest&cpage=2`)).text;

    expect(newest).toMatchObject({ total: 23, page: 1, pages: 2, order: 'newest' });
    expect(newest.items).toHaveLength(20);
    expect(newest.items[0].html).toContain('第23条');
    expect(oldest2.items.map((i: { html: string }) => i.html.replace(/<[^>]+>/g, '').trim())).toEqual(['第21条', '第22条', '第23条']);
    expect(html2).toContain('第3条');
    expect(html2).not.toContain('第4条<');
    expect(html2).toContain('2 / 2');
  });
});

describe('who may read comments', () => {
  it('hides a locked lesson’s comments from non-owners on every route, in HTML and JSON', async () => {
    const course = await courseWithPreview(ctx.t.db);
    const buyer = await owner(ctx.t.app, ctx.t.db, course.id);
    const secret = `SECRET-COMMENT-${Date.now()}`;
    const id = commentIdFrom((await postComment(buyer, course.slug, course.locked.id, secret)).headers.location);
    const stranger = await signedIn(ctx.t.app, ctx.t.db);
    const visitor = browser(ctx.t.app);

    for (const who of [stranger.agent, visitor]) {
      const lesson = await who.get(lessonPath(course, course.locked.id));
      const api = await who.get(`/api/lessons/${course.locked.id}/comments`);
      const course_ = await who.get(`/courses/${course.slug}`);
      const edit = await who.get(`/comments/${id}/edit`);
      expect(lesson.status).toBe(403);
      expect(api.status).toBe(403);
      expect(api.body).toEqual({ code: 'LESSON_LOCKED', message: '购买或加入课程后才能查看和发表留言' });
      for (const res of [lesson, api, course_, edit]) expect(res.text).not.toContain(secret);
    }
    const report = await stranger.agent.post(`/comments/${id}/report`).type('form').send({ _csrf: stranger.csrf, reason: 'spam' });
    const reply = await postComment(stranger, course.slug, course.locked.id, '想看', id);
    expect(report.status).toBe(403);
    expect(report.text).not.toContain(secret);
    expect(reply.status).toBe(403);
    expect(await commentRows(course.locked.id)).toHaveLength(1);
    expect((await ctx.t.db('comments').where({ id }).first()).report_count).toBe(0);
  });

  it('lets anyone read a free preview’s comments, and asks a visitor to log in to write', async () => {
    const course = await courseWithPreview(ctx.t.db);
    const learner = await signedIn(ctx.t.app, ctx.t.db);
    const res = await postComment(learner, course.slug, course.preview.id, '试看就很棒');
    const visitor = browser(ctx.t.app);

    const page = await visitor.get(lessonPath(course, course.preview.id));
    const api = await visitor.get(`/api/lessons/${course.preview.id}/comments`);
    const anonymousPost = await visitor.post(`/courses/${course.slug}/lessons/${course.preview.id}/comments`).type('form').send({ body: '匿名' });

    expect(res.status).toBe(303);
    expect(page.text).toContain('试看就很棒');
    expect(page.text).toContain('后参与留言');
    expect(page.text).not.toContain('data-testid="comment-form"');
    expect(api.body.total).toBe(1);
    expect(anonymousPost.status).toBeGreaterThanOrEqual(300);
    expect(await commentRows(course.preview.id)).toHaveLength(1);
  });
});

describe('editing and deleting', () => {
  it('lets the author edit within 10 minutes, and refuses after with a clear 403', async () => {
    const course = await courseWithPreview(ctx.t.db);
    const buyer = await owner(ctx.t.app, ctx.t.db, course.id);
    const id = commentIdFrom((await postComment(buyer, course.slug, course.locked.id, '初稿')).headers.location);

    const form = await buyer.agent.get(`/comments/${id}/edit`);
    const edited = await buyer.agent.post(`/comments/${id}/edit`).type('form').send({ _csrf: buyer.csrf, body: '改过的' });
    ctx.t.clock.advance(10 * 60_000 + 1000);
    const late = await buyer.agent.post(`/comments/${id}/edit`).type('form').send({ _csrf: buyer.csrf, body: '太晚了' });
    const lateJson = await buyer.agent.get(`/comments/${id}/edit`).set('Accept', 'application/json');

    expect(form.status).toBe(200);
    expect(form.text).toContain('初稿');
    expect(edited.status).toBe(303);
    expect(late.status).toBe(403);
    expect(late.text).toContain('留言发布超过 10 分钟后不能再编辑');
    expect(lateJson.body.code).toBe('EDIT_WINDOW_PASSED');
    const row = await ctx.t.db('comments').where({ id }).first();
    expect(row.body_md).toBe('改过的');
    expect(row.edited_at).not.toBeNull();
  });

  it('refuses an edit or a delete by anyone but the author', async () => {
    const course = await courseWithPreview(ctx.t.db);
    const author = await owner(ctx.t.app, ctx.t.db, course.id);
    const other = await owner(ctx.t.app, ctx.t.db, course.id);
    const id = commentIdFrom((await postComment(author, course.slug, course.locked.id, '我的')).headers.location);

    const edit = await other.agent.post(`/comments/${id}/edit`).type('form').send({ _csrf: other.csrf, body: '改你的' });
    const del = await other.agent.post(`/comments/${id}/delete`).type('form').send({ _csrf: other.csrf });

    expect(edit.status).toBe(403);
    expect(edit.text).toContain('只能修改或删除自己的留言');
    expect(del.status).toBe(403);
    expect(await ctx.t.db('comments').where({ id }).first()).toMatchObject({ body_md: '我的', status: 'published' });
  });

  it('deletes the author’s own comment, keeping its replies under a placeholder', async () => {
    const course = await courseWithPreview(ctx.t.db);
    const author = await owner(ctx.t.app, ctx.t.db, course.id);
    const other = await owner(ctx.t.app, ctx.t.db, course.id);
    const id = commentIdFrom((await postComment(author, course.slug, course.locked.id, '要删的话')).headers.location);
    await postComment(other, course.slug, course.locked.id, '一条回复', id);

    ctx.t.clock.advance(60 * 60_000);
    const del = await author.agent.post(`/comments/${id}/delete`).type('form').send({ _csrf: author.csrf });
    const page = (await other.agent.get(lessonPath(course, course.locked.id))).text;

    expect(del.status).toBe(303);
    expect(page).toContain('该留言已删除');
    expect(page).toContain('一条回复');
    expect(page).not.toContain('要删的话');
    expect(await ctx.t.db('comments').where({ id }).first()).toMatchObject({ status: 'deleted', body_md: '' });
  });
});

describe('replies notify their parent’s author', () => {
  it('shows a red dot and the reply in 回复我的, then clears the dot', async () => {
    const course = await courseWithPreview(ctx.t.db);
    const asker = await owner(ctx.t.app, ctx.t.db, course.id);
    const top = commentIdFrom((await postComment(asker, course.slug, course.locked.id, '怎么调试？')).headers.location);

    const before = await asker.agent.get('/me/courses');
    await postComment(ctx.admin, course.slug, course.locked.id, '用 `dlv` 调试', top);
    await postComment(asker, course.slug, course.locked.id, '自己回复自己不提醒', top);
    const dotted = await asker.agent.get('/me/courses');
    const inbox = await asker.agent.get('/me/replies');
    const after = await asker.agent.get('/me/courses');

    expect(before.text).not.toContain('data-testid="unread-dot"');
    expect(dotted.text).toContain('data-testid="unread-dot"');
    expect(inbox.text.match(/data-testid="reply-item"/g)).toHaveLength(1);
    expect(inbox.text).toContain('<code>dlv</code>');
    expect(inbox.text).toContain('作者');
    expect(after.text).not.toContain('data-testid="unread-dot"');
  });

  it('lists a reply without its text once the learner can no longer study the lesson, so the dot and the list agree', async () => {
    const course = await courseWithPreview(ctx.t.db);
    const asker = await owner(ctx.t.app, ctx.t.db, course.id);
    const top = commentIdFrom((await postComment(asker, course.slug, course.locked.id, '问')).headers.location);
    await postComment(ctx.admin, course.slug, course.locked.id, 'PAID-ANSWER', top);
    await ctx.t.db('access_grants').where({ user_id: asker.user.id, course_id: course.id }).update({ revoked_at: new Date(), revoked_reason: 'refund' });

    const dotted = await asker.agent.get('/me/courses');
    const inbox = await asker.agent.get('/me/replies');

    expect(dotted.text).toContain('data-testid="unread-dot"');
    expect(inbox.status).toBe(200);
    expect(inbox.text).not.toContain('PAID-ANSWER');
    expect(inbox.text.match(/data-testid="reply-locked"/g)).toHaveLength(1);
  });
});

describe('what a learner typed is not lost, and not posted twice', () => {
  it('posts the same form (its form_key) once, however often and however fast it is sent', async () => {
    const course = await courseWithPreview(ctx.t.db);
    const buyer = await owner(ctx.t.app, ctx.t.db, course.id);
    const page = (await buyer.agent.get(lessonPath(course, course.locked.id))).text;
    const formKey = /name="form_key" value="([^"]+)"/.exec(page)![1]!;
    const send = () => buyer.agent.post(`/courses/${course.slug}/lessons/${course.locked.id}/comments`).type('form').send({ _csrf: buyer.csrf, body: '双击了', form_key: formKey });

    const all = [await send(), ...(await Promise.all([send(), send(), send()]))];

    expect(new Set(all.map((r) => r.headers.location)).size).toBe(1);
    expect(await commentRows(course.locked.id)).toHaveLength(1);
    const next = (await buyer.agent.get(lessonPath(course, course.locked.id))).text;
    expect(/name="form_key" value="([^"]+)"/.exec(next)![1]).not.toBe(formKey);
  });

  it('refuses arrays and a bad parent with Chinese messages, never English or a 500', async () => {
    const course = await courseWithPreview(ctx.t.db);
    const buyer = await owner(ctx.t.app, ctx.t.db, course.id);
    const url = `/courses/${course.slug}/lessons/${course.locked.id}/comments`;

    const arrays = await buyer.agent.post(url).type('form').send(`_csrf=${encodeURIComponent(buyer.csrf)}&body=a&body=b`);
    const badParent = await buyer.agent.post(url).type('form').send({ _csrf: buyer.csrf, body: '回复', parent_id: 'abc' });
    const goneParent = await buyer.agent.post(url).type('form').send({ _csrf: buyer.csrf, body: '回复', parent_id: '999999' });

    expect(arrays.status).toBe(422);
    expect(arrays.text).toContain('请写下留言内容');
    expect(badParent.status).toBe(422);
    expect(badParent.text).toContain('回复的留言不存在或已删除');
    expect(goneParent.status).toBe(404);
    for (const r of [arrays, badParent, goneParent]) expect(r.text).not.toContain('Invalid input');
    expect(await commentRows(course.locked.id)).toHaveLength(0);
  });

  it('gives back the typed text with the reason when the edit window has passed', async () => {
    const course = await courseWithPreview(ctx.t.db);
    const buyer = await owner(ctx.t.app, ctx.t.db, course.id);
    const id = commentIdFrom((await postComment(buyer, course.slug, course.locked.id, '初稿')).headers.location);
    ctx.t.clock.advance(11 * 60_000);

    const late = await buyer.agent.post(`/comments/${id}/edit`).type('form').send({ _csrf: buyer.csrf, body: '花了很久写的修改' });

    expect(late.status).toBe(403);
    expect(late.text).toContain('<textarea');
    expect(late.text).toContain('花了很久写的修改');
    expect(late.text).toContain('留言发布超过 10 分钟后不能再编辑');
  });

  it('takes a reply under a deleted comment, which heads the thread as a placeholder', async () => {
    const course = await courseWithPreview(ctx.t.db);
    const a = await owner(ctx.t.app, ctx.t.db, course.id);
    const b = await owner(ctx.t.app, ctx.t.db, course.id);
    const top = commentIdFrom((await postComment(a, course.slug, course.locked.id, '原帖')).headers.location);
    const reply = commentIdFrom((await postComment(b, course.slug, course.locked.id, '回复一', top)).headers.location);
    await a.agent.post(`/comments/${top}/delete`).type('form').send({ _csrf: a.csrf });

    const res = await postComment(a, course.slug, course.locked.id, '回复二', reply);

    expect(res.status).toBe(303);
    expect((await ctx.t.db('comments').where({ id: commentIdFrom(res.headers.location) }).first()).parent_id).toBe(top);
  });

  it('lets a refunded learner still delete what they wrote', async () => {
    const course = await courseWithPreview(ctx.t.db);
    const buyer = await owner(ctx.t.app, ctx.t.db, course.id);
    const id = commentIdFrom((await postComment(buyer, course.slug, course.locked.id, '退款前写的')).headers.location);
    await ctx.t.db('access_grants').where({ user_id: buyer.user.id, course_id: course.id }).update({ revoked_at: new Date(), revoked_reason: 'refund' });

    const res = await buyer.agent.post(`/comments/${id}/delete`).type('form').send({ _csrf: buyer.csrf });

    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`/courses/${course.slug}`);
    expect(await ctx.t.db('comments').where({ id }).first()).toMatchObject({ status: 'deleted', body_md: '' });
  });
});
