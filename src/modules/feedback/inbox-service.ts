import type { Knex } from 'knex';
import type { Clock } from '../../platform/clock.js';
import type { AccountService, PublicProfile } from '../accounts/index.js';
import type { CourseService } from '../catalog/index.js';
import { createCommentRepository } from './comment-repository.js';
import type { Comment, LessonPlace, Rating, Reader } from './feedback.js';
import type { LessonGate } from './lesson-gate.js';
import { createNotificationRepository } from './notification-repository.js';
import { createRatingRepository } from './rating-repository.js';

const INBOX_SIZE = 50;

export type InboxItem =
  | { kind: 'comment_reply'; unread: boolean; at: Date; reply: Comment; place: LessonPlace; from: PublicProfile | null; locked: boolean }
  | { kind: 'review_reply'; unread: boolean; at: Date; rating: Rating; course: { slug: string; title: string }; from: PublicProfile | null };

/** 回复我的: replies to a learner's comments and the creator's replies to their reviews; the red dot. */
export function createInboxService(deps: { db: Knex; clock: Clock; gate: LessonGate; courses: CourseService; accounts: AccountService }) {
  const notices = createNotificationRepository();
  const comments = createCommentRepository();
  const ratings = createRatingRepository();

  return {
    async unreadCount(userId: number): Promise<number> {
      return notices.unreadCount(deps.db, userId);
    },

    /**
     * The latest notices, marked read as they are shown. A reply under a lesson the learner can no
     * longer study (a refund) is listed without its text, which belongs to the course; so the list
     * always has as many items as the red dot counted.
     */
    async open(reader: Reader): Promise<InboxItem[]> {
      const list = await notices.latest(deps.db, reader.id, INBOX_SIZE);
      await notices.markAllRead(deps.db, reader.id, deps.clock.now());
      const replies = new Map((await comments.findMany(deps.db, list.filter((n) => n.kind === 'comment_reply').map((n) => n.sourceId))).map((c) => [c.id, c]));
      const people = await deps.accounts.publicProfiles([...replies.values()].map((c) => c.userId));
      const items: InboxItem[] = [];
      for (const n of list) {
        if (n.kind === 'comment_reply') {
          const reply = replies.get(n.sourceId);
          if (!reply || reply.status !== 'published') continue;
          const place = await deps.gate.place(reader, reply.lessonId);
          items.push({ kind: n.kind, unread: n.readAt === null, at: n.createdAt, reply, place, from: people.get(reply.userId) ?? null, locked: !place.allowed });
        } else {
          const rating = await ratings.find(deps.db, n.sourceId);
          const course = rating?.reply ? await deps.courses.byId(rating.courseId) : null;
          if (!rating?.reply || !course) continue;
          const from = (await deps.accounts.publicProfiles([rating.reply.userId])).get(rating.reply.userId) ?? null;
          items.push({ kind: n.kind, unread: n.readAt === null, at: n.createdAt, rating, course: { slug: course.slug, title: course.title }, from });
        }
      }
      return items;
    },
  };
}

export type InboxService = ReturnType<typeof createInboxService>;
