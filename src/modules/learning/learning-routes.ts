import { Router, type ErrorRequestHandler } from 'express';
import { ConflictError, NotFoundError } from '../../platform/errors.js';
import { idParam, setFlash } from '../../platform/http/index.js';
import { beijingDate } from '../../platform/time.js';
import { requireLogin } from '../accounts/index.js';
import { renderMarkdown, type Course, type CourseService, formatDuration } from '../catalog/index.js';
import type { EnrolmentService, Viewer } from '../enrolments/index.js';
import { commentOrderOf, type FeedbackPanels } from '../feedback/index.js';
import { summarise, type LearningService } from './learning-service.js';
import type { CoursePage } from './course-page.js';
import { courseView, outlineView, viewerOf } from './learning-views.js';

/** Why a course left 我的课程, in the learner's words. */
const ENDED_REASONS: Record<string, string> = {
  refund: '订单已退款，学习权限随之收回',
  admin_revoke: '课程作者收回了学习权限',
  legacy: '学习权限已结束',
};

const lessonId = (raw: unknown) => idParam(raw, () => new NotFoundError('LESSON_NOT_FOUND', '课时不存在'));

function mediaKind(url: string | null): 'audio' | 'video' | 'link' | null {
  if (!url) return null;
  if (/\.(mp3|m4a|aac|ogg|wav)(\?|$)/i.test(url)) return 'audio';
  if (/\.(mp4|webm|m3u8|mov)(\?|$)/i.test(url)) return 'video';
  return 'link';
}

