import { describe, expect, it } from 'vitest';
import { appWithSignedInAdmin, signedIn } from '../../support/catalog-factories.js';
import { createCourse } from '../../support/factories.js';

const ctx = appWithSignedInAdmin();

describe('我的数据 with coupons and memberships', () => {
  it('exports each order with what it bought and how its amount came about: list price, discount and coupon', async () => {
    const db = ctx.t.db;
    const learner = await signedIn(ctx.t.app, db);
    const course = await createCourse(db, { priceFen: 9900 });
    const now = new Date();
    const [planId] = await db('membership_plans').insert({ name: '年卡', description: '', price_fen: 19900, period_days: 365, scope: 'all', status: 'active', created_at: now, updated_at: now });
    const row = (no: string, o: Record<string, unknown>) => ({ out_trade_no: no, user_id: learner.user.id, description: 'x', channel: 'native', status: 'paid', refunded_fen: 0, expires_at: now, paid_at: now, created_at: now, updated_at: now, ...o });
    await db('orders').insert(row(`ZFEXC${Date.now() % 1e6}`, { course_id: course.id, plan_id: null, list_price_fen: 9900, discount_fen: 2000, coupon_id: 5, amount_fen: 7900 }));
    await db('orders').insert(row(`ZFEXP${Date.now() % 1e6}`, { course_id: null, plan_id: Number(planId), list_price_fen: 19900, discount_fen: 0, coupon_id: null, amount_fen: 19900 }));

    const res = await learner.agent.get('/me/privacy/export');

    expect(res.status).toBe(200);
    const { orders } = JSON.parse(res.text) as { orders: Record<string, unknown>[] };
    expect(orders).toEqual([
      expect.objectContaining({ course_id: course.id, plan_id: null, list_price_fen: 9900, discount_fen: 2000, coupon_id: 5, amount_fen: 7900 }),
      expect.objectContaining({ course_id: null, plan_id: Number(planId), list_price_fen: 19900, discount_fen: 0, coupon_id: null, amount_fen: 19900 }),
    ]);
  });
});
