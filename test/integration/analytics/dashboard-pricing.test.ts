import type { Knex } from 'knex';
import { beforeAll, describe, expect, it } from 'vitest';
import { appWithSignedInAdmin } from '../../support/catalog-factories.js';
import { parseCsv } from '../../support/csv.js';
import { createCourse, createUser } from '../../support/factories.js';

const ctx = appWithSignedInAdmin();
const at = (iso: string) => new Date(iso);

let seq = 0;
/** An order row as payments leaves it, priced by commerce: a course order, or a membership order (courseId null). */
async function order(
  db: Knex,
  o: { userId: number; courseId: number | null; planId?: number; listFen: number; discountFen?: number; couponId?: number; status: string; created: string; paid?: string; refundedFen?: number },
): Promise<number> {
  const discount = o.discountFen ?? 0;
  const [id] = await db('orders').insert({
    out_trade_no: `TP${++seq}${Date.now() % 100000}${Math.random().toString().slice(2, 6)}`,
    user_id: o.userId,
    course_id: o.courseId,
    plan_id: o.planId ?? null,
    list_price_fen: o.listFen,
    discount_fen: discount,
    coupon_id: o.couponId ?? null,
    coupon_grant_id: null,
    amount_fen: o.listFen - discount,
    description: 'x',
    channel: 'native',
    status: o.status,
    // A 0-fen order is paid at once without WeChat: it has no transaction id.
    transaction_id: o.paid && o.listFen - discount > 0 ? `42000${seq}${Date.now() % 1e8}` : null,
    refunded_fen: o.refundedFen ?? 0,
    expires_at: at(o.created),
    paid_at: o.paid ? at(o.paid) : null,
    created_at: at(o.created),
    updated_at: at(o.created),
  });
  return Number(id);
}

async function plan(db: Knex, name: string, priceFen: number): Promise<number> {
  const now = new Date();
  const [id] = await db('membership_plans').insert({ name, description: '', price_fen: priceFen, period_days: 30, scope: 'all', status: 'active', created_at: now, updated_at: now });
  return Number(id);
}

// Fixture, hand-computed. "Now" is 2026-12-10 12:00 Beijing; the range is 12-01..12-03 (Beijing).
// Course C lists at ¥100; plan 月卡 at ¥30; plan 年卡 sells nothing in the range.
//   12-01  u1 buys C with a ¥20-off coupon: pays ¥80.
//   12-01  u2 buys C with a 100%-off coupon: a paid order of ¥0, no transaction id.
//   12-02  u3 buys 月卡 at list price: pays ¥30.
//   12-02  u4 buys 月卡 with a ¥5-off coupon: pays ¥25, refunded in full on 12-03.
//   12-02  u5 opens a 月卡 order and never pays.
// So: paid orders 4; gross ¥135 (list prices would say ¥260); refunds ¥25; net ¥110; discounts ¥125.
// By product: C nets ¥80 from 2 paid orders, 月卡 nets ¥30 from 2 paid orders.
let C: { id: number; title: string };
beforeAll(async () => {
  const db = ctx.t.db;
  ctx.t.clock.set(at('2026-12-10T04:00:00Z'));
  C = await createCourse(db, { title: '定价课程 C', priceFen: 10000 });
  const monthly = await plan(db, '月卡', 3000);
  await plan(db, '年卡', 30000);
  const u: number[] = [];
  for (let i = 0; i < 5; i++) u.push((await createUser(db, { passwordHash: 'not-a-real-hash' })).id);
  const o1 = await order(db, { userId: u[0]!, courseId: C.id, listFen: 10000, discountFen: 2000, couponId: 7, status: 'paid', created: '2026-12-01T02:00:00Z', paid: '2026-12-01T02:01:00Z' });
  const o2 = await order(db, { userId: u[1]!, courseId: C.id, listFen: 10000, discountFen: 10000, couponId: 8, status: 'paid', created: '2026-12-01T03:00:00Z', paid: '2026-12-01T03:00:00Z' });
  const o3 = await order(db, { userId: u[2]!, courseId: null, planId: monthly, listFen: 3000, status: 'paid', created: '2026-12-02T02:00:00Z', paid: '2026-12-02T02:01:00Z' });
  const o4 = await order(db, { userId: u[3]!, courseId: null, planId: monthly, listFen: 3000, discountFen: 500, couponId: 7, status: 'refunded', created: '2026-12-02T03:00:00Z', paid: '2026-12-02T03:01:00Z', refundedFen: 2500 });
  const o5 = await order(db, { userId: u[4]!, courseId: null, planId: monthly, listFen: 3000, status: 'pending', created: '2026-12-02T04:00:00Z' });
  await db('refunds').insert({ out_refund_no: `R${o4}`, order_id: o4, amount_fen: 2500, reason: '会员退款', status: 'succeeded', refund_id: null, requested_by: null, succeeded_at: at('2026-12-03T01:00:00Z'), created_at: at('2026-12-03T00:00:00Z'), updated_at: at('2026-12-03T01:00:00Z') });
  // The course orders granted C; the membership orders granted periods, never a course grant.
  for (const [userId, orderId] of [[u[0]!, o1], [u[1]!, o2]] as const) {
    await db('access_grants').insert({ user_id: userId, course_id: C.id, source: 'purchase', source_key: `order:${orderId}`, order_id: orderId, granted_at: at('2026-12-01T03:00:00Z'), revoked_at: null });
  }
  await db('memberships').insert({ user_id: u[2]!, plan_id: monthly, source: 'order', order_id: o3, starts_at: at('2026-12-02T02:01:00Z'), ends_at: at('2027-01-01T02:01:00Z'), created_at: at('2026-12-02T02:01:00Z') });
  // Where each order was created from: a membership order's event has no course.
  const created = (orderId: number, userId: number, courseId: number | null, source: string, iso: string) => ({ occurred_at: at(iso), type: 'order_created', user_id: userId, order_id: orderId, course_id: courseId, source, ua_class: 'desktop', referrer_class: 'none' });
  await db('analytics_events').insert([
    created(o1, u[0]!, C.id, 'menu', '2026-12-01T02:00:00Z'),
    created(o2, u[1]!, C.id, 'menu', '2026-12-01T03:00:00Z'),
    created(o3, u[2]!, null, 'article', '2026-12-02T02:00:00Z'),
    created(o4, u[3]!, null, 'article', '2026-12-02T03:00:00Z'),
    created(o5, u[4]!, null, 'article', '2026-12-02T04:00:00Z'),
  ]);
});

