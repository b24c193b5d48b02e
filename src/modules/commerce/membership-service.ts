import type { Knex } from 'knex';
import type { Clock } from '../../platform/clock.js';
import { NotFoundError } from '../../platform/errors.js';
import type { Logger } from '../../platform/logger.js';
import { beijingMidnightAtOrAfter } from '../../platform/time.js';
import type { AuditService } from '../audit/index.js';
import { planCovers, type Membership, type MembershipPeriod, type MembershipPlan, type PlanStatus } from './membership.js';
import { createMembershipRepository, type PlanFields } from './membership-repository.js';

const DAY_MS = 86_400_000;
/** The renewal banner shows from this many days before the end. */
export const REMINDER_DAYS = 7;

/** Per learner and plan: the end of the last live period, and whether one covers now. */
interface Standing {
  userId: number;
  planId: number;
  endsAt: Date;
  activeNow: boolean;
  /** The start of the next live period, when none covers now (a refund left a gap). */
  nextStart: Date | null;
}

function standings(periods: MembershipPeriod[], now: Date): Map<string, Standing> {
  const out = new Map<string, Standing>();
  for (const p of periods) {
    if (p.endedAt) continue;
    const k = `${p.userId}:${p.planId}`;
    const s = out.get(k) ?? { userId: p.userId, planId: p.planId, endsAt: p.endsAt, activeNow: false, nextStart: null };
    if (p.endsAt > s.endsAt) s.endsAt = p.endsAt;
    if (p.startsAt <= now && now < p.endsAt) s.activeNow = true;
    if (p.startsAt > now && (s.nextStart === null || p.startsAt < s.nextStart)) s.nextStart = p.startsAt;
    out.set(k, s);
  }
  return out;
}

