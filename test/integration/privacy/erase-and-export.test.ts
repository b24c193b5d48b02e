import type { Knex } from 'knex';
import { beforeAll, describe, expect, it } from 'vitest';
import { browser, logIn } from '../../support/forms.js';
import { appWithSignedInAdmin, csrfOf, grantAccess, signedIn } from '../../support/catalog-factories.js';
import { commentIdFrom, courseWithPreview, postComment, rate } from '../../support/feedback-factories.js';
import { createUser } from '../../support/factories.js';

const ctx = appWithSignedInAdmin({ ANALYTICS_FLUSH_MS: '3600000', ANALYTICS_BATCH_SIZE: '1000' });

async function tables(db: Knex): Promise<string[]> {
  const names =
    db.client.config.client === 'better-sqlite3'
      ? (await db.raw("select name from sqlite_master where type = 'table' and name not like 'sqlite_%'")).map((r: { name: string }) => r.name)
      : ((await db.raw('select table_name as name from information_schema.tables where table_schema = database()'))[0] as { name: string }[]).map((r) => r.name);
  // The sandbox tables are WeChat's side of the simulation (WeChat keeps its own records of a payer),
  // and the migration bookkeeping holds no people.
  return names.filter((n: string) => !n.startsWith('sandbox_') && !n.startsWith('knex_'));
}

/** Every table and column where any of the strings appears. */
async function whereFound(db: Knex, needles: string[]): Promise<string[]> {
  const found: string[] = [];
  for (const table of await tables(db)) {
    for (const row of await db(table).select()) {
      for (const [column, value] of Object.entries(row as Record<string, unknown>)) {
        const text = value instanceof Date ? '' : Buffer.isBuffer(value) ? value.toString('utf8') : String(value ?? '');
        for (const n of needles) if (text.includes(n)) found.push(`${table}.${column}`);
      }
    }
  }
  return found;
}

const totals = async (db: Knex) => ({
  orders: await db('orders').count({ n: '*' }).sum({ amount: 'amount_fen' }).sum({ refunded: 'refunded_fen' }).first(),
  refunds: await db('refunds').count({ n: '*' }).sum({ amount: 'amount_fen' }).first(),
});

