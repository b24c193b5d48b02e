import { Router, type Request, type Response } from 'express';
import { ConflictError, ValidationError } from '../../platform/errors.js';
import { fieldErrors, formValues, idParam, setFlash } from '../../platform/http/index.js';
import { fenToYuanInput, formatFen } from '../../platform/money.js';
import { beijingDate, beijingDateTime } from '../../platform/time.js';
import { requireAdmin, type AccountService, type User } from '../accounts/index.js';
import type { AuditService } from '../audit/index.js';
import {
  CATEGORIES,
  COURSE_FIELDS,
  CourseForm,
  DIFFICULTY_LABELS,
  LESSON_FIELDS,
  LessonForm,
  categoryLabel,
  coverFor,
  formatDuration,
  renderMarkdown,
  type CatalogAdminService,
  type Course,
  type CourseService,
  type Lesson,
} from '../catalog/index.js';
import type { EnrolmentService } from '../enrolments/index.js';
import { auditSentence } from './audit-sentences.js';
import { isConfirmed, renderConfirmation } from './confirmation.js';
import type { CoverStore } from './cover-store.js';

const SOURCE_LABELS: Record<string, string> = { free: '免费加入', purchase: '购买', admin_grant: '管理员授予', membership: '会员' };

const id = (raw: unknown) => idParam(raw);

function courseValues(c: Course): Record<string, string> {
  return {
    title: c.title,
    slug: c.slug,
    summary: c.summary,
    description: c.description,
    price: fenToYuanInput(c.priceFen),
    category: c.category,
    tags: c.tags.join(', '),
    difficulty: String(c.difficulty),
    cover_url: c.coverUrl ?? '',
  };
}

function lessonValues(l: Lesson): Record<string, string> {
  return { title: l.title, body_md: l.bodyMd, media_url: l.mediaUrl ?? '', duration: formatDuration(l.durationSeconds), is_free_preview: l.isFreePreview ? 'on' : '' };
}

const isPreview = (req: Request) => (req.body as Record<string, unknown>)?.intent === 'preview';

