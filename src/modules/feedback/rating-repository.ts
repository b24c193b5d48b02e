import type { Knex } from 'knex';
import { insertIfAbsent, toCount, toDate, toDateOrNull } from '../../platform/db/index.js';
import type { Rating } from './feedback.js';

const TABLE = 'ratings';

export function toRating(r: Record<string, unknown>): Rating {
  const repliedAt = toDateOrNull(r.replied_at);
  return {
    id: Number(r.id),
    userId: Number(r.user_id),
    courseId: Number(r.course_id),
    stars: Number(r.stars),
    review: String(r.review ?? ''),
    status: r.status as Rating['status'],
    heldReason: (r.held_reason as string | null) ?? null,
    reportCount: Number(r.report_count),
    reply: r.reply_text === null || repliedAt === null ? null : { text: String(r.reply_text), userId: Number(r.reply_user_id), at: repliedAt },
    createdAt: toDate(r.created_at),
    updatedAt: toDate(r.updated_at),
  };
}

export function createRatingRepository() {
  return {
    async find(db: Knex, id: number): Promise<Rating | null> {
      const r = await db(TABLE).where({ id }).first();
      return r ? toRating(r) : null;
    },

    async ofLearner(db: Knex, userId: number, courseId: number): Promise<Rating | null> {
      const r = await db(TABLE).where({ user_id: userId, course_id: courseId }).first();
      return r ? toRating(r) : null;
    },

    /**
     * One rating per learner and course: the first save inserts (two at once leave one row, by the
     * unique key), every later one updates stars, review and status. A hidden rating stays out of sight
     * until an admin looks again: its edit goes to the queue as held.
     */
    async save(db: Knex, r: { userId: number; courseId: number; stars: number; review: string; status: 'published' | 'held'; heldReason: string | null; now: Date }): Promise<Rating> {
      const values = { stars: r.stars, review: r.review === '' ? null : r.review, status: r.status, held_reason: r.heldReason, updated_at: r.now };
      const inserted = await insertIfAbsent(db, TABLE, { user_id: r.userId, course_id: r.courseId, ...values, report_count: 0, created_at: r.now }, ['user_id', 'course_id']);
      if (!inserted) {
        const hidden = await db(TABLE).where({ user_id: r.userId, course_id: r.courseId, status: 'hidden' }).first('id');
        await db(TABLE)
          .where({ user_id: r.userId, course_id: r.courseId })
          .update({ ...values, ...(hidden ? { status: 'held', held_reason: r.heldReason ?? '已隐藏后修改' } : {}) });
      }
      return toRating(await db(TABLE).where({ user_id: r.userId, course_id: r.courseId }).first());
    },

    /** Published ratings per star, 1 to 5. */
    async distribution(db: Knex, courseId: number): Promise<number[]> {
      const rows = await db(TABLE).where({ course_id: courseId, status: 'published' }).groupBy('stars').select('stars').count({ n: '*' });
      const out = [0, 0, 0, 0, 0];
      for (const r of rows as Record<string, unknown>[]) out[Number(r.stars) - 1] = toCount(r);
      return out;
    },

    async countPublished(db: Knex, courseId: number): Promise<number> {
      return toCount(await db(TABLE).where({ course_id: courseId, status: 'published' }).count({ n: '*' }).first());
    },

    /** Published ratings, latest first (an edit brings a rating back up). */
    async pagePublished(db: Knex, courseId: number, offset: number, limit: number): Promise<Rating[]> {
      const rows = await db(TABLE).where({ course_id: courseId, status: 'published' }).orderBy([{ column: 'updated_at', order: 'desc' }, { column: 'id', order: 'desc' }]).offset(offset).limit(limit);
      return rows.map(toRating);
    },

    /** The creator's one public reply: written only while there is none. */
    async setReply(db: Knex, id: number, text: string, userId: number, now: Date): Promise<boolean> {
      return (await db(TABLE).where({ id }).whereNull('reply_text').update({ reply_text: text, reply_user_id: userId, replied_at: now })) === 1;
    },

    async setStatus(db: Knex, id: number, from: Rating['status'][], to: Rating['status'], now: Date): Promise<boolean> {
      const change: Record<string, unknown> = { status: to, moderated_at: now };
      if (to === 'published') Object.assign(change, { report_count: 0, held_reason: null });
      return (await db(TABLE).where({ id }).whereIn('status', from).update(change)) === 1;
    },

    async remove(db: Knex, id: number): Promise<boolean> {
      return (await db(TABLE).where({ id }).delete()) === 1;
    },
  };
}
