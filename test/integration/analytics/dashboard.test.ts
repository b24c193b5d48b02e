import { beforeAll, describe, expect, it } from 'vitest';
import { appWithSignedInAdmin, createLesson, signedIn } from '../../support/catalog-factories.js';
import { parseCsv } from '../../support/csv.js';
import { createCourse, createUser } from '../../support/factories.js';

const ctx = appWithSignedInAdmin();
const at = (iso: string) => new Date(iso);

// Fixture, hand-computed. "Now" is 2026-12-10 12:00 Beijing. Course A costs ¥100 and has 3 lessons.
// Payments at 23:59:59 and 00:00:00 Beijing fall on two different days; ¥30 of the second is refunded
// on 12-03. Learners: u1 finished A and studied yesterday; u2 opened one lesson on 12-02; u3 only
// ordered; u4 (free course B) last studied 11-05; u5 joined B two days ago; u6 (admin grant on A)
// last studied 11-25; u7 got A on 11-01 and never opened it.
let A: { id: number; slug: string };
let u: number[];
beforeAll(async () => {
  const db = ctx.t.db;
  ctx.t.clock.set(at('2026-12-10T04:00:00Z'));
  A = await createCourse(db, { title: '=HYPERLINK("x") 课程', priceFen: 10000 });
  const B = await createCourse(db, { title: '免费课 B', priceFen: 0 });
  const lessons = [await createLesson(db, A.id), await createLesson(db, A.id), await createLesson(db, A.id)];
  await createLesson(db, B.id);
  u = [];
  for (let i = 1; i <= 7; i++) u.push((await createUser(db, { username: i === 2 ? `u2x${Date.now() % 1000}` : undefined })).id);
  await db('users').where({ id: u[1] }).update({ nickname: '@SUM(A1)' });
  const order = async (userId: number, status: string, created: string, paid: string | null) => {
    const [id] = await db('orders').insert({ out_trade_no: `T${userId}${Date.now() % 100000}${Math.random().toString().slice(2, 6)}`, user_id: userId, course_id: A.id, amount_fen: 10000, description: 'A', channel: 'native', status, refunded_fen: 0, expires_at: at(created), paid_at: paid ? at(paid) : null, created_at: at(created), updated_at: at(created) });
    return Number(id);
  };
  await order(u[0]!, 'paid', '2026-12-01T15:50:00Z', '2026-12-01T15:59:59Z');
  const o2 = await order(u[1]!, 'paid', '2026-12-01T15:55:00Z', '2026-12-01T16:00:00Z');
  await order(u[2]!, 'pending', '2026-12-02T03:00:00Z', null);
  await db('orders').where({ id: o2 }).update({ refunded_fen: 3000 });
  await db('refunds').insert({ out_refund_no: `R${o2}`, order_id: o2, amount_fen: 3000, reason: '部分退款', status: 'succeeded', refund_id: null, requested_by: null, succeeded_at: at('2026-12-03T01:00:00Z'), created_at: at('2026-12-03T00:00:00Z'), updated_at: at('2026-12-03T01:00:00Z') });
  const grant = (userId: number, courseId: number, source: string, key: string, when: string) =>
    db('access_grants').insert({ user_id: userId, course_id: courseId, source, source_key: key, order_id: null, granted_at: at(when), revoked_at: null });
  await grant(u[0]!, A.id, 'purchase', 'order:a1', '2026-12-01T15:59:59Z');
  await grant(u[1]!, A.id, 'purchase', 'order:a2', '2026-12-01T16:00:00Z');
  await grant(u[3]!, B.id, 'free', 'free', '2026-11-01T00:00:00Z');
  await grant(u[4]!, B.id, 'free', 'free', '2026-12-08T00:00:00Z');
  await grant(u[5]!, A.id, 'admin_grant', 'admin', '2026-11-20T00:00:00Z');
  await grant(u[6]!, A.id, 'admin_grant', 'admin', '2026-11-01T00:00:00Z');
  const progress = (userId: number, courseId: number, lessonId: number, last: string, done: boolean, seconds = 600) =>
    db('lesson_progress').insert({ user_id: userId, lesson_id: lessonId, course_id: courseId, first_opened_at: at(last), last_opened_at: at(last), last_active_at: at(last), seconds_studied: seconds, completed_at: done ? at(last) : null });
  for (const l of lessons) await progress(u[0]!, A.id, l.id, '2026-12-09T02:00:00Z', true);
  await progress(u[1]!, A.id, lessons[0]!.id, '2026-12-02T02:00:00Z', false);
  await progress(u[5]!, A.id, lessons[0]!.id, '2026-11-25T02:00:00Z', false);
  const bLesson = await db('lessons').where({ course_id: B.id }).first();
  await progress(u[3]!, B.id, bLesson.id, '2026-11-05T02:00:00Z', false);
  // Course viewers from the rollup: u1 on two days (one person), a visitor on 12-02, someone on 11-30 (outside).
  await db('analytics_daily_actors').insert([
    { day: '2026-12-01', type: 'course_view', course_id: A.id, actor: `u:${u[0]}` },
    { day: '2026-12-02', type: 'course_view', course_id: A.id, actor: `u:${u[0]}` },
    { day: '2026-12-02', type: 'course_view', course_id: A.id, actor: 'v:abcdefabcdefabcd' },
    { day: '2026-11-30', type: 'course_view', course_id: A.id, actor: 'v:outsideoutsideou' },
  ]);
  await db('analytics_daily').insert([
    { day: '2026-12-01', type: 'visit', source: 'menu', course_id: A.id, events: 5 },
    { day: '2026-12-02', type: 'visit', source: 'share', course_id: A.id, events: 2 },
    { day: '2026-12-02', type: 'visit', source: 'menu', course_id: 0, events: 1 },
  ]);
});

