import type { Knex } from 'knex';
import type { Clock } from '../../platform/clock.js';
import type { Logger } from '../../platform/logger.js';
import type { AuditService } from '../audit/index.js';
import type { Entitlement, GrantSource, LessonRef, Viewer } from './entitlement.js';
import { createEntitlementRepository } from './entitlement-repository.js';

/** Who may study what. Every page, fragment and API that shows lesson content asks canAccess. */
export function createEnrolmentService(deps: { db: Knex; clock: Clock; log: Logger; audit: AuditService }) {
  const repo = createEntitlementRepository();

  async function grant(trx: Knex, g: { userId: number; courseId: number; source: GrantSource; orderId?: number }): Promise<boolean> {
    const changed = await repo.grant(trx, { ...g, orderId: g.orderId ?? null, now: deps.clock.now() });
    if (changed) deps.log.info({ event: 'enrolments.granted', userId: g.userId, courseId: g.courseId, source: g.source }, 'access granted');
    return changed;
  }

  return {
    /**
     * Admins see everything; a published course's free previews are open to everyone; every other
     * lesson, in a published or a withdrawn course, needs a live entitlement.
     */
    async canAccess(viewer: Viewer | null, lesson: LessonRef): Promise<boolean> {
      if (viewer?.isAdmin) return true;
      // Free previews are a published course's shop window; a course taken down keeps serving only
      // the learners who own it.
      if (lesson.isFreePreview && lesson.coursePublished) return true;
      if (viewer === null) return false;
      return repo.hasLive(deps.db, viewer.id, lesson.courseId);
    },

    async isEnrolled(userId: number, courseId: number): Promise<boolean> {
      return repo.hasLive(deps.db, userId, courseId);
    },

    /** Safe to repeat: a second grant for the same learner and course changes nothing. */
    grant,

    async enrolFree(userId: number, courseId: number): Promise<boolean> {
      return deps.db.transaction((trx) => grant(trx, { userId, courseId, source: 'free' }));
    },

    async revoke(trx: Knex, userId: number, courseId: number): Promise<boolean> {
      const changed = await repo.revoke(trx, userId, courseId, deps.clock.now());
      if (changed) deps.log.info({ event: 'enrolments.revoked', userId, courseId }, 'access revoked');
      return changed;
    },

    async adminGrant(actorId: number, userId: number, courseId: number): Promise<boolean> {
      return deps.db.transaction(async (trx) => {
        const before = await repo.find(trx, userId, courseId);
        const changed = await grant(trx, { userId, courseId, source: 'admin_grant' });
        const row = await repo.find(trx, userId, courseId);
        // A grant either creates the row (before: null) or revives a revoked one.
        const summary = { userId, courseId, before: before ? { source: before.source, revoked: true } : null, after: { source: 'admin_grant' } };
        if (changed && row) await deps.audit.record(trx, { actorUserId: actorId, action: 'entitlement.grant', entityType: 'entitlement', entityId: row.id, summary });
        return changed;
      });
    },

    async adminRevoke(actorId: number, userId: number, courseId: number): Promise<boolean> {
      return deps.db.transaction(async (trx) => {
        const before = await repo.find(trx, userId, courseId);
        const changed = await repo.revoke(trx, userId, courseId, deps.clock.now());
        if (changed && before) await deps.audit.record(trx, { actorUserId: actorId, action: 'entitlement.revoke', entityType: 'entitlement', entityId: before.id, summary: { userId, courseId, before: { source: before.source }, after: { revoked: true } } });
        return changed;
      });
    },

    async liveForUser(userId: number): Promise<Entitlement[]> {
      return repo.liveForUser(deps.db, userId);
    },

    async learnerCounts(courseIds: number[]): Promise<Map<number, number>> {
      return repo.countLive(deps.db, courseIds);
    },

    async salesCounts(courseIds: number[]): Promise<Map<number, number>> {
      return repo.countLive(deps.db, courseIds, 'purchase');
    },

    async learners(courseId: number, limit = 100) {
      return repo.liveLearners(deps.db, courseId, limit);
    },
  };
}

export type EnrolmentService = ReturnType<typeof createEnrolmentService>;
