import { Router } from 'express';
import { formatFen } from '../../platform/money.js';
import { CATEGORIES, categoryLabel, difficultyLabel } from './categories.js';
import { coverFor, type CourseService } from './course-service.js';

/** `?page=` is forgiving: anything that is not a sensible page number means the first page. */
function pageNumber(value: unknown): number {
  const n = typeof value === 'string' && /^\d{1,6}$/.test(value) ? Number(value) : 1;
  return n >= 1 ? n : 1;
}

function listUrl(category: string | null, page: number): string {
  const q = new URLSearchParams();
  if (category) q.set('category', category);
  if (page > 1) q.set('page', String(page));
  const s = q.toString();
  return s ? `/?${s}` : '/';
}

export function catalogRoutes(deps: { courses: CourseService }): Router {
  const router = Router();

  router.get('/', async (req, res) => {
    const category = typeof req.query.category === 'string' && req.query.category !== '' ? req.query.category : null;
    const list = await deps.courses.listPublished({ category, page: pageNumber(req.query.page) });
    res.render('catalog/home', {
      title: category ? `${categoryLabel(category)}课程` : '全部课程',
      ...list,
      category,
      categories: CATEGORIES.map((c) => ({ ...c, url: listUrl(c.code, 1), active: c.code === category })),
      allUrl: listUrl(null, 1),
      prevUrl: list.page > 1 ? listUrl(category, Math.min(list.page - 1, list.totalPages)) : null,
      nextUrl: list.page < list.totalPages ? listUrl(category, list.page + 1) : null,
      firstUrl: listUrl(category, 1),
    });
  });

  router.get('/courses/:slug', async (req, res) => {
    const course = await deps.courses.publishedBySlug(req.params.slug);
    res.render('catalog/course', {
      title: course.title,
      course: {
        slug: course.slug,
        title: course.title,
        summary: course.summary,
        paragraphs: course.description.split(/\n{2,}/).map((p) => p.trim()).filter(Boolean),
        price: formatFen(course.priceFen),
        isFree: course.priceFen === 0,
        categoryLabel: categoryLabel(course.category),
        difficultyLabel: difficultyLabel(course.difficulty),
        tags: course.tags,
        coverUrl: coverFor(course),
      },
    });
  });

  return router;
}
