import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuditService } from '../../../src/modules/audit/index.js';
import { createCommerce } from '../../../src/modules/commerce/index.js';
import { fixedClock } from '../../../src/platform/clock.js';
import { createLogger } from '../../../src/platform/logger.js';
import { createUser } from '../../support/factories.js';
import { createPlan } from '../../support/membership.js';
import { startTestApp, type TestApp } from '../../support/test-app.js';

// The creator's members report, at the service: members at the start of each Beijing month and how
// many of them were no longer members at its end (or now, for the month under way). The periods are
// written as payments would have left them, on a fresh database of their own.
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => t?.close());

/** A Beijing midnight: `day` is `2026-11-01`. */
const bj = (day: string) => new Date(`${day}T00:00:00+08:00`);
const month = (label: string, start: string, end: string) => ({ label, start: bj(start), end: bj(end) });

let orderSeq = 0;
async function period(userId: number, planId: number, from: string, until: string, endedAt?: string) {
  await t.db('memberships').insert({ user_id: userId, plan_id: planId, source: 'order', order_id: 900_000 + ++orderSeq, starts_at: bj(from), ends_at: bj(until), ended_at: endedAt ? bj(endedAt) : null, ended_reason: endedAt ? 'refund' : null, created_at: bj(from) });
}

describe('the members report', () => {
  it('keeps a member who renewed, counts one who lapsed as lost, and counts the month under way up to now', async () => {
    const clock = fixedClock(new Date('2026-12-15T12:00:00+08:00'));
    const log = createLogger('silent');
    const { memberships } = createCommerce({ db: t.db, clock, log, audit: createAuditService({ db: t.db, clock }), openidOf: async () => null, sendReminder: null, reminderIntervalMs: 60_000 });
    const a = await createPlan(t.db, { name: '月度会员A' });
    const b = await createPlan(t.db, { name: '月度会员B' });
    const user = async () => (await createUser(t.db, { passwordHash: 'x' })).id;
    const [renewed, lapsed, joinedMidNov, lapsesAfterNow, lapsedInDec, renewedAtBoundary, lapsedAtBoundary, refunded] = [await user(), await user(), await user(), await user(), await user(), await user(), await user(), await user()];
    await period(renewed, a.id, '2026-10-10', '2026-11-10');
    await period(renewed, a.id, '2026-11-10', '2026-12-10');
    await period(renewed, a.id, '2026-12-10', '2027-01-09');
    await period(lapsed, a.id, '2026-10-15', '2026-11-14');
    await period(joinedMidNov, a.id, '2026-11-20', '2026-12-20');
    await period(lapsesAfterNow, b.id, '2026-11-18', '2026-12-18');
    await period(lapsedInDec, a.id, '2026-11-05', '2026-12-05');
    // Renewals that meet exactly at the month boundary, and a lapse exactly at it.
    await period(renewedAtBoundary, b.id, '2026-10-02', '2026-11-01');
    await period(renewedAtBoundary, b.id, '2026-11-01', '2026-12-01');
    await period(renewedAtBoundary, b.id, '2026-12-01', '2026-12-31');
    await period(lapsedAtBoundary, b.id, '2026-10-02', '2026-12-01');
    // Refunded the day after it started: not a member now.
    await period(refunded, a.id, '2026-12-02', '2027-01-01', '2026-12-03');

    const report = await memberships.report([month('2026-10', '2026-10-01', '2026-11-01'), month('2026-11', '2026-11-01', '2026-12-01'), month('2026-12', '2026-12-01', '2027-01-01')]);

    expect(report.churn).toEqual([
      { label: '2026-10', members: 0, lost: 0, rate: null },
      // renewed, lapsed, renewedAtBoundary, lapsedAtBoundary; lapsed and lapsedAtBoundary were gone by 12-01.
      { label: '2026-11', members: 4, lost: 2, rate: 0.5 },
      // renewed, joinedMidNov, lapsesAfterNow, lapsedInDec, renewedAtBoundary; only lapsedInDec is gone by now.
      { label: '2026-12', members: 5, lost: 1, rate: 0.2 },
    ]);
    expect(report.perPlan.map((p) => [p.plan.name, p.active])).toEqual([
      ['月度会员A', 2],
      ['月度会员B', 2],
    ]);
    expect(report.expiring.map((e) => [e.userId, e.plan.id, e.endsAt.getTime()])).toEqual([
      [lapsesAfterNow, b.id, bj('2026-12-18').getTime()],
      [joinedMidNov, a.id, bj('2026-12-20').getTime()],
    ]);
  });
});
