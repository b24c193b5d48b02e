import type { Knex } from 'knex';
import type { Clock } from '../../platform/clock.js';
import { toDate } from '../../platform/db/index.js';

export interface AuditEntry {
  actorUserId: number;
  action: string;
  entityType: 'course' | 'lesson' | 'entitlement' | 'order' | 'refund' | 'user' | 'comment' | 'rating' | 'feedback_ban' | 'coupon' | 'membership_plan';
  entityId: number;
  /** What changed, e.g. { before: {...}, after: {...} }; kept small: no bodies, no personal data. */
  summary: Record<string, unknown>;
}

export interface AuditRecord extends AuditEntry {
  id: number;
  createdAt: Date;
}

function toRecord(r: Record<string, unknown>): AuditRecord {
  return {
    id: Number(r.id),
    actorUserId: Number(r.actor_user_id),
    action: String(r.action),
    entityType: r.entity_type as AuditEntry['entityType'],
    entityId: Number(r.entity_id),
    summary: JSON.parse(String(r.summary)) as Record<string, unknown>,
    createdAt: toDate(r.created_at),
  };
}

/** Who did what to which record, written in the same transaction as the change it describes. */
export function createAuditService(deps: { db: Knex; clock: Clock }) {
  return {
    async record(trx: Knex, e: AuditEntry): Promise<void> {
      const courseId = e.entityType === 'course' ? e.entityId : typeof e.summary.courseId === 'number' ? e.summary.courseId : null;
      await trx('admin_audit').insert({
        course_id: courseId,
        actor_user_id: e.actorUserId,
        action: e.action,
        entity_type: e.entityType,
        entity_id: e.entityId,
        summary: JSON.stringify(e.summary),
        created_at: deps.clock.now(),
      });
    },

    /** Everything that happened to a course: the course, its lessons, its grants; newest first. */
    async forCourse(courseId: number, limit = 30): Promise<AuditRecord[]> {
      const rows = await deps.db('admin_audit').where({ course_id: courseId }).orderBy('id', 'desc').limit(limit);
      return rows.map(toRecord);
    },

    /** The latest entries about these kinds of record (the moderation log), newest first. */
    async recentOf(entityTypes: AuditEntry['entityType'][], limit = 30): Promise<AuditRecord[]> {
      const rows = await deps.db('admin_audit').whereIn('entity_type', entityTypes).orderBy('id', 'desc').limit(limit);
      return rows.map(toRecord);
    },
  };
}

export type AuditService = ReturnType<typeof createAuditService>;