export function createMembershipService(deps: { db: Knex; clock: Clock; log: Logger; audit: AuditService }) {
  const { db, clock, log } = deps;
  const repo = createMembershipRepository();

  async function plan(id: number, q: Knex = db): Promise<MembershipPlan> {
    const p = Number.isSafeInteger(id) ? await repo.findPlan(q, id) : null;
    if (!p) throw new NotFoundError('PLAN_NOT_FOUND', '会员方案不存在');
    return p;
  }

  return {
    plan,

    /** The plan, or null when there is none (an order's page for a deleted plan). */
    findPlan: (id: number) => (Number.isSafeInteger(id) ? repo.findPlan(db, id) : Promise.resolve(null)),

    /** Plans on sale (the 会员 page), cheapest first; `all` also lists archived ones (admin). */
    async plans(which: 'on_sale' | 'all' = 'on_sale'): Promise<MembershipPlan[]> {
      return repo.plans(db, which === 'all' ? ['active', 'archived'] : ['active']);
    },

    /** Plans on sale that open this course: 开通会员免费学 on the course page. */
    async plansCovering(courseId: number): Promise<MembershipPlan[]> {
      return (await repo.plans(db, ['active'])).filter((p) => planCovers(p, courseId));
    },

    async createPlan(actorId: number, p: PlanFields): Promise<MembershipPlan> {
      const id = await db.transaction(async (trx) => {
        const planId = await repo.insertPlan(trx, p, clock.now());
        await deps.audit.record(trx, { actorUserId: actorId, action: 'membership_plan.create', entityType: 'membership_plan', entityId: planId, summary: { after: { name: p.name, priceFen: p.priceFen, periodDays: p.periodDays, scope: p.scope } } });
        return planId;
      });
      return plan(id);
    },

    /** A change of price or length applies to later purchases; periods already paid keep their dates. */
    async updatePlan(actorId: number, id: number, p: PlanFields & { status: PlanStatus }): Promise<MembershipPlan> {
      const before = await plan(id);
      await db.transaction(async (trx) => {
        await repo.updatePlan(trx, id, p, clock.now());
        await deps.audit.record(trx, { actorUserId: actorId, action: 'membership_plan.update', entityType: 'membership_plan', entityId: id, summary: { before: { name: before.name, priceFen: before.priceFen, periodDays: before.periodDays, status: before.status }, after: { name: p.name, priceFen: p.priceFen, periodDays: p.periodDays, status: p.status } } });
      });
      return plan(id);
    },

    /**
     * A paid plan order adds its period, inside the payment's transaction: from the end of the
     * learner's last live period of the plan when that is still ahead (buying early extends), else
     * from the payment, to the Beijing midnight `periodDays` later.
     */
    async addPeriod(trx: Knex, o: { userId: number; planId: number; orderId: number; paidAt: Date }): Promise<void> {
      const p = await plan(o.planId, trx);
      const last = await repo.lastLiveEnd(trx, o.userId, o.planId);
      const startsAt = last && last > o.paidAt ? last : o.paidAt;
      const endsAt = beijingMidnightAtOrAfter(new Date(startsAt.getTime() + p.periodDays * DAY_MS));
      if (await repo.insertPeriod(trx, { userId: o.userId, planId: o.planId, orderId: o.orderId, startsAt, endsAt, now: clock.now() })) {
        log.info({ event: 'commerce.membership_period', userId: o.userId, planId: o.planId, orderId: o.orderId, endsAt }, 'membership period added');
      }
    },

    /** A full refund of a plan order ends that order's period, and no other. */
    async endPeriodOfOrder(trx: Knex, orderId: number): Promise<boolean> {
      const period = await repo.periodOfOrder(trx, orderId);
      return period !== null && repo.endPeriod(trx, period.id, 'refund', clock.now());
    },

    /** The membership source of canAccess: read at request time, so expiry needs no job. */
    async covers(userId: number, courseId: number): Promise<boolean> {
      return repo.covers(db, userId, courseId, clock.now());
    },

    /** The learner's memberships that have not run out, soonest end first. */
    async ofLearner(userId: number): Promise<Membership[]> {
      const now = clock.now();
      const list = [...standings(await repo.periodsOf(db, userId), now).values()].filter((s) => s.endsAt > now);
      // Most learners have no membership: every page they see (the renewal banner) stops here.
      if (list.length === 0) return [];
      const plans = new Map((await repo.plans(db, ['active', 'archived'])).map((p) => [p.id, p]));
      return list
        .filter((s) => plans.has(s.planId))
        .sort((a, b) => a.endsAt.getTime() - b.endsAt.getTime())
        .map((s) => ({ plan: plans.get(s.planId)!, userId, endsAt: s.endsAt, activeNow: s.activeNow, resumesAt: s.activeNow ? null : s.nextStart }));
    },

    /** Every membership live now whose last period ends within `days` (the reminder job). */
    async endingWithin(days: number): Promise<Membership[]> {
      const now = clock.now();
      const plans = new Map((await repo.plans(db, ['active', 'archived'])).map((p) => [p.id, p]));
      return [...standings(await repo.liveEndingAfter(db, now, null), now).values()]
        .filter((s) => s.activeNow && s.endsAt.getTime() - now.getTime() <= days * DAY_MS && plans.has(s.planId))
        .map((s) => ({ plan: plans.get(s.planId)!, userId: s.userId, endsAt: s.endsAt, activeNow: true, resumesAt: null }));
    },

    /** The renewal banner: a membership ending within 7 days (not already extended past that). */
    async endingSoon(userId: number): Promise<Membership | null> {
      const now = clock.now();
      return (await this.ofLearner(userId)).find((m) => m.activeNow && m.endsAt.getTime() - now.getTime() <= REMINDER_DAYS * DAY_MS) ?? null;
    },

    /** The creator's view: members now, those ending within 7 days, and churn per Beijing month. */
    async report(months: Array<{ label: string; start: Date; end: Date }>) {
      const now = clock.now();
      const plans = await repo.plans(db, ['active', 'archived']);
      const current = [...standings(await repo.liveEndingAfter(db, now, null), now).values()].filter((s) => s.activeNow);
      const expiring = current.filter((s) => s.endsAt.getTime() - now.getTime() <= REMINDER_DAYS * DAY_MS).sort((a, b) => a.endsAt.getTime() - b.endsAt.getTime());
      const all = await repo.liveStartedBefore(db, months.at(-1)?.end ?? now);
      const churn = months.map((m) => {
        // Members at the start of the month, and those of them no longer members at its end (or
        // now, for the month under way): a renewal that carries on keeps a member.
        const atStart = standings(all.filter((p) => p.startsAt <= m.start), m.start);
        const members = [...atStart.values()].filter((s) => s.activeNow);
        const at = m.end < now ? m.end : now;
        const after = standings(all, at);
        const lost = members.filter((s) => !after.get(`${s.userId}:${s.planId}`)?.activeNow);
        return { label: m.label, members: members.length, lost: lost.length, rate: members.length ? lost.length / members.length : null };
      });
      return {
        perPlan: plans.map((p) => ({ plan: p, active: current.filter((s) => s.planId === p.id).length })),
        expiring: expiring.map((s) => ({ userId: s.userId, plan: plans.find((p) => p.id === s.planId)!, endsAt: s.endsAt })),
        churn,
      };
    },

    repository: repo,
  };
}

export type MembershipService = ReturnType<typeof createMembershipService>;