/** The creator's area. Every route here is behind requireAdmin; CSRF is checked globally. */
export function adminRoutes(deps: {
  catalog: CatalogAdminService;
  courses: CourseService;
  enrolments: EnrolmentService;
  accounts: AccountService;
  audit: AuditService;
  covers: CoverStore;
}): Router {
  const { catalog, courses, enrolments, accounts } = deps;
  const router = Router();
  router.use('/admin', requireAdmin);

  const renderCourseForm = (res: Response, status: number, o: { course: Course | null; values: Record<string, string>; errors?: Record<string, string>; previewHtml?: string }) =>
    res.status(status).render('admin/course-form', {
      title: o.course ? `编辑：${o.course.title}` : '新建课程',
      course: o.course,
      values: o.values,
      errors: o.errors ?? {},
      previewHtml: o.previewHtml ?? null,
      categories: CATEGORIES,
      difficulties: DIFFICULTY_LABELS.map((label, i) => ({ value: String(i + 1), label: `${i + 1} · ${label}` })),
      action: o.course ? `/admin/courses/${o.course.id}` : '/admin/courses',
    });

  /** Validates the course form (and the optional cover upload); null when the form was re-rendered. */
  async function parseCourse(req: Request, res: Response, course: Course | null): Promise<CourseForm | null> {
    const values = formValues(req.body, COURSE_FIELDS);
    const parsed = CourseForm.safeParse(values);
    const errors = parsed.success ? {} : fieldErrors(parsed.error);
    if (req.uploadError) errors.cover_file = req.uploadError;
    if (isPreview(req)) {
      renderCourseForm(res, 200, { course, values, errors, previewHtml: renderMarkdown(values.description ?? '') });
      return null;
    }
    if (!parsed.success || Object.keys(errors).length > 0) {
      renderCourseForm(res, 422, { course, values, errors });
      return null;
    }
    if (req.file && req.file.size > 0) {
      const saved = await deps.covers.save(req.file);
      if ('error' in saved) {
        renderCourseForm(res, 422, { course, values, errors: { cover_file: saved.error } });
        return null;
      }
      return { ...parsed.data, cover_url: saved.url };
    }
    return parsed.data;
  }

  router.get('/admin', (_req, res) => res.redirect(303, '/admin/courses'));

  router.get('/admin/courses', async (_req, res) => {
    const all = await catalog.allCourses();
    const ids = all.map((c) => c.id);
    const [lessons, learners, sales] = await Promise.all([courses.lessonCounts(ids), enrolments.learnerCounts(ids), enrolments.salesCounts(ids)]);
    res.render('admin/courses', {
      title: '课程管理',
      courses: all.map((c) => ({
        id: c.id,
        title: c.title,
        slug: c.slug,
        price: formatFen(c.priceFen),
        categoryLabel: categoryLabel(c.category),
        published: c.status === 'published',
        lessons: lessons.get(c.id) ?? 0,
        learners: learners.get(c.id) ?? 0,
        sales: sales.get(c.id) ?? 0,
      })),
    });
  });

  router.get('/admin/courses/new', (_req, res) => {
    renderCourseForm(res, 200, { course: null, values: { ...Object.fromEntries(COURSE_FIELDS.map((f) => [f, ''])), category: 'frontend', difficulty: '2', price: '0' } });
  });

  // On a slug clash the form comes back with cover_url set to any cover already stored, so the upload is not lost.
  router.post('/admin/courses', async (req, res) => {
    const form = await parseCourse(req, res, null);
    if (!form) return;
    try {
      const course = await catalog.createCourse(req.currentUser!.id, form);
      setFlash(req, 'success', '课程已创建（草稿），接着添加课时吧');
      res.redirect(303, `/admin/courses/${course.id}`);
    } catch (err) {
      if (err instanceof ConflictError) return renderCourseForm(res, 422, { course: null, values: { ...formValues(req.body, COURSE_FIELDS), cover_url: form.cover_url ?? '' }, errors: { slug: err.message } });
      throw err;
    }
  });

  router.get('/admin/courses/:id', async (req, res) => {
    const course = await catalog.course(id(req.params.id));
    const [lessons, learners, history] = await Promise.all([courses.outline(course.id), enrolments.learners(course.id), deps.audit.forCourse(course.id, 30)]);
    const people = new Map<number, string>([[0, '系统']]);
    for (const h of history) {
      for (const uid of [h.actorUserId, h.summary.userId]) {
        if (typeof uid === 'number' && !people.has(uid)) people.set(uid, (await accounts.findById(uid))?.nickname ?? `用户 #${uid}`);
      }
    }
    res.render('admin/course', {
      title: course.title,
      course: { id: course.id, title: course.title, slug: course.slug, price: formatFen(course.priceFen), published: course.status === 'published', coverUrl: coverFor(course) },
      lessons: lessons.map((l, i) => ({ id: l.id, number: i + 1, title: l.title, isFreePreview: l.isFreePreview, duration: formatDuration(l.durationSeconds), first: i === 0, last: i === lessons.length - 1 })),
      learners: learners.map((l) => ({ ...l, sourceLabel: l.sources.map((x) => SOURCE_LABELS[x] ?? x).join('、'), grantedAt: beijingDate(l.grantedAt) })),
      history: history.map((h) => ({ action: h.action, sentence: auditSentence(h, (uid) => people.get(uid) ?? `用户 #${uid}`), at: beijingDateTime(h.createdAt) })),
    });
  });

  router.get('/admin/courses/:id/edit', async (req, res) => {
    const course = await catalog.course(id(req.params.id));
    renderCourseForm(res, 200, { course, values: courseValues(course) });
  });

  router.post('/admin/courses/:id', async (req, res) => {
    const course = await catalog.course(id(req.params.id));
    const form = await parseCourse(req, res, course);
    if (!form) return;
    try {
      await catalog.updateCourse(req.currentUser!.id, course.id, form);
      setFlash(req, 'success', '课程已保存');
      res.redirect(303, `/admin/courses/${course.id}`);
    } catch (err) {
      if (err instanceof ConflictError) return renderCourseForm(res, 422, { course, values: { ...formValues(req.body, COURSE_FIELDS), cover_url: form.cover_url ?? '' }, errors: { slug: err.message } });
      throw err;
    }
  });

  router.post('/admin/courses/:id/publish', async (req, res) => {
    const courseId = (await catalog.course(id(req.params.id))).id; // 404 before "no lessons" for a course that does not exist
    if ((await courses.outline(courseId)).length === 0) {
      // Stay on the course page, where the fix (添加课时) is.
      setFlash(req, 'warn', '至少添加一个课时后才能发布');
      return res.redirect(303, `/admin/courses/${courseId}`);
    }
    await catalog.setPublished(req.currentUser!.id, courseId, true);
    setFlash(req, 'success', '课程已发布，学员可以看到了');
    res.redirect(303, `/admin/courses/${courseId}`);
  });

  router.post('/admin/courses/:id/unpublish', async (req, res) => {
    const courseId = id(req.params.id);
    await catalog.setPublished(req.currentUser!.id, courseId, false);
    setFlash(req, 'success', '课程已下架，已购学员的进度会保留');
    res.redirect(303, `/admin/courses/${courseId}`);
  });

  const renderLessonForm = (res: Response, status: number, o: { course: Course; lessonId: number | null; values: Record<string, string>; errors?: Record<string, string>; previewHtml?: string }) =>
    res.status(status).render('admin/lesson-form', {
      title: o.lessonId ? '编辑课时' : '新建课时',
      course: { id: o.course.id, title: o.course.title },
      values: o.values,
      errors: o.errors ?? {},
      previewHtml: o.previewHtml ?? null,
      action: o.lessonId ? `/admin/courses/${o.course.id}/lessons/${o.lessonId}` : `/admin/courses/${o.course.id}/lessons`,
    });

  function parseLesson(req: Request, res: Response, course: Course, lessonId: number | null): LessonForm | null {
    const values = formValues(req.body, LESSON_FIELDS);
    if (isPreview(req)) {
      renderLessonForm(res, 200, { course, lessonId, values, previewHtml: renderMarkdown(values.body_md ?? '') });
      return null;
    }
    const parsed = LessonForm.safeParse(values);
    if (!parsed.success) {
      renderLessonForm(res, 422, { course, lessonId, values, errors: fieldErrors(parsed.error) });
      return null;
    }
    return parsed.data;
  }

  router.get('/admin/courses/:id/lessons/new', async (req, res) => {
    const course = await catalog.course(id(req.params.id));
    renderLessonForm(res, 200, { course, lessonId: null, values: Object.fromEntries(LESSON_FIELDS.map((f) => [f, ''])) });
  });

  router.post('/admin/courses/:id/lessons', async (req, res) => {
    const course = await catalog.course(id(req.params.id));
    const form = parseLesson(req, res, course, null);
    if (!form) return;
    await catalog.createLesson(req.currentUser!.id, course.id, form);
    setFlash(req, 'success', '课时已添加');
    res.redirect(303, `/admin/courses/${course.id}`);
  });

  router.get('/admin/courses/:id/lessons/:lessonId/edit', async (req, res) => {
    const course = await catalog.course(id(req.params.id));
    const lesson = await catalog.lesson(course.id, id(req.params.lessonId));
    renderLessonForm(res, 200, { course, lessonId: lesson.id, values: lessonValues(lesson) });
  });

  router.post('/admin/courses/:id/lessons/:lessonId', async (req, res) => {
    const course = await catalog.course(id(req.params.id));
    const lesson = await catalog.lesson(course.id, id(req.params.lessonId));
    const form = parseLesson(req, res, course, lesson.id);
    if (!form) return;
    await catalog.updateLesson(req.currentUser!.id, course.id, lesson.id, form);
    setFlash(req, 'success', '课时已保存');
    res.redirect(303, `/admin/courses/${course.id}`);
  });

  router.post('/admin/courses/:id/lessons/:lessonId/delete', async (req, res) => {
    const courseId = id(req.params.id);
    const course = await catalog.course(courseId);
    if (course.status === 'published' && (await courses.outline(courseId)).length <= 1) {
      // A published course with no lessons would still be on sale: take it down first.
      setFlash(req, 'warn', '这是已发布课程的最后一个课时：请先下架课程，或先添加新课时，再删除它');
      return res.redirect(303, `/admin/courses/${courseId}`);
    }
    if (!isConfirmed(req)) {
      const lesson = await catalog.lesson(courseId, id(req.params.lessonId));
      return renderConfirmation(res, {
        title: '删除课时',
        message: `删除课时“${lesson.title}”？删除后无法恢复，学员在这一课的学习记录也会一起删除。`,
        action: `/admin/courses/${courseId}/lessons/${lesson.id}/delete`,
        button: '确认删除',
        cancelHref: `/admin/courses/${courseId}#lessons`,
      });
    }
    await catalog.deleteLesson(req.currentUser!.id, courseId, id(req.params.lessonId));
    setFlash(req, 'success', '课时已删除');
    res.redirect(303, `/admin/courses/${courseId}`);
  });

  router.post('/admin/courses/:id/lessons/:lessonId/move', async (req, res) => {
    const courseId = id(req.params.id);
    const direction = (req.body as Record<string, unknown>)?.direction;
    if (direction !== 'up' && direction !== 'down') throw new ValidationError('BAD_DIRECTION', '移动方向无效');
    await catalog.moveLesson(req.currentUser!.id, courseId, id(req.params.lessonId), direction);
    res.redirect(303, `/admin/courses/${courseId}#lessons`);
  });

  /** Whom the grant form means: a chosen account, an exact username or openid, or the one account that matches. */
  async function grantee(req: Request): Promise<{ user: User } | { matches: User[]; text: string }> {
    const { username, user_id } = formValues(req.body, ['username', 'user_id']);
    if (user_id) {
      const chosen = /^\d{1,9}$/.test(user_id) ? await accounts.findById(Number(user_id)) : null;
      return chosen ? { user: chosen } : { matches: [], text: `#${user_id}` };
    }
    const text = (username ?? '').trim();
    const matches = await accounts.searchUsers(text, 20);
    // Only an exact username or openid grants at once; a nickname match, even a single one, asks
    // first, so the course never goes to the wrong person.
    const exact = matches.find((u) => u.username === text.toLowerCase() || u.wechatOpenid === text);
    return exact ? { user: exact } : { matches, text };
  }

  router.post('/admin/courses/:id/grants', async (req, res) => {
    const course = await catalog.course(id(req.params.id));
    const found = await grantee(req);
    if (!('user' in found)) {
      if (found.matches.length > 0) {
        // Learners match a nickname: ask which one is meant.
        return res.render('admin/grant-choose', {
          title: '选择要开通的学员',
          course: { id: course.id, title: course.title },
          text: found.text,
          matches: found.matches.map((u) => ({ id: u.id, nickname: u.nickname, username: u.username, openid: u.wechatOpenid, joined: beijingDate(u.createdAt) })),
        });
      }
      setFlash(req, 'warn', found.text ? `找不到用户“${found.text}”` : '请输入用户名、昵称或 openid', 'learners');
      return res.redirect(303, `/admin/courses/${course.id}#learners`);
    }
    const user = found.user;
    const changed = await enrolments.adminGrant(req.currentUser!.id, user.id, course.id);
    setFlash(req, 'success', changed ? `已为 ${user.nickname} 开通学习权限` : `${user.nickname} 已经有管理员开通的学习权限`, 'learners');
    res.redirect(303, `/admin/courses/${course.id}#learners`);
  });

  router.post('/admin/courses/:id/grants/:userId/revoke', async (req, res) => {
    const course = await catalog.course(id(req.params.id));
    if (!isConfirmed(req)) {
      const learner = await accounts.currentUser(id(req.params.userId));
      const who = learner ? learner.nickname : `#${id(req.params.userId)}`;
      return renderConfirmation(res, {
        title: '收回学习权限',
        message: `收回 ${who} 在《${course.title}》的学习权限？收回后 TA 将不能再打开付费课时。`,
        detail: '来自已支付订单的权限不会被收回：如需收回，请在订单页退款。',
        action: `/admin/courses/${course.id}/grants/${id(req.params.userId)}/revoke`,
        button: '确认收回',
        cancelHref: `/admin/courses/${course.id}#learners`,
      });
    }
    const { ended, stillPaid } = await enrolments.adminRevoke(req.currentUser!.id, id(req.params.userId), course.id);
    // Paid access ends only with a refund, so the money goes back with it.
    if (stillPaid) setFlash(req, 'warn', ended > 0 ? '已收回管理员开通的权限；该学员仍有已支付的订单，如需收回请在订单页退款' : '该学员的权限来自已支付的订单，如需收回请在订单页退款', 'learners');
    else setFlash(req, 'success', ended > 0 ? '已收回学习权限' : '该用户没有学习权限', 'learners');
    res.redirect(303, `/admin/courses/${course.id}#learners`);
  });

  return router;
}
