import type { Request } from 'express';
import { formatDuration, toCard, type Course, type LessonOutline } from '../catalog/index.js';
import type { Viewer } from '../enrolments/index.js';

/** The course and lesson pages' view models. */
export function viewerOf(req: Request): Viewer | null {
  return req.currentUser ? { id: req.currentUser.id, isAdmin: req.currentUser.isAdmin } : null;
}

/** A course for its own page: its card, and whether it is a draft the creator is previewing. */
export function courseView(c: Course) {
  return { ...toCard(c), isDraft: c.status !== 'published' };
}

export function outlineView(slug: string, lessons: LessonOutline[], completed: Set<number>) {
  return lessons.map((l, i) => ({
    id: l.id,
    number: i + 1,
    title: l.title,
    url: `/courses/${slug}/lessons/${l.id}`,
    duration: l.durationSeconds ? `${formatDuration(l.durationSeconds)} 分钟` : '',
    isFreePreview: l.isFreePreview,
    done: completed.has(l.id),
  }));
}