const csv = async (table: string, query = 'from=2026-12-01&to=2026-12-03') => {
  const res = await ctx.admin.agent.get(`/admin/dashboard/export.csv?table=${table}&${query}`);
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toContain('text/csv');
  return parseCsv(res.text);
};

describe('the dashboard on hand-computed fixture data', () => {
  it('counts revenue net of a partial refund on Beijing days, split at midnight UTC+8', async () => {
    const rows = await csv('revenue');
    expect(rows).toEqual([
      ['时间', '收款（元）', '退款（元）', '净收入（元）', '支付订单'],
      ['2026-12-01', '100', '0', '100', '1'],
      ['2026-12-02', '100', '0', '100', '1'],
      ['2026-12-03', '0', '30', '-30', '0'],
    ]);
    const page = await ctx.admin.agent.get('/admin/dashboard?from=2026-12-01&to=2026-12-03');
    expect(page.status).toBe(200);
    expect(page.text).toContain('data-testid="total-net">¥170.00<');
    expect(page.text).toContain('data-testid="total-refunds">¥30.00<');
    const monthly = await csv('revenue', 'from=2026-12-01&to=2026-12-03&by=month');
    expect(monthly.slice(1)).toEqual([['2026-12', '200', '30', '170', '2']]);
    // A week is labelled by its first day inside the range (12-02 is a Wednesday; its Monday is 11-30).
    const weekly = await csv('revenue', 'from=2026-12-02&to=2026-12-08&by=week');
    expect(weekly.slice(1).map((r) => r[0])).toEqual(['2026-12-02', '2026-12-07']);
  });

  it('counts the funnel: distinct viewers, orderers, payers, starters and finishers', async () => {
    const rows = await csv('funnel');
    const a = rows.find((r) => r[0] === "'=HYPERLINK(\"x\") 课程");
    expect(a).toEqual(["'=HYPERLINK(\"x\") 课程", '2', '3', '2', '2', '1']);
  });

  it('shows where learners stop, lesson by lesson, and each learner’s progress', async () => {
    const drop = await csv('dropoff', `from=2026-12-01&to=2026-12-03&course=${A.id}`);
    expect(drop.slice(1).map((r) => [r[1], r[2]])).toEqual([
      ['3', '1'],
      ['1', '1'],
      ['1', '1'],
    ]);
    const progress = await csv('progress', `from=2026-12-01&to=2026-12-03&course=${A.id}`);
    expect(progress.slice(1).map((r) => [r[1], r[3], r[6]])).toEqual([
      ['3', '100', '活跃'],
      ['0', '0', '流失风险'],
      ['0', '0', '流失风险'],
      ['0', '0', '未开始'],
    ]);
    expect(progress.some((r) => r[0] === "'@SUM(A1)")).toBe(true);
  });

  it('groups learners into segments by recency', async () => {
    const page = await ctx.admin.agent.get('/admin/dashboard');
    const count = (key: string) => Number(new RegExp(`data-testid="segment-count-${key}">(\\d+)<`).exec(page.text)![1]);
    expect({ new: count('new'), active: count('active'), at_risk: count('at_risk'), dormant: count('dormant'), not_started: count('not_started') }).toEqual({ new: 1, active: 1, at_risk: 2, dormant: 1, not_started: 1 });
  });

  it('counts visits by source from the rollup, and each order once under the source it was first created from', async () => {
    const first = await ctx.t.db('orders').where({ user_id: u[0] }).first('id');
    const event = (source: string, iso: string) => ({ occurred_at: at(iso), type: 'order_created', user_id: u[0], order_id: first.id, course_id: A.id, source, ua_class: 'desktop', referrer_class: 'none' });
    // The learner came back to the same pending order from an article: still one order, from the menu.
    await ctx.t.db('analytics_events').insert([event('menu', '2026-12-01T15:50:00Z'), event('article', '2026-12-01T15:55:00Z')]);
    const rows = await csv('sources');
    expect(rows.slice(1).map((r) => [r[0], r[1], r[2], r[3], r[4]])).toEqual([
      ['公众号菜单', '6', '1', '1', '100'],
      ['分享链接', '2', '0', '0', '0'],
    ]);
  });

  it('refuses a learner, and says what is wrong with a bad range instead of failing', async () => {
    const learner = await signedIn(ctx.t.app, ctx.t.db);
    expect((await learner.agent.get('/admin/dashboard')).status).toBe(403);
    expect((await learner.agent.get('/admin/dashboard/export.csv?table=revenue')).status).toBe(403);
    const bad = await ctx.admin.agent.get('/admin/dashboard?from=2026-12-09&to=2026-12-01');
    expect(bad.status).toBe(200);
    expect(bad.text).toContain('结束日期早于开始日期');
    const unknown = await ctx.admin.agent.get('/admin/dashboard/export.csv?table=__proto__');
    expect(unknown.status).toBe(400);
  });
});
