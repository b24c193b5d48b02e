import type { Knex } from 'knex';
import type { Lesson, LessonInput, LessonOutline } from './lesson.js';

const OUTLINE_COLUMNS = ['id', 'course_id', 'position', 'title', 'media_url', 'duration_seconds', 'is_free_preview'];

type Row = Record<string, unknown>;

function toOutline(r: Row): LessonOutline {
  return {
    id: Number(r.id),
    courseId: Number(r.course_id),
    position: Number(r.position),
    title: String(r.title),
    mediaUrl: (r.media_url as string | null) ?? null,
    durationSeconds: r.duration_seconds === null || r.duration_seconds === undefined ? null : Number(r.duration_seconds),
    isFreePreview: Boolean(r.is_free_preview),
  };
}

function toRow(l: LessonInput) {
  return {
    title: l.title,
    body_md: l.bodyMd,
    media_url: l.mediaUrl,
    duration_seconds: l.durationSeconds,
    is_free_preview: l.isFreePreview,
  };
}

export function createLessonRepository() {
  return {
    async outline(db: Knex, courseId: number): Promise<LessonOutline[]> {
      const rows = await db('lessons').where({ course_id: courseId }).select(OUTLINE_COLUMNS).orderBy([{ column: 'position' }, { column: 'id' }]);
      return rows.map(toOutline);
    },

    /** The outline of a course and, in the same statement, the body of one of its lessons (null when it is not one of them). */
    async outlineWithBody(db: Knex, courseId: number, lessonId: number): Promise<{ outline: LessonOutline[]; lesson: Lesson | null }> {
      const rows = await db('lessons')
        .where({ course_id: courseId })
        .select([...OUTLINE_COLUMNS, db.raw('case when id = ? then body_md end as body_md', [lessonId])])
        .orderBy([{ column: 'position' }, { column: 'id' }]);
      const found = rows.find((r) => Number(r.id) === lessonId);
      return { outline: rows.map(toOutline), lesson: found ? { ...toOutline(found), bodyMd: String(found.body_md) } : null };
    },

    async find(db: Knex, id: number): Promise<Lesson | null> {
      const r = await db('lessons').where({ id }).first();
      return r ? { ...toOutline(r), bodyMd: String(r.body_md) } : null;
    },

    async countByCourse(db: Knex, courseIds: number[]): Promise<Map<number, number>> {
      if (courseIds.length === 0) return new Map();
      const rows: Record<string, unknown>[] = await db('lessons').whereIn('course_id', courseIds).groupBy('course_id').select('course_id').count({ n: '*' });
      return new Map(rows.map((r) => [Number(r.course_id), Number(r.n)]));
    },

    async insert(db: Knex, courseId: number, l: LessonInput, now: Date): Promise<number> {
      const last = await db('lessons').where({ course_id: courseId }).max({ p: 'position' }).first();
      const [id] = await db('lessons').insert({
        ...toRow(l),
        course_id: courseId,
        position: Number(last?.p ?? 0) + 1,
        created_at: now,
        updated_at: now,
      });
      return Number(id);
    },

    async update(db: Knex, id: number, l: LessonInput, now: Date): Promise<void> {
      await db('lessons').where({ id }).update({ ...toRow(l), updated_at: now });
    },

    async delete(db: Knex, id: number): Promise<void> {
      await db('lessons').where({ id }).delete();
    },

    /** Rewrites positions 1..n in the given order. */
    async setOrder(db: Knex, orderedIds: number[], now: Date): Promise<void> {
      for (const [i, id] of orderedIds.entries()) {
        await db('lessons').where({ id }).update({ position: i + 1, updated_at: now });
      }
    },
  };
}
