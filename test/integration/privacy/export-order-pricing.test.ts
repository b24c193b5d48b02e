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

describe('我的数据: coupons and memberships themselves', () => {
  it('exports the learner’s coupon copies and membership periods, and erasure ends the memberships and drops unused copies', async () => {
    const db = ctx.t.db;
    const learner = await signedIn(ctx.t.app, db);
    const now = new Date();
    const [planId] = await db('membership_plans').insert({ name: '季卡', description: '', price_fen: 9900, period_days: 90, scope: 'all', status: 'active', created_at: now, updated_at: now });
    const [couponId] = await db('coupons').insert({ name: '新人券', code: null, claim_token: `tok${Date.now() % 1e9}`, kind: 'amount', amount_off_fen: 1000, scope: 'all', quantity: 10, issued_count: 2, per_learner: 2, status: 'active', created_at: now, updated_at: now });
    const copy = (slot: number, status: string) => ({ coupon_id: Number(couponId), user_id: learner.user.id, slot, source: 'link', status, claimed_at: now, updated_at: now });
    await db('coupon_grants').insert([copy(1, 'available'), copy(2, 'used')]);
    await db('memberships').insert({ user_id: learner.user.id, plan_id: Number(planId), source: 'order', starts_at: now, ends_at: new Date(now.getTime() + 90 * 86_400_000), created_at: now });

    const exported = JSON.parse((await learner.agent.get('/me/privacy/export')).text) as { coupons: Record<string, unknown>[]; memberships: Record<string, unknown>[] };
    const erased = await learner.agent.post('/me/privacy/erase').type('form').send({ _csrf: learner.csrf, password: learner.user.password });

    expect(exported.coupons).toEqual([expect.objectContaining({ name: '新人券', status: 'available' }), expect.objectContaining({ name: '新人券', status: 'used' })]);
    expect(exported.memberships).toEqual([expect.objectContaining({ plan: '季卡', ended_at: null })]);
    expect(erased.status).toBe(303);
    expect(await db('memberships').where({ user_id: learner.user.id })).toEqual([]);
    // The used copy stays: the order it discounted and the creator's counts still add up.
    expect(await db('coupon_grants').where({ user_id: learner.user.id })).toEqual([expect.objectContaining({ status: 'used' })]);
  });
});
