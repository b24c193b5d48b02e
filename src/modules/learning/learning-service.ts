import type { Knex } from 'knex';
import type { Clock } from '../../platform/clock.js';
import { createProgressRepository, type LessonProgress } from './progress-repository.js';

/** The page sends a beacon every 15 s while visible; one beacon may count at most this much. */
export const MAX_BEACON_SECONDS = 30;

export interface CourseProgress {
  total: number;
  done: number;
  percent: number;
  completedIds: Set<number>;
  /** The lesson to continue with: the last one opened, or the first one. */
  resumeLessonId: number | null;
}

export function summarise(lessonIds: number[], rows: LessonProgress[]): CourseProgress {
  const inCourse = new Set(lessonIds);
  const mine = rows.filter((r) => inCourse.has(r.lessonId));
  const completedIds = new Set(mine.filter((r) => r.completedAt !== null).map((r) => r.lessonId));
  const last = [...mine].sort((a, b) => b.lastOpenedAt.getTime() - a.lastOpenedAt.getTime())[0];
  const total = lessonIds.length;
  return {
    total,
    done: completedIds.size,
    percent: total === 0 ? 0 : Math.round((completedIds.size / total) * 100),
    completedIds,
    resumeLessonId: last?.lessonId ?? lessonIds[0] ?? null,
  };
}

/** Study progress: lessons opened and completed, and active reading time. */
export function createLearningService(deps: { db: Knex; clock: Clock }) {
  const repo = createProgressRepository();

  return {
    async courseProgress(userId: number, courseId: number, lessonIds: number[]): Promise<CourseProgress> {
      return summarise(lessonIds, await repo.forCourses(deps.db, userId, [courseId]));
    },

    async progressByCourse(userId: number, courseIds: number[]): Promise<LessonProgress[]> {
      return repo.forCourses(deps.db, userId, courseIds);
    },

    /** Whether the learner has opened at least one lesson of the course (what rating a course needs). */
    async hasStudied(userId: number, courseId: number): Promise<boolean> {
      return repo.hasAny(deps.db, userId, courseId);
    },

    async recordOpen(userId: number, lessonId: number, courseId: number): Promise<void> {
      await repo.recordOpen(deps.db, userId, lessonId, courseId, deps.clock.now());
    },

    /**
     * Counts the time since the last beacon (or the page opening), never more than
     * MAX_BEACON_SECONDS, whatever the request claims: a forged beacon cannot add hours.
     */
    async recordActivity(userId: number, lessonId: number, courseId: number): Promise<number> {
      const now = deps.clock.now();
      const p = await repo.find(deps.db, userId, lessonId);
      if (!p) {
        await repo.recordOpen(deps.db, userId, lessonId, courseId, now);
        return 0;
      }
      const elapsed = Math.floor((now.getTime() - p.lastActiveAt.getTime()) / 1000);
      const seconds = Math.max(0, Math.min(elapsed, MAX_BEACON_SECONDS));
      return (await repo.addStudyTime(deps.db, userId, lessonId, p.lastActiveAt, seconds, now)) ? seconds : 0;
    },

    async markDone(userId: number, lessonId: number, courseId: number): Promise<void> {
      const now = deps.clock.now();
      await repo.recordOpen(deps.db, userId, lessonId, courseId, now);
      await repo.markCompleted(deps.db, userId, lessonId, now);
    },
  };
}

export type LearningService = ReturnType<typeof createLearningService>;
