import type { Knex } from 'knex';
import type { Clock } from '../../platform/clock.js';
import type { Logger } from '../../platform/logger.js';
import type { AuditService } from '../audit/index.js';
import { sourceKeyOf, type Entitlement, type GrantSource, type LessonRef, type Viewer } from './entitlement.js';
import { createEntitlementRepository } from './entitlement-repository.js';

/** Sources an admin's 收回 ends. Paid access ends only through a refund, which returns the money. */
const ADMIN_REVOCABLE: GrantSource[] = ['admin_grant', 'free'];

/** Who may study what. Every page, fragment and API that shows lesson content asks canAccess. */
export function createEnrolmentService(deps: {
  db: Knex;
  clock: Clock;
  log: Logger;
  audit: AuditService;
  /**
   * The membership source (commerce): whether a live membership opens the course now. Asked at
   * request time, so a membership's end takes effect with no job. Only a published course is opened
   * this way: a course taken down keeps serving the learners who own it.
   */
  memberAccess?: (userId: number, courseId: number) => Promise<boolean>;
}) {
  const repo = createEntitlementRepository();

  async function grant(trx: Knex, g: { userId: number; courseId: number; source: GrantSource; orderId?: number }): Promise<boolean> {
    const orderId = g.orderId ?? null;
    const changed = await repo.grant(trx, { ...g, orderId, sourceKey: sourceKeyOf(g.source, orderId), now: deps.clock.now() });
    if (changed) deps.log.info({ event: 'enrolments.granted', userId: g.userId, courseId: g.courseId, source: g.source, orderId }, 'access granted');
    return changed;
  }

  /** Whether a membership (not ownership) opens the course to the learner now. */
  async function viaMembership(userId: number, courseId: number): Promise<boolean> {
    return deps.memberAccess ? deps.memberAccess(userId, courseId) : false;
  }

  return {
    /**
     * Admins see everything; a published course's free previews are open to everyone; every other
     * lesson, in a published or a withdrawn course, needs at least one live grant.
     */
    async canAccess(viewer: Viewer | null, lesson: LessonRef): Promise<boolean> {
      if (viewer?.isAdmin) return true;
      // Free previews are a published course's shop window; a course taken down keeps serving only
      // the learners who own it.
      if (lesson.isFreePreview && lesson.coursePublished) return true;
      if (viewer === null) return false;
      if (await repo.hasLive(deps.db, viewer.id, lesson.courseId)) return true;
      return lesson.coursePublished && (await viaMembership(viewer.id, lesson.courseId));
    },

    viaMembership,

    /**
     * Whether the learner owns the course (a purchase, a grant, a free enrolment); pass the
     * transaction to read inside it. A membership does not make a course owned: it opens lessons
     * (canAccess) while it lasts, and buying the course to keep it stays possible.
     */
    async isEnrolled(userId: number, courseId: number, db: Knex = deps.db): Promise<boolean> {
      return repo.hasLive(db, userId, courseId);
    },

    /** Safe to repeat: a second grant of the same source changes nothing. */
    grant,

    /** Whether the learner has the course from anything but this order (another payment, a grant…). */
    async hasOtherSource(userId: number, courseId: number, orderId: number): Promise<boolean> {
      const key = sourceKeyOf('purchase', orderId);
      return (await repo.grantsOf(deps.db, userId, courseId)).some((g) => g.revokedAt === null && g.sourceKey !== key);
    },

    /** A refund ends the access its own order gave, and nothing else. */
    async revokeOrder(trx: Knex, o: { userId: number; courseId: number; orderId: number }): Promise<boolean> {
      const ended = await repo.revoke(trx, o.userId, o.courseId, { sourceKeys: [sourceKeyOf('purchase', o.orderId)], reason: 'refund', now: deps.clock.now() });
      if (ended.length > 0) deps.log.info({ event: 'enrolments.revoked', ...o, reason: 'refund' }, 'purchase access ended');
      return ended.length > 0;
    },

    async enrolFree(userId: number, courseId: number): Promise<boolean> {
      return deps.db.transaction((trx) => grant(trx, { userId, courseId, source: 'free' }));
    },

    /** An admin grant of its own, beside any purchase: a later refund of that purchase leaves it standing. */
    async adminGrant(actorId: number, userId: number, courseId: number): Promise<boolean> {
      return deps.db.transaction(async (trx) => {
        const before = await repo.bySourceKey(trx, userId, courseId, 'admin');
        if (!(await grant(trx, { userId, courseId, source: 'admin_grant' }))) return false;
        const row = (await repo.bySourceKey(trx, userId, courseId, 'admin'))!;
        const summary = { userId, courseId, before: before ? { source: before.source, revoked: true } : null, after: { source: 'admin_grant' } };
        await deps.audit.record(trx, { actorUserId: actorId, action: 'entitlement.grant', entityType: 'entitlement', entityId: row.id, summary });
        return true;
      });
    },

    /** Ends the admin grant and the free enrolment; says whether paid orders still give access. */
    async adminRevoke(actorId: number, userId: number, courseId: number): Promise<{ ended: number; stillPaid: boolean }> {
      return deps.db.transaction(async (trx) => {
        const ended = await repo.revoke(trx, userId, courseId, { sources: ADMIN_REVOCABLE, reason: 'admin_revoke', now: deps.clock.now() });
        for (const g of ended) {
          await deps.audit.record(trx, { actorUserId: actorId, action: 'entitlement.revoke', entityType: 'entitlement', entityId: g.id, summary: { userId, courseId, before: { source: g.source }, after: { revoked: true } } });
        }
        return { ended: ended.length, stillPaid: await repo.hasLive(trx, userId, courseId) };
      });
    },

    async liveForUser(userId: number): Promise<Entitlement[]> {
      return repo.liveForUser(deps.db, userId);
    },

    /** Courses the learner no longer has, and why (`refund`, `admin_revoke`…), for 我的课程. */
    async endedForUser(userId: number): Promise<Array<{ courseId: number; reason: string | null; endedAt: Date }>> {
      return (await repo.endedForUser(deps.db, userId)).map((g) => ({ courseId: g.courseId, reason: g.revokedReason, endedAt: g.revokedAt! }));
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
