import type { Knex } from 'knex';
import type { Clock } from '../../platform/clock.js';
import { ConflictError, ForbiddenError, NotFoundError } from '../../platform/errors.js';
import type { Logger } from '../../platform/logger.js';
import type { AccountService, PublicProfile } from '../accounts/index.js';
import type { EnrolmentService } from '../enrolments/index.js';
import { BANNED_MESSAGE, type Rating, type Reader } from './feedback.js';
import type { RatingForm } from './feedback-schemas.js';
import type { KeywordFilter } from './keyword-filter.js';
import { createModerationRepository } from './moderation-repository.js';
import { createNotificationRepository } from './notification-repository.js';
import { createRatingRepository } from './rating-repository.js';


/** Below this many ratings an average says more about chance than about the course. */
export const MIN_RATINGS_FOR_AVERAGE = 3;
export const REVIEWS_PER_PAGE = 10;

export interface RatingSummary {
  count: number;
  /** One decimal; null below MIN_RATINGS_FOR_AVERAGE. */
  average: number | null;
  /** Published ratings with 1…5 stars. */
  distribution: number[];
}

/** Why a learner may not rate (yet), or null when they may. */
export type RatingRefusal = 'login' | 'not_owner' | 'not_studied' | 'banned';

export const RATING_REFUSALS: Record<RatingRefusal, string> = {
  login: '登录后才能评分',
  not_owner: '购买或加入课程后才能评分',
  not_studied: '学习至少一课后就可以评分了',
  banned: BANNED_MESSAGE,
};

export function summarise(distribution: number[]): RatingSummary {
  const count = distribution.reduce((a, b) => a + b, 0);
  const sum = distribution.reduce((a, n, i) => a + n * (i + 1), 0);
  return { count, average: count >= MIN_RATINGS_FOR_AVERAGE ? Math.round((sum / count) * 10) / 10 : null, distribution };
}

/**
 * Ratings and reviews of courses: only learners who own the course and have studied in it rate, once
 * each (editable); the creator replies to a review once, publicly.
 */
export function createRatingService(deps: {
  db: Knex;
  clock: Clock;
  log: Logger;
  keywords: KeywordFilter;
  enrolments: EnrolmentService;
  accounts: AccountService;
  /** Whether the learner has studied at least one lesson of the course. */
  studied: (userId: number, courseId: number) => Promise<boolean>;
}) {
  const ratings = createRatingRepository();
  const moderation = createModerationRepository();
  const notices = createNotificationRepository();

  async function refusal(reader: Reader | null, courseId: number): Promise<RatingRefusal | null> {
    if (!reader) return 'login';
    if (!(await deps.enrolments.isEnrolled(reader.id, courseId))) return 'not_owner';
    if (!(await deps.studied(reader.id, courseId))) return 'not_studied';
    if (await moderation.isBanned(deps.db, reader.id)) return 'banned';
    return null;
  }

  async function publicRating(id: number): Promise<Rating> {
    const r = await ratings.find(deps.db, id);
    if (!r || r.status !== 'published') throw new NotFoundError('RATING_NOT_FOUND', '评价不存在或已删除');
    return r;
  }

  return {
    refusal,

    async summary(courseId: number): Promise<RatingSummary> {
      return summarise(await ratings.distribution(deps.db, courseId));
    },

    /** `knownTotal`: the published count when the caller has it already (the summary's), saving a query. */
    async page(courseId: number, page: number, knownTotal?: number): Promise<{ items: Rating[]; total: number; page: number; pages: number; people: Map<number, PublicProfile> }> {
      const total = knownTotal ?? (await ratings.countPublished(deps.db, courseId));
      const pages = Math.max(1, Math.ceil(total / REVIEWS_PER_PAGE));
      const at = Math.min(Math.max(1, page), pages);
      const items = await ratings.pagePublished(deps.db, courseId, (at - 1) * REVIEWS_PER_PAGE, REVIEWS_PER_PAGE);
      const people = await deps.accounts.publicProfiles(items.flatMap((r) => [r.userId, r.reply?.userId ?? r.userId]));
      return { items, total, page: at, pages, people };
    },

    async mine(reader: Reader | null, courseId: number): Promise<Rating | null> {
      return reader ? ratings.ofLearner(deps.db, reader.id, courseId) : null;
    },

    async save(reader: Reader, courseId: number, form: RatingForm): Promise<Rating> {
      const refused = await refusal(reader, courseId);
      if (refused) throw new ForbiddenError(`RATING_${refused.toUpperCase()}`, RATING_REFUSALS[refused]);
      const keyword = form.review === '' ? null : deps.keywords.match(form.review);
      const saved = await ratings.save(deps.db, { userId: reader.id, courseId, stars: form.stars, review: form.review, status: keyword ? 'held' : 'published', heldReason: keyword, now: deps.clock.now() });
      deps.log.info({ event: 'feedback.rating.saved', ratingId: saved.id, courseId, userId: reader.id, status: saved.status }, 'rating saved');
      return saved;
    },

    /** The creator's one public reply to a review; the reviewer gets a notice. */
    async reply(actor: Reader, id: number, text: string): Promise<Rating> {
      if (!actor.isAdmin) throw new ForbiddenError();
      const r = await publicRating(id);
      return deps.db.transaction(async (trx) => {
        if (!(await ratings.setReply(trx, id, text, actor.id, deps.clock.now()))) throw new ConflictError('ALREADY_REPLIED', '这条评价已经回复过了，每条评价只能回复一次');
        await notices.add(trx, r.userId, 'review_reply', id, deps.clock.now());
        return r;
      });
    },

    async report(reader: Reader, id: number, reason: string): Promise<Rating> {
      const r = await publicRating(id);
      if (r.userId === reader.id) throw new ConflictError('OWN_RATING', '不能举报自己的评价');
      const added = await deps.db.transaction((trx) => moderation.report(trx, 'rating', id, reader.id, reason, deps.clock.now()));
      if (!added) throw new ConflictError('ALREADY_REPORTED', '你已经举报过这条评价，我们会尽快处理');
      return r;
    },
  };
}

export type RatingService = ReturnType<typeof createRatingService>;
