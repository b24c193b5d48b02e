import type { Knex } from 'knex';
import { insertIfAbsent, toCount, toDate, toDateOrNull } from '../../platform/db/index.js';
import type { AccessGrant, Entitlement, GrantSource } from './entitlement.js';

function toGrant(r: Record<string, unknown>): AccessGrant {
  return {
    id: Number(r.id),
    userId: Number(r.user_id),
    courseId: Number(r.course_id),
    source: r.source as GrantSource,
    sourceKey: String(r.source_key),
    orderId: r.order_id === null || r.order_id === undefined ? null : Number(r.order_id),
    grantedAt: toDate(r.granted_at),
    revokedAt: toDateOrNull(r.revoked_at),
    revokedReason: (r.revoked_reason as string | null) ?? null,
  };
}

/** Folds live grant rows into one entitlement per learner and course, in the rows' order. */
function entitlements(rows: AccessGrant[]): Entitlement[] {
  const byCourse = new Map<string, Entitlement>();
  for (const g of rows) {
    const k = `${g.userId}:${g.courseId}`;
    const e = byCourse.get(k);
    if (!e) byCourse.set(k, { userId: g.userId, courseId: g.courseId, sources: [g.source], grantedAt: g.grantedAt });
    else {
      if (!e.sources.includes(g.source)) e.sources.push(g.source);
      if (g.grantedAt < e.grantedAt) e.grantedAt = g.grantedAt;
    }
  }
  return [...byCourse.values()];
}

const live = (db: Knex) => db('access_grants').whereNull('revoked_at');

/**
 * One learner's grant rows for one course, live or not. `revoked_at is null` stays out of this WHERE:
 * without statistics SQLite would then take access_grants_course_idx (course_id, revoked_at) and walk
 * every live learner of the course; this way it reads the learner's few rows by the unique
 * (user_id, course_id, source_key) key, and the caller keeps the live ones.
 */
const ofLearner = (db: Knex, userId: number, courseId: number) => db('access_grants').where({ user_id: userId, course_id: courseId });

export function createEntitlementRepository() {
  return {
    async hasLive(db: Knex, userId: number, courseId: number): Promise<boolean> {
      const rows: { revoked_at: unknown }[] = await ofLearner(db, userId, courseId).select('revoked_at');
      return rows.some((r) => r.revoked_at === null);
    },

    async grantsOf(db: Knex, userId: number, courseId: number): Promise<AccessGrant[]> {
      const rows = await ofLearner(db, userId, courseId).orderBy('id');
      return rows.map(toGrant);
    },

    async bySourceKey(db: Knex, userId: number, courseId: number, sourceKey: string): Promise<AccessGrant | null> {
      const row = await db('access_grants').where({ user_id: userId, course_id: courseId, source_key: sourceKey }).first();
      return row ? toGrant(row) : null;
    },

    /**
     * Adds a live grant for one source. The unique (user, course, source_key) key makes racing grants
     * of the same source leave one row on MySQL and SQLite alike. A revoked admin or free grant comes
     * back to life; an order's grant, once ended by its refund, never does. Returns whether anything changed.
     */
    async grant(trx: Knex, g: { userId: number; courseId: number; source: GrantSource; sourceKey: string; orderId: number | null; now: Date }): Promise<boolean> {
      const row = { user_id: g.userId, course_id: g.courseId, source: g.source, source_key: g.sourceKey, order_id: g.orderId, granted_at: g.now, revoked_at: null, revoked_reason: null };
      if (await insertIfAbsent(trx, 'access_grants', row, ['user_id', 'course_id', 'source_key'])) return true;
      if (g.source === 'purchase') return false;
      const revived = await trx('access_grants')
        .where({ user_id: g.userId, course_id: g.courseId, source_key: g.sourceKey })
        .whereNotNull('revoked_at')
        .update({ granted_at: g.now, revoked_at: null, revoked_reason: null });
      return revived > 0;
    },

    /** Ends the live grants of the given sources (all when none are given); returns the rows this call ended. */
    async revoke(trx: Knex, userId: number, courseId: number, r: { sourceKeys?: string[]; sources?: GrantSource[]; reason: string; now: Date }): Promise<AccessGrant[]> {
      const q = ofLearner(trx, userId, courseId);
      if (r.sourceKeys) q.whereIn('source_key', r.sourceKeys);
      if (r.sources) q.whereIn('source', r.sources);
      const ended: AccessGrant[] = [];
      for (const g of (await q.select()).map(toGrant).filter((g) => g.revokedAt === null)) {
        // Conditional per row: a grant another transaction ended first is not reported twice.
        if ((await live(trx).where({ id: g.id }).update({ revoked_at: r.now, revoked_reason: r.reason })) > 0) ended.push({ ...g, revokedAt: r.now, revokedReason: r.reason });
      }
      return ended;
    },

    async liveForUser(db: Knex, userId: number): Promise<Entitlement[]> {
      const rows = await live(db).where({ user_id: userId }).orderBy('granted_at', 'desc').orderBy('id', 'desc');
      return entitlements(rows.map(toGrant));
    },

    /** Courses the learner had and has no more: their latest ended grant each, newest first. */
    async endedForUser(db: Knex, userId: number): Promise<AccessGrant[]> {
      const rows = await db('access_grants as g')
        .where('g.user_id', userId)
        .whereNotNull('g.revoked_at')
        .whereNotExists(db('access_grants as l').whereRaw('l.user_id = g.user_id and l.course_id = g.course_id').whereNull('l.revoked_at'))
        .orderBy('g.revoked_at', 'desc')
        .select('g.*');
      const seen = new Set<number>();
      return rows.map(toGrant).filter((g) => !seen.has(g.courseId) && seen.add(g.courseId));
    },

    /** Distinct learners with any live grant (or with a live grant of `source`), per course. */
    async countLive(db: Knex, courseIds: number[], source?: GrantSource): Promise<Map<number, number>> {
      if (courseIds.length === 0) return new Map();
      const q = live(db).whereIn('course_id', courseIds);
      if (source) q.andWhere({ source });
      const rows: Record<string, unknown>[] = await q.groupBy('course_id').select('course_id').countDistinct({ n: 'user_id' });
      return new Map(rows.map((r) => [Number(r.course_id), toCount(r)]));
    },

    async liveLearners(db: Knex, courseId: number, limit: number) {
      const rows: Record<string, unknown>[] = await db('access_grants as g')
        .join('users as u', 'u.id', 'g.user_id')
        .where('g.course_id', courseId)
        .whereNull('g.revoked_at')
        .orderBy('g.granted_at', 'desc')
        .select('u.id as uid', 'u.username', 'u.nickname', 'g.*');
      const people = new Map<number, { username: string | null; nickname: string }>();
      for (const r of rows) people.set(Number(r.uid), { username: (r.username as string | null) ?? null, nickname: String(r.nickname) });
      return entitlements(rows.map(toGrant))
        .slice(0, limit)
        .map((e) => ({ userId: e.userId, ...people.get(e.userId)!, sources: e.sources, grantedAt: e.grantedAt }));
    },
  };
}
