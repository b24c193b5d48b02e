import type { Knex } from 'knex';
import { insertIfAbsent, toCount, toDate, toDateOrNull } from '../../platform/db/index.js';
import type { Entitlement, GrantSource } from './entitlement.js';

function toEntitlement(r: Record<string, unknown>): Entitlement {
  return {
    id: Number(r.id),
    userId: Number(r.user_id),
    courseId: Number(r.course_id),
    source: r.source as GrantSource,
    sourceOrderId: r.source_order_id === null ? null : Number(r.source_order_id),
    grantedAt: toDate(r.granted_at),
    revokedAt: toDateOrNull(r.revoked_at),
  };
}

export function createEntitlementRepository() {
  return {
    async hasLive(db: Knex, userId: number, courseId: number): Promise<boolean> {
      const row = await db('entitlements').where({ user_id: userId, course_id: courseId }).whereNull('revoked_at').first('id');
      return row !== undefined;
    },

    async find(db: Knex, userId: number, courseId: number): Promise<Entitlement | null> {
      const row = await db('entitlements').where({ user_id: userId, course_id: courseId }).first();
      return row ? toEntitlement(row) : null;
    },

    /**
     * Grants access unless a live entitlement exists. Relies on the unique (user_id, course_id) key, so
     * racing grants leave one row on MySQL and SQLite alike; a revoked row comes back to life.
     * Returns whether anything changed.
     */
    async grant(trx: Knex, g: { userId: number; courseId: number; source: GrantSource; orderId: number | null; now: Date }): Promise<boolean> {
      const row = { user_id: g.userId, course_id: g.courseId, source: g.source, source_order_id: g.orderId, granted_at: g.now, revoked_at: null };
      if (await insertIfAbsent(trx, 'entitlements', row, ['user_id', 'course_id'])) return true;
      const revived = await trx('entitlements')
        .where({ user_id: g.userId, course_id: g.courseId })
        .whereNotNull('revoked_at')
        .update({ source: g.source, source_order_id: g.orderId, granted_at: g.now, revoked_at: null });
      return revived > 0;
    },

    async revoke(trx: Knex, userId: number, courseId: number, now: Date): Promise<boolean> {
      const n = await trx('entitlements').where({ user_id: userId, course_id: courseId }).whereNull('revoked_at').update({ revoked_at: now });
      return n > 0;
    },

    async liveForUser(db: Knex, userId: number): Promise<Entitlement[]> {
      const rows = await db('entitlements').where({ user_id: userId }).whereNull('revoked_at').orderBy('granted_at', 'desc');
      return rows.map(toEntitlement);
    },

    async countLive(db: Knex, courseIds: number[], source?: GrantSource): Promise<Map<number, number>> {
      if (courseIds.length === 0) return new Map();
      const q = db('entitlements').whereIn('course_id', courseIds).whereNull('revoked_at');
      if (source) q.andWhere({ source });
      const rows: Record<string, unknown>[] = await q.groupBy('course_id').select('course_id').count({ n: '*' });
      return new Map(rows.map((r) => [Number(r.course_id), toCount(r)]));
    },

    async liveLearners(db: Knex, courseId: number, limit: number) {
      const rows = await db('entitlements as e')
        .join('users as u', 'u.id', 'e.user_id')
        .where('e.course_id', courseId)
        .whereNull('e.revoked_at')
        .orderBy('e.granted_at', 'desc')
        .limit(limit)
        .select('u.id', 'u.username', 'u.nickname', 'e.source', 'e.granted_at');
      return rows.map((r) => ({ userId: Number(r.id), username: r.username as string | null, nickname: String(r.nickname), source: r.source as GrantSource, grantedAt: toDate(r.granted_at) }));
    },
  };
}