/** The learner's side: course pages, lessons behind the access rule, enrolment and progress. */
export function learningRoutes(deps: {
  courses: CourseService;
  enrolments: EnrolmentService;
  learning: LearningService;
  feedback: FeedbackPanels;
  coursePage: CoursePage;
}): Router {
  const { courses, enrolments, learning, feedback } = deps;
  const router = Router();
  const courseFor = (slug: string, viewer: Viewer | null) => courses.courseForViewer(slug, viewer, (courseId) => (viewer ? enrolments.isEnrolled(viewer.id, courseId) : Promise.resolve(false)));

  router.get('/courses/:slug', async (req, res) => deps.coursePage.show(req, res, String(req.params.slug)));

  router.post('/courses/:slug/enrol', requireLogin, async (req, res) => {
    const course = await courses.courseForViewer(String(req.params.slug), null);
    if (course.priceFen > 0) throw new ConflictError('COURSE_NOT_FREE', '这门课程需要购买后学习');
    const added = await enrolments.enrolFree(req.currentUser!.id, course.id);
    setFlash(req, 'success', added ? '已加入学习，开始第一课吧' : '你已经在学习这门课程');
    const first = (await courses.outline(course.id))[0];
    res.redirect(303, first ? `/courses/${course.slug}/lessons/${first.id}` : `/courses/${course.slug}`);
  });

  router.get('/courses/:slug/lessons/:lessonId', async (req, res) => {
    const viewer = viewerOf(req);
    const course = await courseFor(String(req.params.slug), viewer);
    const { lesson, outline: lessons } = await courses.lessonWithOutline(course.id, lessonId(req.params.lessonId));
    const allowed = await enrolments.canAccess(viewer, { courseId: course.id, isFreePreview: lesson.isFreePreview, coursePublished: course.status === 'published' });
    if (!allowed) {
      // The lesson's title is public (it is in the outline); its body never leaves the server.
      return res.status(403).render('learning/locked', { title: lesson.title, course: courseView(course), lessonTitle: lesson.title, loggedIn: viewer !== null });
    }
    if (viewer) await learning.recordOpen(viewer.id, lesson.id, course.id);
    req.track?.('lesson_open', { courseId: course.id, lessonId: lesson.id });
    const rows = viewer ? await learning.progressByCourse(viewer.id, [course.id]) : [];
    const progress = summarise(lessons.map((l) => l.id), rows);
    const index = lessons.findIndex((l) => l.id === lesson.id);
    const outline = outlineView(course.slug, lessons, progress.completedIds);
    const place = { lessonId: lesson.id, lessonTitle: lesson.title, courseId: course.id, courseSlug: course.slug, courseTitle: course.title, isFreePreview: lesson.isFreePreview, allowed };
    const cpage = typeof req.query.cpage === 'string' && /^\d{1,6}$/.test(req.query.cpage) ? Number(req.query.cpage) : 1;
    const panel = await feedback.lesson(place, viewer, { order: commentOrderOf(req.query.comments), page: cpage });
    res.render('learning/lesson', {
      title: `${lesson.title} · ${course.title}`,
      course: courseView(course),
      lesson: {
        id: lesson.id,
        title: lesson.title,
        number: index + 1,
        bodyHtml: renderMarkdown(lesson.bodyMd),
        mediaUrl: lesson.mediaUrl,
        mediaKind: mediaKind(lesson.mediaUrl),
        duration: lesson.durationSeconds ? `${formatDuration(lesson.durationSeconds)} 分钟` : '',
        done: progress.completedIds.has(lesson.id),
      },
      prev: outline[index - 1] ?? null,
      next: outline[index + 1] ?? null,
      progress,
      tracking: viewer !== null,
      feedback: panel,
    });
  });

  router.post('/courses/:slug/lessons/:lessonId/done', requireLogin, async (req, res) => {
    const viewer = viewerOf(req)!;
    const course = await courseFor(String(req.params.slug), viewer);
    const lesson = await courses.lessonInCourse(course.id, lessonId(req.params.lessonId));
    if (!(await enrolments.canAccess(viewer, { courseId: course.id, isFreePreview: lesson.isFreePreview, coursePublished: course.status === 'published' }))) {
      throw new ConflictError('LESSON_LOCKED', '购买或加入课程后才能记录学习进度');
    }
    await learning.markDone(viewer.id, lesson.id, course.id);
    const lessons = await courses.outline(course.id);
    const next = lessons[lessons.findIndex((l) => l.id === lesson.id) + 1];
    setFlash(req, 'success', next ? '已完成本课，继续下一课吧' : '恭喜，你已学完最后一课');
    res.redirect(303, next ? `/courses/${course.slug}/lessons/${next.id}` : `/courses/${course.slug}`);
  });

  // Study-time beacon from public/js/lesson.js; the server decides how much time to count.
  router.post('/api/lessons/:lessonId/activity', requireLogin, async (req, res) => {
    const viewer = viewerOf(req)!;
    const id = lessonId(req.params.lessonId);
    const course = await courses.courseOfLesson(id);
    const lesson = await courses.lessonInCourse(course.id, id);
    if (!(await enrolments.canAccess(viewer, { courseId: course.id, isFreePreview: lesson.isFreePreview, coursePublished: course.status === 'published' }))) {
      throw new NotFoundError('LESSON_NOT_FOUND', '课时不存在');
    }
    const counted = await learning.recordActivity(viewer.id, id, course.id);
    if (counted > 0) req.track?.('study_heartbeat', { courseId: course.id, lessonId: id });
    res.json({ counted });
  });

  router.get('/me/courses', requireLogin, async (req, res) => {
    const userId = req.currentUser!.id;
    const ents = await enrolments.liveForUser(userId);
    const list = (await Promise.all(ents.map((e) => courses.byId(e.courseId)))).filter((c): c is Course => c !== null);
    const rows = await learning.progressByCourse(userId, list.map((c) => c.id));
    const items = await Promise.all(
      list.map(async (c) => {
        const lessons = await courses.outline(c.id);
        const p = summarise(lessons.map((l) => l.id), rows.filter((r) => r.courseId === c.id));
        return { ...courseView(c), done: p.done, total: p.total, percent: p.percent, resumeUrl: p.resumeLessonId ? `/courses/${c.slug}/lessons/${p.resumeLessonId}` : `/courses/${c.slug}`, started: rows.some((r) => r.courseId === c.id) };
      }),
    );
    const ended = (await Promise.all((await enrolments.endedForUser(userId)).map(async (e) => ({ e, c: await courses.byId(e.courseId) }))))
      .filter((x): x is { e: (typeof x)['e']; c: Course } => x.c !== null)
      .map(({ e, c }) => ({ title: c.title, url: `/courses/${c.slug}`, why: ENDED_REASONS[e.reason ?? ''] ?? '学习权限已结束', refunded: e.reason === 'refund', at: beijingDate(e.endedAt) }));
    res.render('learning/my-courses', { title: '我的课程', items, ended });
  });

  // A link from before a rename (a menu, an article) finds the course at its new slug: 301, since
  // the move is permanent. Checked only after a 404, so the usual page costs nothing extra.
  const renamed: ErrorRequestHandler = (err, req, res, next) => {
    const m = /^\/courses\/([^/]+)(\/.*)?$/.exec(req.path);
    if (!(err instanceof NotFoundError) || err.code !== 'COURSE_NOT_FOUND' || req.method !== 'GET' || !m) return next(err);
    // Express has already decoded this segment for the route's :slug (a malformed one is its 400).
    courses
      .renamedTo(decodeURIComponent(m[1]!))
      .then((slug) => (slug ? res.redirect(301, `/courses/${encodeURIComponent(slug)}${m[2] ?? ''}${req.url.includes('?') ? req.url.slice(req.url.indexOf('?')) : ''}`) : next(err)))
      .catch(next);
  };
  router.use(renamed);

  return router;
}
