import type { Knex } from 'knex';
import { insertIfAbsent, toDate, toDateOrNull } from '../../platform/db/index.js';
import type { MembershipPeriod, MembershipPlan, PlanScope, PlanStatus } from './membership.js';

type Row = Record<string, unknown>;

function toPeriod(r: Row): MembershipPeriod {
  return {
    id: Number(r.id),
    userId: Number(r.user_id),
    planId: Number(r.plan_id),
    orderId: r.order_id === null || r.order_id === undefined ? null : Number(r.order_id),
    startsAt: toDate(r.starts_at),
    endsAt: toDate(r.ends_at),
    endedAt: toDateOrNull(r.ended_at),
    endedReason: (r.ended_reason as string | null) ?? null,
  };
}

/** What a creator sets on a plan (its status is changed on its own). */
export type PlanFields = Omit<MembershipPlan, 'id' | 'status'>;

/** Periods that count: not ended early. */
const live = (db: Knex) => db('memberships').whereNull('ended_at');

export function createMembershipRepository() {
  async function withCourses(db: Knex, rows: Row[]): Promise<MembershipPlan[]> {
    if (rows.length === 0) return [];
    const links: Row[] = await db('membership_plan_courses').whereIn('plan_id', rows.map((r) => Number(r.id))).orderBy('course_id');
    return rows.map((r) => ({
      id: Number(r.id),
      name: String(r.name),
      description: String(r.description ?? ''),
      priceFen: Number(r.price_fen),
      periodDays: Number(r.period_days),
      scope: r.scope as PlanScope,
      status: r.status as PlanStatus,
      courseIds: links.filter((l) => Number(l.plan_id) === Number(r.id)).map((l) => Number(l.course_id)),
    }));
  }

  async function setCourses(trx: Knex, planId: number, p: PlanFields): Promise<void> {
    await trx('membership_plan_courses').where({ plan_id: planId }).delete();
    if (p.scope === 'courses' && p.courseIds.length > 0) await trx('membership_plan_courses').insert(p.courseIds.map((courseId) => ({ plan_id: planId, course_id: courseId })));
  }

  return {
    async insertPlan(trx: Knex, p: PlanFields, now: Date): Promise<number> {
      const [id] = await trx('membership_plans').insert({ name: p.name, description: p.description, price_fen: p.priceFen, period_days: p.periodDays, scope: p.scope, status: 'active', created_at: now, updated_at: now });
      await setCourses(trx, Number(id), p);
      return Number(id);
    },

    async updatePlan(trx: Knex, id: number, p: PlanFields & { status: PlanStatus }, now: Date): Promise<void> {
      await trx('membership_plans').where({ id }).update({ name: p.name, description: p.description, price_fen: p.priceFen, period_days: p.periodDays, scope: p.scope, status: p.status, updated_at: now });
      await setCourses(trx, id, p);
    },

    async findPlan(db: Knex, id: number): Promise<MembershipPlan | null> {
      return (await withCourses(db, await db('membership_plans').where({ id }).limit(1)))[0] ?? null;
    },

    async plans(db: Knex, statuses: PlanStatus[]): Promise<MembershipPlan[]> {
      return withCourses(db, await db('membership_plans').whereIn('status', statuses).orderBy('price_fen').orderBy('id'));
    },

    /** Where the next period of this learner's plan starts: the end of their last live one, if later than `now`. */
    async lastLiveEnd(db: Knex, userId: number, planId: number): Promise<Date | null> {
      const row = await live(db).where({ user_id: userId, plan_id: planId }).max({ e: 'ends_at' }).first();
      return row?.e ? toDate(row.e) : null;
    },

    /** One period per order (unique key): a repeated payment notification adds nothing. */
    async insertPeriod(trx: Knex, p: { userId: number; planId: number; orderId: number; startsAt: Date; endsAt: Date; now: Date }): Promise<boolean> {
      return insertIfAbsent(trx, 'memberships', { user_id: p.userId, plan_id: p.planId, source: 'order', order_id: p.orderId, starts_at: p.startsAt, ends_at: p.endsAt, created_at: p.now }, ['order_id']);
    },

    async periodOfOrder(db: Knex, orderId: number): Promise<MembershipPeriod | null> {
      const r = await db('memberships').where({ order_id: orderId }).first();
      return r ? toPeriod(r) : null;
    },

    async endPeriod(trx: Knex, id: number, reason: string, now: Date): Promise<boolean> {
      return (await live(trx).where({ id }).update({ ended_at: now, ended_reason: reason })) > 0;
    },

    /** Whether a live period of a plan that opens the course covers `now`. */
    async covers(db: Knex, userId: number, courseId: number, now: Date): Promise<boolean> {
      const row = await db('memberships as m')
        .join('membership_plans as p', 'p.id', 'm.plan_id')
        .where('m.user_id', userId)
        .whereNull('m.ended_at')
        .where('m.starts_at', '<=', now)
        .where('m.ends_at', '>', now)
        .where((w) => w.where('p.scope', 'all').orWhereExists(db('membership_plan_courses as pc').whereRaw('pc.plan_id = p.id').where('pc.course_id', courseId)))
        .first('m.id');
      return row !== undefined;
    },

    async periodsOf(db: Knex, userId: number): Promise<MembershipPeriod[]> {
      const rows = await db('memberships').where({ user_id: userId }).orderBy('id');
      return rows.map(toPeriod);
    },

    /** Live periods ending after `from` (for the members report and the reminder job). */
    async liveEndingAfter(db: Knex, from: Date, until: Date | null): Promise<MembershipPeriod[]> {
      const q = live(db).where('ends_at', '>', from);
      if (until) q.where('ends_at', '<=', until);
      return (await q.orderBy('id')).map(toPeriod);
    },

    /** Every live period that has started by `until` (churn by month reads them all; the table is small per creator). */
    async liveStartedBefore(db: Knex, until: Date): Promise<MembershipPeriod[]> {
      return (await live(db).where('starts_at', '<', until).orderBy('id')).map(toPeriod);
    },

    /** Claims the reminder (unique per learner, plan, end and kind) so two processes send it once. */
    async claimReminder(db: Knex, r: { userId: number; planId: number; endsAt: Date; kind: '7d' | '1d'; now: Date }): Promise<boolean> {
      return insertIfAbsent(db, 'membership_reminders', { user_id: r.userId, plan_id: r.planId, ends_at: r.endsAt, kind: r.kind, outcome: 'sending', detail: '', created_at: r.now }, ['user_id', 'plan_id', 'ends_at', 'kind']);
    },

    async settleReminder(db: Knex, r: { userId: number; planId: number; endsAt: Date; kind: '7d' | '1d'; outcome: string; detail: string }): Promise<void> {
      await db('membership_reminders').where({ user_id: r.userId, plan_id: r.planId, ends_at: r.endsAt, kind: r.kind }).update({ outcome: r.outcome, detail: r.detail.slice(0, 200) });
    },
  };
}
