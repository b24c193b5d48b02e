import type { Knex } from 'knex';
import type { Clock } from '../../platform/clock.js';
import { toDate } from '../../platform/db/index.js';

export interface AuditEntry {
  actorUserId: number;
  action: string;
  entityType: 'course' | 'lesson' | 'entitlement' | 'order' | 'refund' | 'user';
  entityId: number;
  /** What changed, e.g. { before: {...}, after: {...} }; kept small: no bodies, no personal data. */
  summary: Record<string, unknown>;
}

export interface AuditRecord extends AuditEntry {
  id: number;
  createdAt: Date;
}

/** Who did what to which record, written in the same transaction as the change it describes. */
export function createAuditService(deps: { db: Knex; clock: Clock }) {
  return {
    async record(trx: Knex, e: AuditEntry): Promise<void> {
      await trx('admin_audit').insert({
        actor_user_id: e.actorUserId,
        action: e.action,
        entity_type: e.entityType,
        entity_id: e.entityId,
        summary: JSON.stringify(e.summary),
        created_at: deps.clock.now(),
      });
    },

    async forEntity(entityType: AuditEntry['entityType'], entityId: number, limit = 20): Promise<AuditRecord[]> {
      const rows = await deps.db('admin_audit').where({ entity_type: entityType, entity_id: entityId }).orderBy('id', 'desc').limit(limit);
      return rows.map((r) => ({
        id: Number(r.id),
        actorUserId: Number(r.actor_user_id),
        action: String(r.action),
        entityType: r.entity_type,
        entityId: Number(r.entity_id),
        summary: JSON.parse(String(r.summary)) as Record<string, unknown>,
        createdAt: toDate(r.created_at),
      }));
    },
  };
}

export type AuditService = ReturnType<typeof createAuditService>;
