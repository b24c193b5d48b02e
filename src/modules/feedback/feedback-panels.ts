import type { Clock } from '../../platform/clock.js';
import type { CommentService } from './comment-service.js';
import type { CommentOrder } from './comment-repository.js';
import { COMMENT_MAX_CHARS, newFormKey, REVIEW_MAX_CHARS } from './feedback-schemas.js';
import { commentPageView, likeView, ratingView, REPORT_REASON_OPTIONS, summaryView } from './feedback-views.js';
import { BANNED_MESSAGE, type LessonPlace, type Reader } from './feedback.js';
import type { LikeService } from './like-service.js';
import { RATING_REFUSALS, type RatingService } from './rating-service.js';

const REVIEWS_ON_COURSE_PAGE = 5;

/**
 * What the course and lesson pages show of feedback, as view models: the learning module renders the
 * pages and includes these panels, without knowing the rules behind them.
 */
export function createFeedbackPanels(deps: { comments: CommentService; ratings: RatingService; likes: LikeService; clock: Clock }) {
  return {
    async course(course: { id: number; slug: string }, reader: Reader | null) {
      const summary = await deps.ratings.summary(course.id);
      const [like, page, mine, refusal] = await Promise.all([
        deps.likes.state(reader, 'course', course.id),
        deps.ratings.page(course.id, 1, summary.count),
        deps.ratings.mine(reader, course.id),
        deps.ratings.refusal(reader, course.id),
      ]);
      const base = `/courses/${encodeURIComponent(course.slug)}`;
      return {
        like: likeView(like, `${base}/${like.liked ? 'unlike' : 'like'}`),
        summary: summaryView(summary),
        reviews: page.items.slice(0, REVIEWS_ON_COURSE_PAGE).map((r) => ratingView(r, page.people, reader)),
        moreReviews: page.total > REVIEWS_ON_COURSE_PAGE,
        reviewsUrl: `${base}/reviews`,
        ratingUrl: `${base}/rating`,
        mine: mine ? { stars: String(mine.stars), review: mine.review, held: mine.status === 'held', hidden: mine.status === 'hidden' } : null,
        // Logged-out visitors are not told they cannot rate; owners who have not studied yet are.
        refusal: refusal && refusal !== 'login' && refusal !== 'not_owner' ? RATING_REFUSALS[refusal] : null,
        canRate: refusal === null,
        maxChars: REVIEW_MAX_CHARS,
        reportReasons: REPORT_REASON_OPTIONS,
      };
    },

    /** Null when the reader may not study the lesson: then nothing of its comments is shown. */
    async lesson(place: LessonPlace, reader: Reader | null, q: { order: CommentOrder; page: number }) {
      if (!place.allowed) return null;
      const [like, page, banned] = await Promise.all([deps.likes.state(reader, 'lesson', place.lessonId), deps.comments.pageAt(place, reader, q), deps.comments.isBanned(reader)]);
      const base = `/courses/${encodeURIComponent(place.courseSlug)}/lessons/${place.lessonId}`;
      return {
        like: likeView(like, `${base}/${like.liked ? 'unlike' : 'like'}`),
        comments: commentPageView(page, reader, deps.clock.now(), !banned),
        banned: banned ? BANNED_MESSAGE : null,
        formKey: newFormKey,
        postUrl: `${base}/comments`,
        pageUrl: (n: number, order: CommentOrder) => `${base}?comments=${order}&cpage=${n}#comments`,
        maxChars: COMMENT_MAX_CHARS,
        reportReasons: REPORT_REASON_OPTIONS,
      };
    },
  };
}

export type FeedbackPanels = ReturnType<typeof createFeedbackPanels>;
