import { Router } from 'express';
import { CATEGORIES, categoryLabel } from './categories.js';
import type { CourseService, PickedCourse } from './course-service.js';

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

export function catalogRoutes(deps: {
  courses: CourseService;
  /** 为你推荐 for a signed-in learner; without it the home page has no such section. */
  forYou?: (userId: number) => Promise<PickedCourse[]>;
}): Router {
  const { forYou } = deps;
  const router = Router();

  router.get('/', async (req, res) => {
    const category = typeof req.query.category === 'string' && req.query.category !== '' ? req.query.category : null;
    const page = pageNumber(req.query.page);
    const user = req.currentUser;
    // Only a signed-in learner on the first page of the whole list: a visitor without a session (most
    // of this page's traffic) costs no query more than the list itself.
    const [list, picks] = await Promise.all([
      deps.courses.listPublished({ category, page }),
      forYou && user && category === null && page === 1 ? forYou(user.id) : Promise.resolve([]),
    ]);
    req.track?.('page_view');
    res.render('catalog/home', {
      title: category ? `${categoryLabel(category)}课程` : '全部课程',
      ...list,
      forYou: picks,
      category,
      categories: CATEGORIES.map((c) => ({ ...c, url: listUrl(c.code, 1), active: c.code === category })),
      allUrl: listUrl(null, 1),
      prevUrl: list.page > 1 ? listUrl(category, Math.min(list.page - 1, list.totalPages)) : null,
      nextUrl: list.page < list.totalPages ? listUrl(category, list.page + 1) : null,
      firstUrl: listUrl(category, 1),
    });
  });

  return router;
}
