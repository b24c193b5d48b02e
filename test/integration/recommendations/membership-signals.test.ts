import type { Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSignalRepository } from '../../../src/modules/recommendations/signal-repository.js';
import { createLesson } from '../../support/catalog-factories.js';
import { createCourse, createUser } from '../../support/factories.js';
import { startTestApp, type TestApp } from '../../support/test-app.js';

let t: TestApp;
let db: Knex;
beforeAll(async () => {
  t = await startTestApp();
  db = t.db;
});
afterAll(() => t.close());

let seq = 0;
async function paidOrder(o: { userId: number; courseId: number | null; planId: number | null; listFen: number; discountFen: number }): Promise<number> {
  const now = new Date();
  const [id] = await db('orders').insert({
    out_trade_no: `TM${++seq}${Date.now() % 100000}`,
    user_id: o.userId,
    course_id: o.courseId,
    plan_id: o.planId,
    list_price_fen: o.listFen,
    discount_fen: o.discountFen,
    coupon_id: o.discountFen > 0 ? 1 : null,
    amount_fen: o.listFen - o.discountFen,
    description: 'x',
    channel: 'native',
    status: 'paid',
    transaction_id: null,
    refunded_fen: 0,
    expires_at: now,
    paid_at: now,
    created_at: now,
    updated_at: now,
  });
  return Number(id);
}

describe('purchase signals with memberships and coupons', () => {
  it('takes no course purchase from a membership order, while a member’s study and a 100%-off course order still count', async () => {
    const course = await createCourse(db, { title: '会员可学的课' });
    const lesson = await createLesson(db, course.id);
    const now = new Date();
    const [planId] = await db('membership_plans').insert({ name: '月卡', description: '', price_fen: 3000, period_days: 30, scope: 'all', status: 'active', created_at: now, updated_at: now });
    const member = (await createUser(db, { passwordHash: 'not-a-real-hash' })).id;
    const onlyMember = (await createUser(db, { passwordHash: 'not-a-real-hash' })).id;
    const couponBuyer = (await createUser(db, { passwordHash: 'not-a-real-hash' })).id;

    // Two members (one studies a course through the plan, one never opens anything): paid plan
    // orders with no course, a period each, and no access grant, as commerce leaves them.
    for (const userId of [member, onlyMember]) {
      const orderId = await paidOrder({ userId, courseId: null, planId: Number(planId), listFen: 3000, discountFen: 0 });
      await db('memberships').insert({ user_id: userId, plan_id: Number(planId), source: 'order', order_id: orderId, starts_at: now, ends_at: new Date(now.getTime() + 30 * 86_400_000), created_at: now });
    }
    await db('lesson_progress').insert({ user_id: member, lesson_id: lesson.id, course_id: course.id, first_opened_at: now, last_opened_at: now, last_active_at: now, seconds_studied: 300, completed_at: now });
    // A 100%-off coupon order for the course: paid at ¥0, and the course granted like any purchase.
    const free = await paidOrder({ userId: couponBuyer, courseId: course.id, planId: null, listFen: 9900, discountFen: 9900 });
    await db('access_grants').insert({ user_id: couponBuyer, course_id: course.id, source: 'purchase', source_key: `order:${free}`, order_id: free, granted_at: now, revoked_at: null });

    const signals = await createSignalRepository(db).interactions(null);

    // No signal is about a course that does not exist (a null course read as 0).
    expect(signals.filter((x) => !/^[1-9]\d*$/.test(x.item))).toEqual([]);
    expect(signals.filter((x) => x.user === String(onlyMember))).toEqual([]);
    const studied = signals.filter((x) => x.user === String(member));
    expect(studied).toHaveLength(1);
    expect(studied[0]).toMatchObject({ item: String(course.id), purchased: false, completion: 1, seconds: 300 });
    expect(signals.filter((x) => x.user === String(couponBuyer))).toEqual([expect.objectContaining({ item: String(course.id), purchased: true })]);
  });
});
