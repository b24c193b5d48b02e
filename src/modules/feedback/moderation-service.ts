import type { Knex } from 'knex';
import type { Clock } from '../../platform/clock.js';
import { ConflictError, ForbiddenError, NotFoundError } from '../../platform/errors.js';
import type { Logger } from '../../platform/logger.js';
import type { AuditService } from '../audit/index.js';
import { createCommentRepository } from './comment-repository.js';
import type { CommentService } from './comment-service.js';
import type { Comment, FeedbackStatus, Rating, Reader } from './feedback.js';
import { createModerationRepository, type ModeratedKind, type QueueTab } from './moderation-repository.js';
import { createNotificationRepository } from './notification-repository.js';
import { createRatingRepository } from './rating-repository.js';
import { REPORT_REASONS } from './feedback-schemas.js';

export type ModerationAction = 'approve' | 'hide' | 'delete';
const QUEUE_LIMIT = 100;

/** From which states each action may move an item, and where to. */
const MOVES: Record<ModerationAction, { from: FeedbackStatus[]; to: FeedbackStatus }> = {
  approve: { from: ['held', 'hidden', 'published'], to: 'published' },
  hide: { from: ['held', 'published'], to: 'hidden' },
  delete: { from: ['held', 'hidden', 'published'], to: 'deleted' },
};

export interface QueueItem {
  kind: ModeratedKind;
  item: Comment | Rating;
  /** Why people reported it, in words (垃圾广告…), one per report. */
  reasons: string[];
}

const reasonLabel = (code: string) => REPORT_REASONS[code as keyof typeof REPORT_REASONS] ?? code;

