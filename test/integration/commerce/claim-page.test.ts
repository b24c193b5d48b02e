import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signedIn } from '../../support/catalog-factories.js';
import { commerceFor, createCoupon } from '../../support/coupons.js';
import { createUser } from '../../support/factories.js';
import { startTestApp, type TestApp } from '../../support/test-app.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => t?.close());

describe('a claim link', () => {
  it('says why it cannot be claimed: paused, ended, expired or not yet open, and offers no button', async () => {
    const admin = await createUser(t.db, { role: 'admin', passwordHash: 'x' });
    const learner = await signedIn(t.app, t.db);
    const commerce = commerceFor(t.db, t.clock);
    const paused = await createCoupon(t.db, { code: null }, t.clock);
    await commerce.coupons.setStatus(admin.id, paused.id, 'pause');
    const ended = await createCoupon(t.db, { code: null }, t.clock);
    await commerce.coupons.setStatus(admin.id, ended.id, 'end');
    const expired = await createCoupon(t.db, { code: null, validUntil: new Date(t.clock.now().getTime() - 1) }, t.clock);
    const early = await createCoupon(t.db, { code: null, validFrom: new Date(t.clock.now().getTime() + 86_400_000) }, t.clock);

    const page = async (token: string) => (await learner.agent.get(`/coupons/claim/${token}`)).text;

    expect(await page(paused.claimToken)).toContain('暂停领取');
    expect(await page(ended.claimToken)).toContain('活动已结束');
    expect(await page(expired.claimToken)).toContain('已过期');
    expect(await page(early.claimToken)).toContain('还没到领取时间');
    for (const k of [paused, ended, expired, early]) expect(await page(k.claimToken)).not.toContain('立即领取');
  });

  it('tells a learner who holds as many copies as allowed that they have it, instead of offering it again', async () => {
    const learner = await signedIn(t.app, t.db);
    const k = await createCoupon(t.db, { code: null, perLearner: 1 }, t.clock);
    await learner.agent.post(`/coupons/claim/${k.claimToken}`).type('form').send({ _csrf: learner.csrf });

    const text = (await learner.agent.get(`/coupons/claim/${k.claimToken}`)).text;

    expect(text).toContain('你已领取这张优惠券');
    expect(text).not.toContain('立即领取');
  });
});
