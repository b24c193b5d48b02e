import type { Knex } from 'knex';
import { NotFoundError } from '../../platform/errors.js';
import { formatFen } from '../../platform/money.js';
import { categoryLabel, difficultyLabel, isCategory } from './categories.js';
import type { Course, CourseSummary } from './course.js';
import { createCourseRepository } from './course-repository.js';

export const PAGE_SIZE = 12;

export interface CourseCard {
  slug: string;
  title: string;
  summary: string;
  price: string;
  isFree: boolean;
  categoryLabel: string;
  difficultyLabel: string;
  tags: string[];
  coverUrl: string;
}

/** A cover for every course: the creator's image, or the illustration of its category. */
export function coverFor(c: Pick<Course, 'coverUrl' | 'category'>): string {
  return c.coverUrl ?? `/static/img/covers/${isCategory(c.category) ? c.category : 'default'}.svg`;
}

export function toCard(c: CourseSummary): CourseCard {
  return {
    slug: c.slug,
    title: c.title,
    summary: c.summary,
    price: formatFen(c.priceFen),
    isFree: c.priceFen === 0,
    categoryLabel: categoryLabel(c.category),
    difficultyLabel: difficultyLabel(c.difficulty),
    tags: c.tags,
    coverUrl: coverFor(c),
  };
}

export function createCourseService(deps: { db: Knex }) {
  const repo = createCourseRepository();

  return {
    /** A page of the public list; `page` past the end gives an empty page that still knows the total. */
    async listPublished(opts: { category: string | null; page: number }) {
      if (opts.category !== null && !isCategory(opts.category)) throw new NotFoundError('CATEGORY_NOT_FOUND', '没有这个课程分类');
      const [total, courses] = await Promise.all([
        repo.countPublished(deps.db, opts.category),
        repo.listPublished(deps.db, { category: opts.category, limit: PAGE_SIZE, offset: (opts.page - 1) * PAGE_SIZE }),
      ]);
      return {
        courses: courses.map(toCard),
        total,
        page: opts.page,
        totalPages: Math.max(1, Math.ceil(total / PAGE_SIZE)),
      };
    },

    async publishedBySlug(slug: string): Promise<Course> {
      const course = await repo.findPublishedBySlug(deps.db, slug);
      if (!course) throw new NotFoundError('COURSE_NOT_FOUND', '课程不存在或已下架');
      return course;
    },
  };
}

export type CourseService = ReturnType<typeof createCourseService>;
