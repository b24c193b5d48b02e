import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import type { Clock } from '../../platform/clock.js';
import { ConflictError, NotFoundError } from '../../platform/errors.js';
import type { AuditService } from '../audit/index.js';
import type { CourseForm, LessonForm } from './catalog-schemas.js';
import { slugify } from './catalog-schemas.js';
import type { Course } from './course.js';
import { createCourseRepository } from './course-repository.js';
import { createLessonRepository } from './lesson-repository.js';
import type { LessonInput } from './lesson.js';

/** The fields worth recording in the audit trail: no long texts. */
function courseSummary(c: Pick<Course, 'title' | 'slug' | 'priceFen' | 'category' | 'difficulty' | 'coverUrl'> & { tags: string[] }) {
  return { title: c.title, slug: c.slug, priceFen: c.priceFen, category: c.category, tags: c.tags.join(','), difficulty: c.difficulty, coverUrl: c.coverUrl };
}

function lessonInput(f: LessonForm): LessonInput {
  return { title: f.title, bodyMd: f.body_md, mediaUrl: f.media_url, durationSeconds: f.duration, isFreePreview: f.is_free_preview };
}

/** Creator-side changes to courses and lessons; each one is audited in its own transaction. */
export function createCatalogAdminService(deps: { db: Knex; clock: Clock; audit: AuditService; onChange: () => void }) {
  const courses = createCourseRepository();
  const lessons = createLessonRepository();
  const slugTaken = () => new ConflictError('SLUG_TAKEN', '这个链接名已被其他课程使用');
  // Old links to another course still lead there: reusing its former slug would send them here.
  const slugRemembered = () => new ConflictError('SLUG_TAKEN', '这个链接名是另一门课程以前用过的，旧链接仍会跳转到那门课程，请换一个');

  async function courseOrThrow(db: Knex, id: number): Promise<Course> {
    const c = await courses.findById(db, id);
    if (!c) throw new NotFoundError('COURSE_NOT_FOUND', '课程不存在');
    return c;
  }

  async function lessonOf(db: Knex, courseId: number, lessonId: number) {
    const l = await lessons.find(db, lessonId);
    if (!l || l.courseId !== courseId) throw new NotFoundError('LESSON_NOT_FOUND', '课时不存在');
    return l;
  }

  return {
    async createCourse(actorId: number, f: CourseForm): Promise<Course> {
      const slug = f.slug || slugify(f.title, () => randomBytes(3).toString('hex'));
      return deps.db.transaction(async (trx) => {
        if (await courses.slugTaken(trx, slug, null)) throw slugTaken();
        if (await courses.slugFormerlyOf(trx, slug, null)) throw slugRemembered();
        const input = { slug, title: f.title, summary: f.summary, description: f.description, priceFen: f.price, category: f.category, tags: f.tags, difficulty: f.difficulty, coverUrl: f.cover_url, status: 'draft' as const };
        const id = await courses.insert(trx, input, deps.clock.now());
        await deps.audit.record(trx, { actorUserId: actorId, action: 'course.create', entityType: 'course', entityId: id, summary: { after: courseSummary(input) } });
        return courseOrThrow(trx, id);
      }).finally(deps.onChange);
    },

    async updateCourse(actorId: number, id: number, f: CourseForm): Promise<Course> {
      return deps.db.transaction(async (trx) => {
        const before = await courseOrThrow(trx, id);
        const slug = f.slug || before.slug;
        if (await courses.slugTaken(trx, slug, id)) throw slugTaken();
        if (slug !== before.slug && (await courses.slugFormerlyOf(trx, slug, id))) throw slugRemembered();
        const input = { slug, title: f.title, summary: f.summary, description: f.description, priceFen: f.price, category: f.category, tags: f.tags, difficulty: f.difficulty, coverUrl: f.cover_url ?? before.coverUrl };
        await courses.update(trx, id, input, deps.clock.now());
        if (slug !== before.slug) await courses.rememberOldSlug(trx, before.slug, id, deps.clock.now());
        await deps.audit.record(trx, { actorUserId: actorId, action: 'course.update', entityType: 'course', entityId: id, summary: { before: courseSummary(before), after: courseSummary(input) } });
        return courseOrThrow(trx, id);
      }).finally(deps.onChange);
    },

    async setPublished(actorId: number, id: number, publish: boolean): Promise<Course> {
      return deps.db.transaction(async (trx) => {
        const before = await courseOrThrow(trx, id);
        const status = publish ? 'published' : 'draft';
        if (await courses.setStatus(trx, id, status, deps.clock.now())) {
          await deps.audit.record(trx, { actorUserId: actorId, action: publish ? 'course.publish' : 'course.unpublish', entityType: 'course', entityId: id, summary: { before: { status: before.status }, after: { status } } });
        }
        return courseOrThrow(trx, id);
      }).finally(deps.onChange);
    },

    async course(id: number): Promise<Course> {
      return courseOrThrow(deps.db, id);
    },

    async allCourses(): Promise<Course[]> {
      return courses.listAll(deps.db);
    },

    async lesson(courseId: number, lessonId: number) {
      return lessonOf(deps.db, courseId, lessonId);
    },

    async createLesson(actorId: number, courseId: number, f: LessonForm): Promise<number> {
      return deps.db.transaction(async (trx) => {
        await courseOrThrow(trx, courseId);
        const input = lessonInput(f);
        const id = await lessons.insert(trx, courseId, input, deps.clock.now());
        await deps.audit.record(trx, { actorUserId: actorId, action: 'lesson.create', entityType: 'lesson', entityId: id, summary: { courseId, after: { title: input.title, isFreePreview: input.isFreePreview } } });
        return id;
      });
    },

    async updateLesson(actorId: number, courseId: number, lessonId: number, f: LessonForm): Promise<void> {
      await deps.db.transaction(async (trx) => {
        const before = await lessonOf(trx, courseId, lessonId);
        const input = lessonInput(f);
        await lessons.update(trx, lessonId, input, deps.clock.now());
        await deps.audit.record(trx, {
          actorUserId: actorId,
          action: 'lesson.update',
          entityType: 'lesson',
          entityId: lessonId,
          summary: { courseId, before: { title: before.title, isFreePreview: before.isFreePreview }, after: { title: input.title, isFreePreview: input.isFreePreview } },
        });
      });
    },

    async deleteLesson(actorId: number, courseId: number, lessonId: number): Promise<void> {
      await deps.db.transaction(async (trx) => {
        const before = await lessonOf(trx, courseId, lessonId);
        await lessons.delete(trx, lessonId);
        const rest = await lessons.outline(trx, courseId);
        await lessons.setOrder(trx, rest.map((l) => l.id), deps.clock.now());
        await deps.audit.record(trx, { actorUserId: actorId, action: 'lesson.delete', entityType: 'lesson', entityId: lessonId, summary: { courseId, before: { title: before.title, position: before.position } } });
      });
    },

    /** Swaps a lesson with its neighbour; ids stay, so learners' progress is untouched. */
    async moveLesson(actorId: number, courseId: number, lessonId: number, direction: 'up' | 'down'): Promise<void> {
      await deps.db.transaction(async (trx) => {
        const lesson = await lessonOf(trx, courseId, lessonId);
        const ids = (await lessons.outline(trx, courseId)).map((l) => l.id);
        const i = ids.indexOf(lessonId);
        const j = direction === 'up' ? i - 1 : i + 1;
        if (j < 0 || j >= ids.length) return;
        [ids[i], ids[j]] = [ids[j]!, ids[i]!];
        await lessons.setOrder(trx, ids, deps.clock.now());
        await deps.audit.record(trx, { actorUserId: actorId, action: 'lesson.move', entityType: 'lesson', entityId: lessonId, summary: { courseId, title: lesson.title, before: { position: i + 1 }, after: { position: j + 1 } } });
      });
    },
  };
}

export type CatalogAdminService = ReturnType<typeof createCatalogAdminService>;