/** The admin's side of feedback: the queue, approve / hide / delete, bans. Every action is audited. */
export function createModerationService(deps: { db: Knex; clock: Clock; log: Logger; audit: AuditService; comments: CommentService }) {
  const comments = createCommentRepository();
  const ratings = createRatingRepository();
  const moderation = createModerationRepository();
  const notices = createNotificationRepository();

  const admin = (actor: Reader) => {
    if (!actor.isAdmin) throw new ForbiddenError();
  };

  async function actOnComment(trx: Knex, actor: Reader, id: number, action: ModerationAction): Promise<void> {
    const c = await comments.find(trx, id);
    if (!c || c.status === 'deleted') throw new NotFoundError('COMMENT_NOT_FOUND', '留言不存在或已删除');
    const move = MOVES[action];
    if (!(await comments.setStatus(trx, id, move.from, move.to, deps.clock.now()))) throw new ConflictError('ALREADY_MODERATED', '这条留言刚被处理过，请刷新后再看');
    if (move.to === 'published') await deps.comments.noticeIfPublic(trx, { ...c, status: 'published' });
    else await notices.removeFor(trx, 'comment_reply', [id]);
    const summary = { courseId: c.courseId, lessonId: c.lessonId, userId: c.userId, before: { status: c.status, reports: c.reportCount, keyword: c.heldReason }, after: { status: move.to } };
    await deps.audit.record(trx, { actorUserId: actor.id, action: `comment.${action}`, entityType: 'comment', entityId: id, summary });
  }

  async function actOnRating(trx: Knex, actor: Reader, id: number, action: ModerationAction): Promise<void> {
    const r = await ratings.find(trx, id);
    if (!r) throw new NotFoundError('RATING_NOT_FOUND', '评价不存在或已删除');
    const move = MOVES[action];
    // A deleted rating is gone: its learner may rate the course afresh.
    const done = move.to === 'deleted' ? await ratings.remove(trx, id) : await ratings.setStatus(trx, id, move.from as Rating['status'][], move.to as Rating['status'], deps.clock.now());
    if (!done) throw new ConflictError('ALREADY_MODERATED', '这条评价刚被处理过，请刷新后再看');
    if (move.to !== 'published') await notices.removeFor(trx, 'review_reply', [id]);
    const summary = { courseId: r.courseId, userId: r.userId, before: { status: r.status, stars: r.stars, reports: r.reportCount, keyword: r.heldReason }, after: { status: move.to } };
    await deps.audit.record(trx, { actorUserId: actor.id, action: `rating.${action}`, entityType: 'rating', entityId: id, summary });
  }

  return {
    async counts(actor: Reader): Promise<Record<QueueTab, number>> {
      admin(actor);
      const tabs: QueueTab[] = ['held', 'reported', 'hidden'];
      const n = await Promise.all(tabs.map(async (t) => (await moderation.countQueue(deps.db, 'comment', t)) + (await moderation.countQueue(deps.db, 'rating', t))));
      return { held: n[0]!, reported: n[1]!, hidden: n[2]! };
    },

    /** One tab of the queue, comments and ratings together, newest first. */
    async queue(actor: Reader, tab: QueueTab): Promise<QueueItem[]> {
      admin(actor);
      const [cs, rs] = await Promise.all([moderation.queueOfComments(deps.db, tab, QUEUE_LIMIT), moderation.queueOfRatings(deps.db, tab, QUEUE_LIMIT)]);
      const [cReasons, rReasons] = await Promise.all([moderation.reasonsFor(deps.db, 'comment', cs.map((c) => c.id)), moderation.reasonsFor(deps.db, 'rating', rs.map((r) => r.id))]);
      const items: QueueItem[] = [
        ...cs.map((c) => ({ kind: 'comment' as const, item: c, reasons: (cReasons.get(c.id) ?? []).map(reasonLabel) })),
        ...rs.map((r) => ({ kind: 'rating' as const, item: r, reasons: (rReasons.get(r.id) ?? []).map(reasonLabel) })),
      ];
      const at = (q: QueueItem) => ('updatedAt' in q.item ? q.item.updatedAt : q.item.createdAt).getTime();
      return items.sort((a, b) => at(b) - at(a)).slice(0, QUEUE_LIMIT);
    },

    async act(actor: Reader, kind: ModeratedKind, id: number, action: ModerationAction): Promise<void> {
      admin(actor);
      await deps.db.transaction((trx) => (kind === 'comment' ? actOnComment(trx, actor, id, action) : actOnRating(trx, actor, id, action)));
      deps.log.info({ event: `feedback.moderation.${action}`, kind, id, actorId: actor.id }, 'moderation action');
    },

    /** No more comments or reviews from this learner; optionally everything they wrote goes out of sight. */
    async ban(actor: Reader, userId: number, reason: string, hidePast: boolean): Promise<{ hidden: number }> {
      admin(actor);
      if (userId === actor.id) throw new ConflictError('BAN_SELF', '不能禁言自己');
      return deps.db.transaction(async (trx) => {
        if (!(await moderation.ban(trx, { userId, bannedBy: actor.id, reason: reason || '违反社区规范', createdAt: deps.clock.now() }))) {
          throw new ConflictError('ALREADY_BANNED', '这位学员已经被禁言');
        }
        let hidden = 0;
        if (hidePast) {
          const cs = await moderation.hideAllBy(trx, 'comment', userId, deps.clock.now());
          const rs = await moderation.hideAllBy(trx, 'rating', userId, deps.clock.now());
          await notices.removeFor(trx, 'comment_reply', cs);
          hidden = cs.length + rs.length;
        }
        await deps.audit.record(trx, { actorUserId: actor.id, action: 'feedback.ban', entityType: 'feedback_ban', entityId: userId, summary: { userId, reason, hidden } });
        return { hidden };
      });
    },

    async unban(actor: Reader, userId: number): Promise<void> {
      admin(actor);
      await deps.db.transaction(async (trx) => {
        if (!(await moderation.unban(trx, userId))) throw new NotFoundError('NOT_BANNED', '这位学员没有被禁言');
        await deps.audit.record(trx, { actorUserId: actor.id, action: 'feedback.unban', entityType: 'feedback_ban', entityId: userId, summary: { userId } });
      });
    },

    async bans(actor: Reader) {
      admin(actor);
      return moderation.bans(deps.db, 100);
    },

    async log(actor: Reader) {
      admin(actor);
      return deps.audit.recentOf(['comment', 'rating', 'feedback_ban'], 30);
    },
  };
}

export type ModerationService = ReturnType<typeof createModerationService>;
