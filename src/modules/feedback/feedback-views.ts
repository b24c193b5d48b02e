import { beijingDateTime } from '../../platform/time.js';
import type { PublicProfile } from '../accounts/index.js';
import { renderCommentMarkdown } from '../catalog/index.js';
import type { CommentPage } from './comment-service.js';
import { EDIT_WINDOW_MS } from './feedback-schemas.js';
import type { Comment, Rating, Reader } from './feedback.js';
import type { LikeState } from './like-service.js';
import { MIN_RATINGS_FOR_AVERAGE, type RatingSummary } from './rating-service.js';
import { REPORT_REASONS } from './feedback-schemas.js';

const nameOf = (people: Map<number, PublicProfile>, id: number | null) => (id === null ? null : (people.get(id)?.nickname ?? '已注销用户'));

/**
 * One comment as a page shows it; the body is our sanitiser's HTML, everything else is escaped text.
 * `threadAuthor` is the top-level comment's author: a reply names whom it answers only when that is
 * someone else (a reply to a reply), never "A 回复 A".
 */
export function commentView(c: Comment, people: Map<number, PublicProfile>, reader: Reader | null, now: Date, threadAuthor: number | null = null, mayPost = true) {
  const mine = reader?.id === c.userId;
  const live = c.status === 'published' || c.status === 'held';
  const answers = c.parentId !== null && c.replyToUserId !== null && c.replyToUserId !== c.userId && c.replyToUserId !== threadAuthor;
  return {
    id: c.id,
    anchor: `comment-${c.id}`,
    authorName: nameOf(people, c.userId),
    isCreator: people.get(c.userId)?.isCreator ?? false,
    replyToName: answers ? nameOf(people, c.replyToUserId) : null,
    html: live ? renderCommentMarkdown(c.bodyMd) : '',
    time: beijingDateTime(c.createdAt),
    edited: c.editedAt !== null,
    held: c.status === 'held',
    deleted: c.status === 'deleted',
    mine,
    canEdit: mine && live && now.getTime() - c.createdAt.getTime() <= EDIT_WINDOW_MS,
    canDelete: mine && live,
    canReport: reader !== null && !mine && c.status === 'published',
    canReply: reader !== null && mayPost && c.status === 'published',
  };
}

export function commentPageView(p: CommentPage, reader: Reader | null, now: Date, mayPost = true) {
  return {
    total: p.total,
    count: p.count,
    page: p.page,
    pages: p.pages,
    order: p.order,
    threads: p.threads.map((t) => ({
      ...commentView(t.comment, p.people, reader, now, null, mayPost),
      replies: t.replies.map((r) => commentView(r, p.people, reader, now, t.comment.userId, mayPost)),
    })),
  };
}

export type CommentPageView = ReturnType<typeof commentPageView>;

export function ratingView(r: Rating, people: Map<number, PublicProfile>, reader: Reader | null) {
  return {
    id: r.id,
    anchor: `review-${r.id}`,
    authorName: nameOf(people, r.userId),
    stars: r.stars,
    starText: '★'.repeat(r.stars) + '☆'.repeat(5 - r.stars),
    review: r.review,
    time: beijingDateTime(r.updatedAt),
    edited: r.updatedAt.getTime() !== r.createdAt.getTime(),
    held: r.status === 'held',
    reply: r.reply ? { text: r.reply.text, authorName: nameOf(people, r.reply.userId), time: beijingDateTime(r.reply.at) } : null,
    canReply: reader?.isAdmin === true && r.reply === null && r.status === 'published',
    canReport: reader !== null && reader.id !== r.userId && r.status === 'published',
  };
}

export function summaryView(s: RatingSummary) {
  const max = Math.max(1, ...s.distribution);
  return {
    count: s.count,
    average: s.average === null ? null : s.average.toFixed(1),
    averageStars: s.average === null ? '' : '★'.repeat(Math.round(s.average)) + '☆'.repeat(5 - Math.round(s.average)),
    notEnough: s.average === null,
    minimum: MIN_RATINGS_FOR_AVERAGE,
    bars: [5, 4, 3, 2, 1].map((stars) => {
      const n = s.distribution[stars - 1] ?? 0;
      return { stars, count: n, percent: s.count === 0 ? 0 : Math.round((n / s.count) * 100), width: Math.round((n / max) * 100) };
    }),
  };
}

export function likeView(state: LikeState, action: string) {
  return { liked: state.liked, count: state.count, action };
}

export const REPORT_REASON_OPTIONS = Object.entries(REPORT_REASONS).map(([value, label]) => ({ value, label }));
