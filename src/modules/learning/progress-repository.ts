import type { Knex } from 'knex';
import { insertIfAbsent, toDate, toDateOrNull } from '../../platform/db/index.js';

export interface LessonProgress {
  lessonId: number;
  courseId: number;
  firstOpenedAt: Date;
  lastOpenedAt: Date;
  lastActiveAt: Date;
  secondsStudied: number;
  completedAt: Date | null;
}

function toProgress(r: Record<string, unknown>): LessonProgress {
  return {
    lessonId: Number(r.lesson_id),
    courseId: Number(r.course_id),
    firstOpenedAt: toDate(r.first_opened_at),
    lastOpenedAt: toDate(r.last_opened_at),
    lastActiveAt: toDate(r.last_active_at),
    secondsStudied: Number(r.seconds_studied),
    completedAt: toDateOrNull(r.completed_at),
  };
}

export function createProgressRepository() {
  return {
    async find(db: Knex, userId: number, lessonId: number): Promise<LessonProgress | null> {
      const r = await db('lesson_progress').where({ user_id: userId, lesson_id: lessonId }).first();
      return r ? toProgress(r) : null;
    },

    async forCourses(db: Knex, userId: number, courseIds: number[]): Promise<LessonProgress[]> {
      if (courseIds.length === 0) return [];
      const rows = await db('lesson_progress').where({ user_id: userId }).whereIn('course_id', courseIds);
      return rows.map(toProgress);
    },

    async hasAny(db: Knex, userId: number, courseId: number): Promise<boolean> {
      return (await db('lesson_progress').where({ user_id: userId, course_id: courseId }).first('id')) !== undefined;
    },

    /**
     * First open creates the row; later opens move last_opened_at and restart the activity clock.
     * Most opens are later ones, so the update goes first: one statement on every page view after
     * the first, and the insert (with the update again, if another request created the row meanwhile)
     * only when there was no row.
     */
    async recordOpen(db: Knex, userId: number, lessonId: number, courseId: number, now: Date): Promise<void> {
      const reopen = () => db('lesson_progress').where({ user_id: userId, lesson_id: lessonId }).update({ last_opened_at: now, last_active_at: now });
      if ((await reopen()) > 0) return;
      const row = { user_id: userId, lesson_id: lessonId, course_id: courseId, first_opened_at: now, last_opened_at: now, last_active_at: now, seconds_studied: 0 };
      if (!(await insertIfAbsent(db, 'lesson_progress', row, ['user_id', 'lesson_id']))) await reopen();
    },

    /**
     * Adds `seconds` only if nobody counted since `since` (the row's last_active_at we read), so two
     * beacons racing each other cannot both add the same interval.
     */
    async addStudyTime(db: Knex, userId: number, lessonId: number, since: Date, seconds: number, now: Date): Promise<boolean> {
      const n = await db('lesson_progress')
        .where({ user_id: userId, lesson_id: lessonId, last_active_at: since })
        .update({ seconds_studied: db.raw('seconds_studied + ?', [seconds]), last_active_at: now });
      return n > 0;
    },

    async markCompleted(db: Knex, userId: number, lessonId: number, now: Date): Promise<void> {
      await db('lesson_progress').where({ user_id: userId, lesson_id: lessonId }).whereNull('completed_at').update({ completed_at: now });
    },
  };
}
