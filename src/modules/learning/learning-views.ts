import type { Request } from 'express';
import { formatFen } from '../../platform/money.js';
import { coverFor, categoryLabel, difficultyLabel, formatDuration, type Course, type LessonOutline } from '../catalog/index.js';
import type { Viewer } from '../enrolments/index.js';

/** The course and lesson pages' view models. */
export function viewerOf(req: Request): Viewer | null {
  return req.currentUser ? { id: req.currentUser.id, isAdmin: req.currentUser.isAdmin } : null;
}

export function courseView(c: Course) {
  return {
    id: c.id,
    slug: c.slug,
    title: c.title,
    summary: c.summary,
    price: formatFen(c.priceFen),
    isFree: c.priceFen === 0,
    isDraft: c.status !== 'published',
    categoryLabel: categoryLabel(c.category),
    difficultyLabel: difficultyLabel(c.difficulty),
    tags: c.tags,
    coverUrl: coverFor(c),
  };
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
