import type { Knex } from 'knex';
import { insertIfAbsent, toCount, toDate, toDateOrNull } from '../../platform/db/index.js';
import type { Comment, FeedbackStatus, Reader } from './feedback.js';

const TABLE = 'comments';

export function toComment(r: Record<string, unknown>): Comment {
  return {
    id: Number(r.id),
    courseId: Number(r.course_id),
    lessonId: Number(r.lesson_id),
    userId: Number(r.user_id),
    parentId: r.parent_id === null ? null : Number(r.parent_id),
    replyToUserId: r.reply_to_user_id === null ? null : Number(r.reply_to_user_id),
    bodyMd: String(r.body_md),
    status: r.status as FeedbackStatus,
    heldReason: (r.held_reason as string | null) ?? null,
    reportCount: Number(r.report_count),
    createdAt: toDate(r.created_at),
    editedAt: toDateOrNull(r.edited_at),
  };
}

/** What a reader may see: published text, their own held text, and every held text for an admin. */
function visibleTo(q: Knex.QueryBuilder, reader: Reader | null): Knex.QueryBuilder {
  return q.where((w) => {
    w.where(`${TABLE}.status`, 'published');
    if (reader?.isAdmin) w.orWhere(`${TABLE}.status`, 'held');
    else if (reader) w.orWhere((h) => h.where(`${TABLE}.status`, 'held').andWhere(`${TABLE}.user_id`, reader.id));
  });
}

export type CommentOrder = 'newest' | 'oldest';

export function createCommentRepository() {
  /** What a reader sees of a lesson's comments: the visible ones, and the deleted ones that still head a visible reply. */
  function shown(db: Knex, lessonId: number, reader: Reader | null) {
    return db(TABLE)
      .where({ lesson_id: lessonId })
      .where((w) => {
        visibleTo(w, reader).orWhere((d) =>
          d
            .whereNull(`${TABLE}.parent_id`)
            .where(`${TABLE}.status`, 'deleted')
            .whereExists((e) => e.select(db.raw('1')).from({ r: TABLE }).whereRaw('r.parent_id = comments.id').andWhere('r.status', 'published')),
        );
      });
  }

  /** Top-level comments a reader sees, with the deleted ones that still head a visible reply. */
  function topLevel(db: Knex, lessonId: number, reader: Reader | null) {
    return shown(db, lessonId, reader).whereNull('parent_id');
  }

  return {
    async find(db: Knex, id: number): Promise<Comment | null> {
      const r = await db(TABLE).where({ id }).first();
      return r ? toComment(r) : null;
    },

    /** The new id, or null when this learner already posted the same form (`form_key`). */
    async insert(db: Knex, c: Omit<Comment, 'id' | 'reportCount' | 'editedAt'>, formKey: string | null): Promise<number | null> {
      const row = {
        course_id: c.courseId,
        lesson_id: c.lessonId,
        user_id: c.userId,
        parent_id: c.parentId,
        reply_to_user_id: c.replyToUserId,
        body_md: c.bodyMd,
        status: c.status,
        held_reason: c.heldReason,
        report_count: 0,
        created_at: c.createdAt,
        form_key: formKey,
      };
      if (formKey === null) return Number((await db(TABLE).insert(row))[0]);
      if (!(await insertIfAbsent(db, TABLE, row, ['user_id', 'form_key']))) return null;
      return Number((await db(TABLE).where({ user_id: c.userId, form_key: formKey }).first('id')).id);
    },

    async byFormKey(db: Knex, userId: number, formKey: string): Promise<Comment | null> {
      const r = await db(TABLE).where({ user_id: userId, form_key: formKey }).first();
      return r ? toComment(r) : null;
    },

    /**
     * In one statement, of what the reader is shown under the lesson: the threads (top-level rows,
     * for paging) and every comment not deleted, replies included (the number by 留言).
     */
    async counts(db: Knex, lessonId: number, reader: Reader | null): Promise<{ topLevel: number; visible: number }> {
      const row = (await shown(db, lessonId, reader).first(
        db.raw('count(case when parent_id is null then 1 end) as top'),
        db.raw("count(case when status <> 'deleted' then 1 end) as n"),
      )) as Record<string, unknown> | undefined;
      return { topLevel: toCount(row, 'top'), visible: toCount(row) };
    },

    async pageOfTopLevel(db: Knex, lessonId: number, reader: Reader | null, order: CommentOrder, offset: number, limit: number): Promise<Comment[]> {
      const dir = order === 'newest' ? 'desc' : 'asc';
      const rows = await topLevel(db, lessonId, reader).orderBy([{ column: 'created_at', order: dir }, { column: 'id', order: dir }]).offset(offset).limit(limit);
      return rows.map(toComment);
    },

    /** The visible replies under these comments, oldest first, as a conversation reads. */
    async repliesOf(db: Knex, parentIds: number[], reader: Reader | null): Promise<Comment[]> {
      if (parentIds.length === 0) return [];
      const rows = await visibleTo(db(TABLE).whereIn('parent_id', parentIds), reader).orderBy([{ column: 'created_at', order: 'asc' }, { column: 'id', order: 'asc' }]);
      return rows.map(toComment);
    },

    async findMany(db: Knex, ids: number[]): Promise<Comment[]> {
      if (ids.length === 0) return [];
      return (await db(TABLE).whereIn('id', ids)).map(toComment);
    },

    /** A new body, and the status its moderation gives it; only while the comment is live. */
    async updateBody(db: Knex, id: number, body: string, status: 'published' | 'held', heldReason: string | null, now: Date): Promise<boolean> {
      const n = await db(TABLE).where({ id }).whereIn('status', ['published', 'held']).update({ body_md: body, status, held_reason: heldReason, edited_at: now });
      return n === 1;
    },

    /** Moves a comment from one of `from` to `to`; deleting clears the body, which nobody may see again. */
    async setStatus(db: Knex, id: number, from: FeedbackStatus[], to: FeedbackStatus, now: Date): Promise<boolean> {
      const change: Record<string, unknown> = { status: to, moderated_at: now };
      if (to === 'deleted') change.body_md = '';
      if (to === 'published') Object.assign(change, { report_count: 0, held_reason: null });
      return (await db(TABLE).where({ id }).whereIn('status', from).update(change)) === 1;
    },
  };
}
