import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCourseWithLessons } from '../../support/catalog-factories.js';
import { createCoupon, grantsOf } from '../../support/coupons.js';
import { startListeningApp, type ListeningApp } from '../../support/listening-app.js';
import { buy, orderRow, outTradeNoOf, signedInLearner } from '../../support/wechat-pay.js';

let t: ListeningApp;
beforeAll(async () => {
  t = await startListeningApp();
});
afterAll(async () => t?.close());

describe('a coupon code typed while the learner has an order waiting to be paid', () => {
  it('leaves the open order and its coupon copy alone when the code is refused', async () => {
    const c = await createCourseWithLessons(t.db, 1, { priceFen: 29_900 });
    const scarce = await createCoupon(t.db, { quantity: 1, amountOffFen: 1000 });
    const membersOnly = await createCoupon(t.db, { scope: 'memberships' });
    const { agent } = await signedInLearner(t);
    const no = outTradeNoOf((await buy(agent, c, { coupon_code: scarce.code! })).headers.location);

    const typo = await buy(agent, c, { coupon_code: 'NOPE' });
    const wrongScope = await buy(agent, c, { coupon_code: membersOnly.code! });

    expect([typo.status, wrongScope.status]).toEqual([422, 422]);
    expect(await orderRow(t.db, no)).toMatchObject({ status: 'pending', coupon_id: scarce.id, amount_fen: 28_900 });
    expect(await grantsOf(t.db, scarce.id)).toEqual([expect.objectContaining({ status: 'reserved', order_id: (await orderRow(t.db, no)).id })]);
  });

  it('takes the learner back to the same order when the same code is typed again', async () => {
    const c = await createCourseWithLessons(t.db, 1, { priceFen: 9900 });
    const k = await createCoupon(t.db, { quantity: 1 });
    const { agent } = await signedInLearner(t);
    const first = outTradeNoOf((await buy(agent, c, { coupon_code: k.code! })).headers.location);

    const again = await buy(agent, c, { coupon_code: k.code!.toLowerCase() });

    expect(outTradeNoOf(again.headers.location)).toBe(first);
    expect(await grantsOf(t.db, k.id)).toHaveLength(1);
  });

  it('moves the learner to a new order with the better code, giving the old copy back', async () => {
    const c = await createCourseWithLessons(t.db, 1, { priceFen: 9900 });
    const small = await createCoupon(t.db, { amountOffFen: 500 });
    const big = await createCoupon(t.db, { amountOffFen: 3000 });
    const { agent } = await signedInLearner(t);
    const first = outTradeNoOf((await buy(agent, c, { coupon_code: small.code! })).headers.location);

    const second = outTradeNoOf((await buy(agent, c, { coupon_code: big.code! })).headers.location);

    expect(second).not.toBe(first);
    expect(await orderRow(t.db, first)).toMatchObject({ status: 'closed' });
    expect(await orderRow(t.db, second)).toMatchObject({ status: 'pending', coupon_id: big.id, amount_fen: 6900 });
    expect((await grantsOf(t.db, small.id))[0]).toMatchObject({ status: 'released' });
  });

  it('reads a code typed with full-width letters as the code it looks like', async () => {
    const c = await createCourseWithLessons(t.db, 1, { priceFen: 9900 });
    const k = await createCoupon(t.db, { code: `ＦＷ${Date.now() % 100000}`.normalize('NFKC') });
    const { agent } = await signedInLearner(t);
    const fullWidth = k.code!.replace(/[A-Z0-9]/g, (ch) => String.fromCharCode(ch.charCodeAt(0) + 0xfee0));

    const res = await buy(agent, c, { coupon_code: fullWidth });

    expect(res.status).toBe(303);
    expect(await orderRow(t.db, outTradeNoOf(res.headers.location))).toMatchObject({ coupon_id: k.id });
  });

  it('refuses an order that names both a course and a membership plan', async () => {
    const c = await createCourseWithLessons(t.db, 1, { priceFen: 9900 });
    const { agent, user } = await signedInLearner(t);

    const res = await buy(agent, c, { plan_id: '1' });

    expect(res.status).toBe(400);
    expect(res.text).toContain('一次只能购买一门课程或一个会员方案');
    expect(await t.db('orders').where({ user_id: user.id })).toEqual([]);
  });
});