describe('我的数据: export and erasure', () => {
  const stamp = Date.now() % 1_000_000;
  const username = `eraseme${stamp}`;
  const nickname = `独一无二的昵称${stamp}`;
  const openid = `oERASEopenid${stamp}xyz`;
  let learner: Awaited<ReturnType<typeof signedIn>>;
  let other: Awaited<ReturnType<typeof signedIn>>;
  let course: Awaited<ReturnType<typeof courseWithPreview>>;

  beforeAll(async () => {
    const db = ctx.t.db;
    course = await courseWithPreview(db);
    const user = await createUser(db, { username });
    await db('users').where({ id: user.id }).update({ nickname, wechat_openid: openid, wechat_unionid: `u${openid}`, avatar_url: `https://thirdwx.qlogo.cn/${openid}.png` });
    // A failed login leaves a rate-limit counter keyed by the username.
    await browser(ctx.t.app).get('/login').then(async () => logIn(browser(ctx.t.app), username, 'wrong password 123'));
    const agent = browser(ctx.t.app);
    await logIn(agent, username, user.password);
    learner = { agent, user, csrf: await csrfOf(agent) };
    other = await signedIn(ctx.t.app, ctx.t.db);
    for (const who of [learner, other]) {
      await grantAccess(db, who.user.id, course.id, 'purchase');
      const [orderId] = await db('orders').insert({ out_trade_no: `ZFT${who.user.id}${stamp}`, user_id: who.user.id, course_id: course.id, amount_fen: 9900, description: course.title, channel: 'jsapi', status: 'paid', payer_openid: who === learner ? openid : 'oOTHER', refunded_fen: 1000, expires_at: new Date(), paid_at: new Date(), created_at: new Date(), updated_at: new Date() });
      await db('refunds').insert({ out_refund_no: `RF${who.user.id}${stamp}`, order_id: orderId, amount_fen: 1000, reason: '部分退款', status: 'succeeded', refund_id: null, requested_by: null, succeeded_at: new Date(), created_at: new Date(), updated_at: new Date() });
      await who.agent.get(`/courses/${course.slug}?utm_source=wechat_oa&utm_medium=menu`);
      await who.agent.get(`/courses/${course.slug}/lessons/${course.locked.id}`);
      await who.agent.post(`/courses/${course.slug}/like`).type('form').send({ _csrf: who.csrf });
      await rate(who, course.slug, '4', who === learner ? '学习者的评价' : '另一位的评价');
    }
    const mine = commentIdFrom((await postComment(learner, course.slug, course.locked.id, '我的留言 MY-COMMENT')).headers.location);
    const theirs = commentIdFrom((await postComment(other, course.slug, course.locked.id, '别人的留言 OTHER-COMMENT')).headers.location);
    await postComment(other, course.slug, course.locked.id, '回复你', mine);
    await learner.agent.post(`/comments/${theirs}/report`).type('form').send({ _csrf: learner.csrf, reason: 'spam' });
    await db('wechat_message_receipts').insert({ message_key: `evt:${openid}:1700000000:VIEW`, received_at: new Date() });
    await ctx.t.flushEvents();
    // Their recommendation lists are derived from their signals: theirs to export and to erase.
    await ctx.t.buildRecommendations({ full: true });
  });

  it('exports everything held about me, and nothing about anyone else', async () => {
    const res = await learner.agent.get('/me/privacy/export');
    expect(res.status).toBe(200);
    expect(res.headers['content-disposition']).toMatch(/attachment; filename="?zhifu-my-data-\d{4}-\d{2}-\d{2}\.json"?/);
    const data = JSON.parse(res.text);

    expect(data.profile).toMatchObject({ id: learner.user.id, username, nickname, hasPassword: true });
    expect(data.profile.password_hash).toBeUndefined();
    expect(data.wechat.openid).toBe(openid);
    expect(data.orders).toHaveLength(1);
    expect(data.refunds).toHaveLength(1);
    expect(data.access).toHaveLength(1);
    expect(data.progress).toHaveLength(1);
    expect(data.comments.map((c: { body_md: string }) => c.body_md)).toEqual(['我的留言 MY-COMMENT']);
    expect(data.ratings).toHaveLength(1);
    expect(data.likes).toHaveLength(1);
    expect(data.reports).toHaveLength(1);
    expect(data.notices).toHaveLength(1);
    expect(data.analytics.events.length).toBeGreaterThanOrEqual(3);
    expect(data.analytics.events.some((e: { source: string }) => e.source === 'menu')).toBe(true);
    expect(data.recommendations).toHaveLength(1);
    expect(data.recommendations[0]).toMatchObject({ computed_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/), courses: expect.any(Array) });
    for (const foreign of [other.user.username, 'OTHER-COMMENT', '另一位的评价', 'oOTHER']) expect(res.text).not.toContain(foreign);
  });

  it('refuses to erase without the right password, changing nothing', async () => {
    const res = await learner.agent.post('/me/privacy/erase').type('form').send({ _csrf: learner.csrf, password: 'not my password' });
    expect(res.status).toBe(403);
    expect(res.text).toContain('密码不正确，账号没有注销');
    expect((await ctx.t.db('users').where({ id: learner.user.id }).first()).username).toBe(username);
  });

  it('erases every trace of the person, keeps the accounting, and shows comments as 已注销用户', async () => {
    const before = await totals(ctx.t.db);
    expect(await whereFound(ctx.t.db, [username, nickname, openid])).not.toEqual([]);

    const res = await learner.agent.post('/me/privacy/erase').type('form').send({ _csrf: learner.csrf, password: learner.user.password });

    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/privacy?erased=1');
    expect(await whereFound(ctx.t.db, [username, nickname, openid])).toEqual([]);
    expect(await totals(ctx.t.db)).toEqual(before);
    expect(await ctx.t.db('sessions').where({ user_id: learner.user.id })).toHaveLength(0);
    expect((await learner.agent.get('/me/courses')).headers.location).toMatch(/^\/login/);
    const lesson = await other.agent.get(`/courses/${course.slug}/lessons/${course.locked.id}`);
    expect(lesson.text).toContain('我的留言 MY-COMMENT');
    expect(lesson.text).toContain('已注销用户');
    const audit = await ctx.t.db('admin_audit').where({ action: 'user.erase', entity_id: learner.user.id });
    expect(audit).toHaveLength(1);
    expect(audit[0].summary).toBe('{}');
    // The other learner keeps everything.
    expect(await ctx.t.db('likes').where({ user_id: other.user.id })).toHaveLength(1);
    expect(await ctx.t.db('rec_learner_lists').where({ user_id: learner.user.id })).toHaveLength(0);
    expect(await ctx.t.db('rec_learner_lists').where({ user_id: other.user.id })).toHaveLength(1);
    expect(await ctx.t.db('analytics_events').where({ user_id: other.user.id }).count({ n: '*' }).first()).not.toMatchObject({ n: 0 });
    expect((await logIn(browser(ctx.t.app), username, learner.user.password)).status).not.toBe(303);
  });

  it('refuses an admin, who must hand over first', async () => {
    const res = await ctx.admin.agent.post('/me/privacy/erase').type('form').send({ _csrf: ctx.admin.csrf, password: ctx.admin.user.password });
    expect(res.status).toBe(403);
    expect(res.text).toContain('管理员账号不能在这里注销');
  });
});

describe('the privacy page', () => {
  it('is linked from registration and the first visit, and says how long events are kept', async () => {
    const visitor = browser(ctx.t.app);
    const home = await visitor.get('/');
    const again = await visitor.get('/');
    const register = await visitor.get('/register');
    const policy = await visitor.get('/privacy');

    expect(home.text).toContain('data-testid="privacy-banner"');
    expect(again.text).not.toContain('data-testid="privacy-banner"');
    expect(register.text).toContain('href="/privacy"');
    expect(policy.status).toBe(200);
    expect(policy.text).toContain('逐条的访问记录保存 <strong>180 天</strong>');
    expect(policy.text).toContain('不记录 IP 地址');
  });
});
