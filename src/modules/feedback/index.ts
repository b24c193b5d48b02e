// Feedback: likes, comments and ratings, and their moderation. Owns likes, comments, ratings,
// feedback_reports, feedback_bans and feedback_notifications; analytics and recommendations read them.
import type { RequestHandler } from 'express';
import type { Knex } from 'knex';
import type { Clock } from '../../platform/clock.js';
import type { Logger } from '../../platform/logger.js';
import type { AccountService } from '../accounts/index.js';
import type { AuditService } from '../audit/index.js';
import type { CourseService } from '../catalog/index.js';
import type { EnrolmentService } from '../enrolments/index.js';
import { createCommentService } from './comment-service.js';
import { createFeedbackPanels } from './feedback-panels.js';
import { feedbackRoutes } from './feedback-routes.js';
import { createInboxService } from './inbox-service.js';
import { createKeywordFilter } from './keyword-filter.js';
import { createLessonGate } from './lesson-gate.js';
import { createLikeService } from './like-service.js';
import { createModerationService } from './moderation-service.js';
import { createRatingService } from './rating-service.js';

export type { FeedbackPanels } from './feedback-panels.js';
export type { ModerationService, ModerationAction, QueueItem } from './moderation-service.js';
export type { RatingService } from './rating-service.js';
export type { Comment, Rating, Reader, LessonPlace } from './feedback.js';
export type { QueueTab, ModeratedKind } from './moderation-repository.js';
export { QUEUE_TABS } from './moderation-repository.js';
export { ReplyForm, REPLY_FIELDS, BanForm, BAN_FIELDS } from './feedback-schemas.js';
export { orderOf as commentOrderOf } from './feedback-routes.js';

export function createFeedback(deps: {
  db: Knex;
  clock: Clock;
  log: Logger;
  audit: AuditService;
  accounts: AccountService;
  courses: CourseService;
  enrolments: EnrolmentService;
  keywords: readonly string[];
  /** Whether a learner has studied at least one lesson of a course (rating needs it). */
  studied: (userId: number, courseId: number) => Promise<boolean>;
}) {
  const { db, clock, log } = deps;
  const keywords = createKeywordFilter(deps.keywords);
  const gate = createLessonGate(deps);
  const comments = createCommentService({ db, clock, log, keywords, gate, accounts: deps.accounts });
  const ratings = createRatingService({ db, clock, log, keywords, enrolments: deps.enrolments, accounts: deps.accounts, studied: deps.studied });
  const likes = createLikeService({ db, clock });
  const inbox = createInboxService({ db, clock, gate, courses: deps.courses, accounts: deps.accounts });
  const moderation = createModerationService({ db, clock, log, audit: deps.audit, comments });
  return {
    gate,
    ratings,
    moderation,
    panels: createFeedbackPanels({ comments, ratings, likes, clock }),
    routes: (limiters: { postLimiter: RequestHandler; reportLimiter: RequestHandler }) =>
      feedbackRoutes({ courses: deps.courses, enrolments: deps.enrolments, comments, ratings, likes, inbox, gate, clock, ...limiters }),
    /** The red dot on 我的: how many replies a signed-in learner has not seen. One indexed count. */
    unreadReplies: ((req, res, next) => {
      if (!req.currentUser || (req.method !== 'GET' && req.method !== 'HEAD')) return next();
      inbox
        .unreadCount(req.currentUser.id)
        .then((n) => {
          res.locals.unreadReplies = n;
          next();
        })
        .catch(next);
    }) as RequestHandler,
  };
}

export type Feedback = ReturnType<typeof createFeedback>;
export { createFeedbackPrivacy } from './feedback-privacy.js';
