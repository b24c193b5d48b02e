import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCourse, createUser } from '../../support/factories.js';
import { createCourseWithLessons, grantAccess } from '../../support/catalog-factories.js';
import { startListeningApp, type ListeningApp } from '../../support/listening-app.js';
import { buy, orderRow, outTradeNoOf, payAtSandbox, signedInLearner, tick } from '../../support/wechat-pay.js';
import { picksIn, reasonIsTrue } from './picks.js';

// After a purchase through the WeChat Pay sandbox (real HTTP both ways), the paid order's page
// suggests what to study next.
let t: ListeningApp;
let k8s: Awaited<ReturnType<typeof createCourseWithLessons>>;
let monitoring: { id: number; slug: string; title: string };
let helm: { id: number; slug: string; title: string };

beforeAll(async () => {
  t = await startListeningApp();
  k8s = await createCourseWithLessons(t.db, 2, { slug: 'k8s-practice', title: 'Kubernetes 实战', priceFen: 19900 });
  monitoring = await createCourse(t.db, { slug: 'cloud-monitoring', title: '云原生监控', priceFen: 9900 });
  helm = await createCourse(t.db, { slug: 'helm-charts', title: 'Helm 包管理', priceFen: 4900 });
  // Three buyers of Kubernetes took monitoring as well, two of them Helm too.
  for (let i = 0; i < 3; i++) {
    const u = await createUser(t.db, { passwordHash: 'unused' });
    await grantAccess(t.db, u.id, k8s.id);
    await grantAccess(t.db, u.id, monitoring.id);
    if (i < 2) await grantAccess(t.db, u.id, helm.id);
  }
  // Built before anyone visits: the serving cache (a few seconds, real clock here) starts empty.
  expect((await t.buildRecommendations({ full: true }))?.mode).toBe('full');
});
afterAll(async () => t?.close());

describe('the order page after paying', () => {
  it('shows 下一步学什么 with what buyers of the course also took, once the order is paid, and not before', async () => {
    const buyer = await signedInLearner(t);
    const no = outTradeNoOf((await buy(buyer.agent, k8s)).headers.location);

    const pending = await buyer.agent.get(`/orders/${no}`);
    expect(pending.status).toBe(200);
    expect(picksIn(pending.text, 'next-steps')).toBeNull();

    await payAtSandbox(t, no);
    await tick(t);
    expect((await orderRow(t.db, no))?.status).toBe('paid');
    const paid = await buyer.agent.get(`/orders/${no}`);

    expect(paid.status).toBe(200);
    expect(paid.text).toContain('支付成功，课程已解锁');
    const next = picksIn(paid.text, 'next-steps');
    expect(next?.heading).toBe('下一步学什么');
    expect(next!.picks.map((p) => p.slug).sort()).toEqual([helm.slug, monitoring.slug].sort());
    for (const p of next!.picks) expect(await reasonIsTrue(t.db, buyer.user.id, p), `${p.title}: ${p.reason}`).toBe(true);
  });

  it('never suggests the course just bought or one the buyer already had', async () => {
    const buyer = await signedInLearner(t);
    await grantAccess(t.db, buyer.user.id, monitoring.id);
    const no = outTradeNoOf((await buy(buyer.agent, k8s)).headers.location);
    await payAtSandbox(t, no);
    await tick(t);

    const paid = await buyer.agent.get(`/orders/${no}`);

    expect((await orderRow(t.db, no))?.status).toBe('paid');
    const slugs = picksIn(paid.text, 'next-steps')?.picks.map((p) => p.slug) ?? [];
    expect(slugs).toContain(helm.slug);
    expect(slugs).not.toContain(k8s.slug);
    expect(slugs).not.toContain(monitoring.slug);
  });
});
