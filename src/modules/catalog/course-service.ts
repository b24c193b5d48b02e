import type { Knex } from 'knex';
import type { Clock } from '../../platform/clock.js';
import { NotFoundError } from '../../platform/errors.js';
import { localCacheVersions, type CacheVersions } from '../../platform/cache-versions.js';
import { createTtlCache } from '../../platform/ttl-cache.js';
import { formatFen } from '../../platform/money.js';
import { categoryLabel, difficultyLabel, isCategory } from './categories.js';
import type { Course, CourseSummary } from './course.js';
import { createCourseRepository } from './course-repository.js';
import { createLessonRepository } from './lesson-repository.js';
import type { Lesson, LessonOutline } from './lesson.js';

export const PAGE_SIZE = 12;
/** What an edit to courses bumps: every cache holding course cards or lists, in every process. */
export const CATALOG_CACHE = 'catalog';

export interface CourseCard {
  id: number;
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

/**
 * A course recommended to someone, with the reason in their words. Recommendations fills it; the
 * pages that show it (home, course, order, the OA reply) know only this shape.
 */
export interface PickedCourse {
  card: CourseCard;
  reason: string;
  /** Why, as a code: 'also' (learners really took both), 'pinned' (the creator's pick), … */
  reasonKind: string;
}

/** A cover for every course: the creator's image, or the illustration of its category. */
export function coverFor(c: Pick<Course, 'coverUrl' | 'category'>): string {
  return c.coverUrl ?? `/static/img/covers/${isCategory(c.category) ? c.category : 'default'}.svg`;
}

export function toCard(c: CourseSummary): CourseCard {
  return {
    id: c.id,
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

export function createCourseService(deps: { db: Knex; clock: Clock; listCacheMs: number; versions?: CacheVersions }) {
  const repo = createCourseRepository();
  const lessons = createLessonRepository();
  const versions = deps.versions ?? localCacheVersions();
  const shared = { versions, names: [CATALOG_CACHE] };
  // The home page is the busiest page and the same for every visitor: a few seconds of staleness
  // saves two queries per view.
  const listCache = createTtlCache<{ courses: CourseCard[]; total: number }>({ ttlMs: deps.listCacheMs, maxEntries: 200, clock: deps.clock, shared });

  // Recommendations show a few cards on most pages: the whole catalogue, a few thousand small
  // cards, is one query every few seconds instead of one per page. Without a cache (tests), just
  // the courses asked for.
  type Known = Map<number, { card: CourseCard & { category: string }; published: boolean }>;
  const catalogueCache = createTtlCache<Known>({ ttlMs: deps.listCacheMs, maxEntries: 1, clock: deps.clock, shared });
  const known = async (ids?: readonly number[]): Promise<Known> => new Map((await repo.summaries(deps.db, ids)).map((c) => [c.id, { card: { ...toCard(c), category: c.category }, published: c.published }]));
  const catalogue = (ids: readonly number[]) => (deps.listCacheMs > 0 ? catalogueCache.get('all', () => known()) : known(ids));

  return {
    /** A page of the public list; `page` past the end gives an empty page that still knows the total. */
    async listPublished(opts: { category: string | null; page: number }) {
      if (opts.category !== null && !isCategory(opts.category)) throw new NotFoundError('CATEGORY_NOT_FOUND', '没有这个课程分类');
      const { courses, total } = await listCache.get(`${opts.category ?? ''}:${opts.page}`, async () => {
        const [count, rows] = await Promise.all([
          repo.countPublished(deps.db, opts.category),
          repo.listPublished(deps.db, { category: opts.category, limit: PAGE_SIZE, offset: (opts.page - 1) * PAGE_SIZE }),
        ]);
        return { courses: rows.map(toCard), total: count };
      });
      return {
        courses,
        total,
        page: opts.page,
        totalPages: Math.max(1, Math.ceil(total / PAGE_SIZE)),
      };
    },

    /**
     * Published courses for everyone; an unpublished one only for admins (previewing a draft) and for
     * learners who own it (`owns`), who keep studying a course the creator has taken down.
     */
    async courseForViewer(slug: string, viewer: { isAdmin: boolean } | null, owns: (courseId: number) => Promise<boolean> = async () => false): Promise<Course> {
      const course = await repo.findBySlug(deps.db, slug);
      if (course && (course.status === 'published' || viewer?.isAdmin || (viewer && (await owns(course.id))))) return course;
      throw new NotFoundError('COURSE_NOT_FOUND', '课程不存在或已下架');
    },

    /** Where a renamed course lives now: its current slug, when no course uses `slug` itself. */
    async renamedTo(slug: string): Promise<string | null> {
      if (await repo.findBySlug(deps.db, slug)) return null;
      return repo.renamedTo(deps.db, slug);
    },

    async outline(courseId: number): Promise<LessonOutline[]> {
      return lessons.outline(deps.db, courseId);
    },

    /** The lesson with its body: callers must have asked enrolments.canAccess first. */
    async lessonInCourse(courseId: number, lessonId: number): Promise<Lesson> {
      const lesson = Number.isSafeInteger(lessonId) ? await lessons.find(deps.db, lessonId) : null;
      if (!lesson || lesson.courseId !== courseId) throw new NotFoundError('LESSON_NOT_FOUND', '课时不存在');
      return lesson;
    },

    /** `lessonInCourse` and `outline` in one statement (the lesson page needs both). */
    async lessonWithOutline(courseId: number, lessonId: number): Promise<{ lesson: Lesson; outline: LessonOutline[] }> {
      const found = Number.isSafeInteger(lessonId) ? await lessons.outlineWithBody(deps.db, courseId, lessonId) : null;
      if (!found?.lesson) throw new NotFoundError('LESSON_NOT_FOUND', '课时不存在');
      return { lesson: found.lesson, outline: found.outline };
    },

    async courseOfLesson(lessonId: number): Promise<Course> {
      const lesson = await lessons.find(deps.db, lessonId);
      const course = lesson ? await repo.findById(deps.db, lesson.courseId) : null;
      if (!course) throw new NotFoundError('LESSON_NOT_FOUND', '课时不存在');
      return course;
    },

    async lessonCounts(courseIds: number[]): Promise<Map<number, number>> {
      return lessons.countByCourse(deps.db, courseIds);
    },

    /** For the Official Account: "课程" means the newest course, any other word the best match or nothing. */
    async bestMatch(text: string): Promise<CourseCard | null> {
      const keyword = text.trim().slice(0, 30);
      if (keyword === '') return null;
      const found = keyword === '课程' ? await repo.newestPublished(deps.db) : await repo.searchPublished(deps.db, keyword);
      return found ? toCard(found) : null;
    },

    /** After a change has committed: this process's visitors see it at once, every other's within a second. */
    clearListCache(): Promise<void> {
      return versions.bump(CATALOG_CACHE);
    },

    /** Cards of the published ones among `ids` (recommendations), by id. */
    async publishedCards(ids: readonly number[]): Promise<Map<number, CourseCard & { category: string }>> {
      const all = await catalogue(ids);
      const cards = new Map<number, CourseCard & { category: string }>();
      for (const id of ids) {
        const c = all.get(id);
        if (c?.published) cards.set(id, c.card);
      }
      return cards;
    },

    /** Titles of any courses, drafts too: a reason may name a course the learner owns that is no longer listed. */
    async titles(ids: readonly number[]): Promise<Map<number, string>> {
      const all = await catalogue(ids);
      return new Map(ids.flatMap((id) => (all.has(id) ? [[id, all.get(id)!.card.title] as const] : [])));
    },

    async byId(id: number): Promise<Course | null> {
      return repo.findById(deps.db, id);
    },
  };
}

export type CourseService = ReturnType<typeof createCourseService>;
