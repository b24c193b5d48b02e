import { ForbiddenError } from '../../platform/errors.js';
import type { CourseService } from '../catalog/index.js';
import type { EnrolmentService } from '../enrolments/index.js';
import type { LessonPlace, Reader } from './feedback.js';

export const LESSON_LOCKED_MESSAGE = '购买或加入课程后才能查看和发表留言';

/**
 * Where a lesson sits and whether this reader may study it, by the one access rule (canAccess).
 * Every comment read and write goes through here, so a locked lesson's comments follow its body.
 */
export function createLessonGate(deps: { courses: CourseService; enrolments: EnrolmentService }) {
  async function place(reader: Reader | null, lessonId: number): Promise<LessonPlace> {
    const course = await deps.courses.courseOfLesson(lessonId);
    const lesson = await deps.courses.lessonInCourse(course.id, lessonId);
    const allowed = await deps.enrolments.canAccess(reader, { courseId: course.id, isFreePreview: lesson.isFreePreview, coursePublished: course.status === 'published' });
    return { lessonId, lessonTitle: lesson.title, courseId: course.id, courseSlug: course.slug, courseTitle: course.title, isFreePreview: lesson.isFreePreview, allowed };
  }

  return {
    place,
    /** The place, or a 403 for a reader who may not study the lesson. */
    async open(reader: Reader | null, lessonId: number): Promise<LessonPlace> {
      const p = await place(reader, lessonId);
      if (!p.allowed) throw new ForbiddenError('LESSON_LOCKED', LESSON_LOCKED_MESSAGE);
      return p;
    },
  };
}

export type LessonGate = ReturnType<typeof createLessonGate>;