const RANGE = 'from=2026-12-01&to=2026-12-03';
const csv = async (table: string, query = RANGE) => {
  const res = await ctx.admin.agent.get(`/admin/dashboard/export.csv?table=${table}&${query}`);
  expect(res.status).toBe(200);
  return parseCsv(res.text);
};

describe('the dashboard with coupons and memberships', () => {
  it('sums what was actually paid, never list prices: memberships count, a 100%-off order counts as an order worth ¥0', async () => {
    expect(await csv('revenue')).toEqual([
      ['时间', '收款（元）', '退款（元）', '净收入（元）', '支付订单'],
      ['2026-12-01', '80', '0', '80', '2'],
      ['2026-12-02', '55', '0', '55', '2'],
      ['2026-12-03', '0', '25', '-25', '0'],
    ]);
    const page = await ctx.admin.agent.get(`/admin/dashboard?${RANGE}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('data-testid="total-net">¥110.00<');
    expect(page.text).toContain('data-testid="total-gross">¥135.00<');
    expect(page.text).toContain('data-testid="total-refunds">¥25.00<');
    expect(page.text).toContain('data-testid="total-orders">4<');
    expect(page.text).toContain('data-testid="total-discount">¥125.00<');
  });

  it('gives membership revenue its own row per plan beside the courses, so the rows add up to the net total', async () => {
    const rows = await csv('courses');
    const body = rows.slice(1);
    expect(body.find((r) => r[0] === C.title)?.slice(0, 4)).toEqual([C.title, '80', '2', '2']);
    expect(body.find((r) => r[0] === '会员：月卡')?.slice(0, 3)).toEqual(['会员：月卡', '30', '2']);
    // A plan with nothing in the range has no row; no row stands for a course that does not exist.
    expect(body.some((r) => r[0]!.includes('年卡'))).toBe(false);
    expect(body.some((r) => /null|NaN|undefined|#0/.test(r[0]!))).toBe(false);
    expect(body.reduce((s, r) => s + Number(r[1]), 0)).toBe(110);
    const page = await ctx.admin.agent.get(`/admin/dashboard?${RANGE}`);
    expect(page.text).toContain('会员：月卡');
  });

  it('keeps membership orders out of the course funnel, and counts the 100%-off order as a conversion', async () => {
    const rows = await csv('funnel');
    expect(rows.slice(1)).toEqual([
      ['全部课程（人次）', '0', '2', '2', '0', '0'],
      [C.title, '0', '2', '2', '0', '0'],
    ]);
  });

  it('attributes membership orders to their source with what was paid, net of refunds', async () => {
    const rows = await csv('sources');
    expect(rows.slice(1)).toEqual([
      // 月卡: three orders from the article, two paid: ¥30 + (¥25 − ¥25 refunded).
      ['公众号文章', '0', '3', '2', '30'],
      // C: two paid orders from the menu, ¥80 + ¥0.
      ['公众号菜单', '0', '2', '2', '80'],
    ]);
  });

  it('still renders a range with only membership sales and no course activity', async () => {
    const rows = await csv('revenue', 'from=2026-12-02&to=2026-12-02');
    expect(rows.slice(1)).toEqual([['2026-12-02', '55', '0', '55', '2']]);
    const courses = await csv('courses', 'from=2026-12-02&to=2026-12-02');
    expect(courses.slice(1).find((r) => r[0] === '会员：月卡')?.slice(0, 3)).toEqual(['会员：月卡', '55', '2']);
    expect(courses.slice(1).find((r) => r[0] === C.title)?.slice(0, 3)).toEqual([C.title, '0', '0']);
    // No coupon was used on a day with only a refund: the discount line is not shown.
    const refundDay = await ctx.admin.agent.get('/admin/dashboard?from=2026-12-03&to=2026-12-03');
    expect(refundDay.text).toContain('data-testid="total-net">-¥25.00<');
    expect(refundDay.text).not.toContain('total-discount');
  });
});
