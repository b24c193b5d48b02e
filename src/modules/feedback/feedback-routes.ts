import { Router, type ErrorRequestHandler, type Request, type RequestHandler, type Response } from 'express';
import { AppError, NotFoundError } from '../../platform/errors.js';
import { fieldErrors, formValues, idParam, setFlash } from '../../platform/http/index.js';
import type { Clock } from '../../platform/clock.js';
import { beijingDateTime } from '../../platform/time.js';
import { requireLogin } from '../accounts/index.js';
import type { Course, CourseService } from '../catalog/index.js';
import type { EnrolmentService } from '../enrolments/index.js';
import type { CommentOrder } from './comment-repository.js';
import type { CommentService } from './comment-service.js';
import { COMMENT_FIELDS, COMMENT_MAX_CHARS, CommentForm, RATING_FIELDS, RatingForm, REPORT_FIELDS, reportReason, REVIEW_MAX_CHARS } from './feedback-schemas.js';
import { commentPageView, commentView, ratingView, REPORT_REASON_OPTIONS, summaryView } from './feedback-views.js';
import type { LikeTarget, Reader } from './feedback.js';
import type { InboxService } from './inbox-service.js';
import type { LessonGate } from './lesson-gate.js';
import type { LikeService } from './like-service.js';
import { RATING_REFUSALS, type RatingService } from './rating-service.js';

export function readerOf(req: Request): Reader | null {
  return req.currentUser ? { id: req.currentUser.id, isAdmin: req.currentUser.isAdmin } : null;
}

const lessonIdOf = (raw: unknown) => idParam(raw, () => new NotFoundError('LESSON_NOT_FOUND', '课时不存在'));
const commentIdOf = (raw: unknown) => idParam(raw, () => new NotFoundError('COMMENT_NOT_FOUND', '留言不存在或已删除'));
const pageOf = (raw: unknown) => (typeof raw === 'string' && /^\d{1,6}$/.test(raw) ? Math.max(1, Number(raw)) : 1);
export const orderOf = (raw: unknown): CommentOrder => (raw === 'oldest' ? 'oldest' : 'newest');
const wantsJson = (req: Request) => req.accepts(['html', 'json']) === 'json';
const lessonUrl = (slug: string, lessonId: number) => `/courses/${encodeURIComponent(slug)}/lessons/${lessonId}`;

export interface FeedbackRouteDeps {
  courses: CourseService;
  enrolments: EnrolmentService;
  comments: CommentService;
  ratings: RatingService;
  likes: LikeService;
  inbox: InboxService;
  gate: LessonGate;
  clock: Clock;
  /** Per-user limits on writing comments and reviews, and on reporting. */
  postLimiter: RequestHandler;
  reportLimiter: RequestHandler;
}

/** Likes, comments, ratings and 回复我的, for learners. Admin moderation lives under /admin/feedback. */
export function feedbackRoutes(deps: FeedbackRouteDeps): Router {
  const { courses, enrolments, comments, ratings, likes, inbox, gate, clock } = deps;
  const router = Router();
  const courseFor = (slug: string, reader: Reader | null): Promise<Course> =>
    courses.courseForViewer(slug, reader, (courseId) => (reader ? enrolments.isEnrolled(reader.id, courseId) : Promise.resolve(false)));

  /** Sends the like state as JSON to the script, or back to the page for a plain form. */
  async function answerLike(req: Request, res: Response, target: LikeTarget, targetId: number, courseId: number, back: string) {
    const liked = req.path.endsWith('/like');
    const state = await likes.set(readerOf(req)!, { target, targetId, courseId }, liked);
    if (liked) req.track?.('like', { courseId, lessonId: target === 'lesson' ? targetId : null });
    if (wantsJson(req)) return res.json(state);
    res.redirect(303, `${back}#like`);
  }

  router.post(['/courses/:slug/like', '/courses/:slug/unlike'], requireLogin, async (req, res) => {
    const course = await courseFor(String(req.params.slug), readerOf(req));
    await answerLike(req, res, 'course', course.id, course.id, `/courses/${encodeURIComponent(course.slug)}`);
  });

  router.post(['/courses/:slug/lessons/:lessonId/like', '/courses/:slug/lessons/:lessonId/unlike'], requireLogin, async (req, res) => {
    const course = await courseFor(String(req.params.slug), readerOf(req));
    const place = await gate.open(readerOf(req), lessonIdOf(req.params.lessonId));
    if (place.courseId !== course.id) throw new NotFoundError('LESSON_NOT_FOUND', '课时不存在');
    await answerLike(req, res, 'lesson', place.lessonId, course.id, lessonUrl(course.slug, place.lessonId));
  });

  router.get('/api/lessons/:lessonId/comments', async (req, res) => {
    const reader = readerOf(req);
    const page = await comments.page(reader, lessonIdOf(req.params.lessonId), { order: orderOf(req.query.order), page: pageOf(req.query.page) });
    const view = commentPageView(page, reader, clock.now());
    const item = (c: (typeof view.threads)[number]['replies'][number]) => ({
      id: c.id,
      author: { nickname: c.authorName, isCreator: c.isCreator },
      replyTo: c.replyToName,
      html: c.html,
      createdAt: c.time,
      edited: c.edited,
      status: c.deleted ? 'deleted' : c.held ? 'held' : 'published',
    });
    res.json({ total: view.total, page: view.page, pages: view.pages, order: view.order, items: view.threads.map((t) => ({ ...item(t), replies: t.replies.map(item) })) });
  });

  /** The comment form again, with what was typed and why it was refused (a new comment, a reply or an edit). */
  function renderCompose(res: Response, status: number, o: { mode: 'new' | 'reply' | 'edit'; action: string; back: string; lessonTitle: string; values: Record<string, string>; errors: Record<string, string> }) {
    const titles = { new: '发表留言', reply: '回复留言', edit: '编辑留言' };
    res.status(status).render('feedback/compose', { title: titles[o.mode], heading: titles[o.mode], maxChars: COMMENT_MAX_CHARS, ...o });
  }

  router.post('/courses/:slug/lessons/:lessonId/comments', requireLogin, deps.postLimiter, async (req, res) => {
    const reader = readerOf(req)!;
    const course = await courseFor(String(req.params.slug), reader);
    const place = await gate.open(reader, lessonIdOf(req.params.lessonId));
    if (place.courseId !== course.id) throw new NotFoundError('LESSON_NOT_FOUND', '课时不存在');
    const back = lessonUrl(course.slug, place.lessonId);
    await comments.assertMayPost(reader);
    const values = formValues(req.body, COMMENT_FIELDS);
    const parsed = CommentForm.safeParse(values);
    if (!parsed.success) {
      return renderCompose(res, 422, { mode: values.parent_id ? 'reply' : 'new', action: req.originalUrl, back, lessonTitle: place.lessonTitle, values, errors: fieldErrors(parsed.error) });
    }
    const c = await comments.post(reader, place.lessonId, parsed.data);
    req.track?.('comment', { courseId: place.courseId, lessonId: place.lessonId });
    // The message shows on the comment itself, where the redirect's anchor lands.
    setFlash(req, c.status === 'held' ? 'info' : 'success', c.status === 'held' ? '留言已提交，审核通过后其他人才能看到' : c.parentId ? '回复已发布' : '留言已发布', `comment-${c.id}`);
    res.redirect(303, `${back}#comment-${c.id}`);
  });

  router.get('/comments/:id/edit', requireLogin, async (req, res) => {
    const { comment, place } = await comments.editable(readerOf(req)!, commentIdOf(req.params.id));
    renderCompose(res, 200, { mode: 'edit', action: `/comments/${comment.id}/edit`, back: `${lessonUrl(place.courseSlug, place.lessonId)}#comment-${comment.id}`, lessonTitle: place.lessonTitle, values: { body: comment.bodyMd, parent_id: '', form_key: '' }, errors: {} });
  });

  router.post('/comments/:id/edit', requireLogin, deps.postLimiter, async (req, res) => {
    const reader = readerOf(req)!;
    const { comment, place } = await comments.editable(reader, commentIdOf(req.params.id));
    const back = `${lessonUrl(place.courseSlug, place.lessonId)}#comment-${comment.id}`;
    const parsed = CommentForm.pick({ body: true }).safeParse(formValues(req.body, COMMENT_FIELDS));
    if (!parsed.success) {
      return renderCompose(res, 422, { mode: 'edit', action: `/comments/${comment.id}/edit`, back, lessonTitle: place.lessonTitle, values: formValues(req.body, COMMENT_FIELDS), errors: fieldErrors(parsed.error) });
    }
    const edited = await comments.edit(reader, comment.id, parsed.data.body);
    setFlash(req, edited.status === 'held' ? 'info' : 'success', edited.status === 'held' ? '修改已保存，审核通过后其他人才能看到' : '留言已修改', `comment-${comment.id}`);
    res.redirect(303, back);
  });

  router.post('/comments/:id/delete', requireLogin, async (req, res) => {
    const c = await comments.remove(readerOf(req)!, commentIdOf(req.params.id));
    const place = await gate.place(readerOf(req), c.lessonId);
    if (!place.allowed) {
      setFlash(req, 'success', '留言已删除');
      return res.redirect(303, `/courses/${encodeURIComponent(place.courseSlug)}`);
    }
    setFlash(req, 'success', '留言已删除', 'comments');
    res.redirect(303, `${lessonUrl(place.courseSlug, place.lessonId)}#comments`);
  });

  router.post('/comments/:id/report', requireLogin, deps.reportLimiter, async (req, res) => {
    const c = await comments.report(readerOf(req)!, commentIdOf(req.params.id), reportReason(formValues(req.body, REPORT_FIELDS).reason!));
    const place = await gate.place(readerOf(req), c.lessonId);
    if (wantsJson(req)) return res.json({ reported: true });
    setFlash(req, 'success', '已举报，感谢你帮助维护社区', 'comments');
    res.redirect(303, `${lessonUrl(place.courseSlug, place.lessonId)}#comment-${c.id}`);
  });

  /** The rating form: for a first rating or an edit, and again with the refusal reasons. */
  async function renderRatingForm(req: Request, res: Response, course: Course, status: number, values: Record<string, string>, errors: Record<string, string>) {
    const reader = readerOf(req);
    const refusal = await ratings.refusal(reader, course.id);
    const mine = await ratings.mine(reader, course.id);
    res.status(status).render('feedback/rating-form', {
      title: `评价《${course.title}》`,
      course: { title: course.title, slug: course.slug },
      refusal: refusal ? RATING_REFUSALS[refusal] : null,
      held: mine?.status === 'held',
      editing: mine !== null,
      values,
      errors,
      maxChars: REVIEW_MAX_CHARS,
    });
  }

  router.get('/courses/:slug/rating', requireLogin, async (req, res) => {
    const course = await courseFor(String(req.params.slug), readerOf(req));
    const mine = await ratings.mine(readerOf(req), course.id);
    await renderRatingForm(req, res, course, 200, { stars: mine ? String(mine.stars) : '', review: mine?.review ?? '' }, {});
  });

  router.post('/courses/:slug/rating', requireLogin, deps.postLimiter, async (req, res) => {
    const reader = readerOf(req)!;
    const course = await courseFor(String(req.params.slug), reader);
    if (await ratings.refusal(reader, course.id)) return renderRatingForm(req, res, course, 403, formValues(req.body, RATING_FIELDS), {});
    const values = formValues(req.body, RATING_FIELDS);
    const parsed = RatingForm.safeParse(values);
    if (!parsed.success) return renderRatingForm(req, res, course, 422, values, fieldErrors(parsed.error));
    const saved = await ratings.save(reader, course.id, parsed.data);
    req.track?.('rating', { courseId: course.id });
    setFlash(req, saved.status === 'published' ? 'success' : 'info', saved.status === 'published' ? '感谢你的评价' : '评价已提交，审核通过后公开', 'reviews');
    res.redirect(303, `/courses/${encodeURIComponent(course.slug)}#reviews`);
  });

  router.post('/ratings/:id/report', requireLogin, deps.reportLimiter, async (req, res) => {
    const r = await ratings.report(readerOf(req)!, idParam(req.params.id, () => new NotFoundError('RATING_NOT_FOUND', '评价不存在或已删除')), reportReason(formValues(req.body, REPORT_FIELDS).reason!));
    const course = await courses.byId(r.courseId);
    if (wantsJson(req)) return res.json({ reported: true });
    setFlash(req, 'success', '已举报，感谢你帮助维护社区', 'reviews');
    res.redirect(303, course ? `/courses/${encodeURIComponent(course.slug)}/reviews#review-${r.id}` : '/');
  });

  router.get('/courses/:slug/reviews', async (req, res) => {
    const reader = readerOf(req);
    const course = await courseFor(String(req.params.slug), reader);
    const [summary, page] = await Promise.all([ratings.summary(course.id), ratings.page(course.id, pageOf(req.query.page))]);
    res.render('feedback/reviews', {
      title: `《${course.title}》的评价`,
      course: { title: course.title, slug: course.slug },
      summary: summaryView(summary),
      reviews: page.items.map((r) => ratingView(r, page.people, reader)),
      page: page.page,
      pages: page.pages,
      reportReasons: REPORT_REASON_OPTIONS,
    });
  });

  router.get('/api/courses/:slug/ratings', async (req, res) => {
    const reader = readerOf(req);
    const course = await courseFor(String(req.params.slug), reader);
    const [summary, page] = await Promise.all([ratings.summary(course.id), ratings.page(course.id, pageOf(req.query.page))]);
    res.json({
      count: summary.count,
      average: summary.average,
      distribution: { 1: summary.distribution[0], 2: summary.distribution[1], 3: summary.distribution[2], 4: summary.distribution[3], 5: summary.distribution[4] },
      page: page.page,
      pages: page.pages,
      items: page.items.map((r) => {
        const v = ratingView(r, page.people, reader);
        return { id: v.id, author: v.authorName, stars: v.stars, review: v.review, updatedAt: v.time, reply: v.reply };
      }),
    });
  });

  router.get('/me/replies', requireLogin, async (req, res) => {
    const reader = readerOf(req)!;
    const items = await inbox.open(reader);
    res.locals.unreadReplies = 0;
    res.render('feedback/replies', {
      title: '消息',
      items: items.map((i) =>
        i.kind === 'comment_reply'
          ? {
              kind: i.kind,
              unread: i.unread,
              time: beijingDateTime(i.at),
              from: i.from?.nickname ?? '已注销用户',
              isCreator: i.from?.isCreator ?? false,
              where: `${i.place.courseTitle} · ${i.place.lessonTitle}`,
              url: i.locked ? `/courses/${encodeURIComponent(i.place.courseSlug)}` : `${lessonUrl(i.place.courseSlug, i.place.lessonId)}#comment-${i.reply.id}`,
              locked: i.locked,
              html: i.locked ? '' : commentView(i.reply, new Map(), reader, clock.now()).html,
            }
          : {
              kind: i.kind,
              unread: i.unread,
              time: beijingDateTime(i.at),
              from: i.from?.nickname ?? '课程作者',
              isCreator: true,
              where: i.course.title,
              url: `/courses/${encodeURIComponent(i.course.slug)}/reviews#review-${i.rating.id}`,
              text: i.rating.reply?.text ?? '',
            },
      ),
    });
  });

  /**
   * A comment refused after it was typed (a ban, the rate limit, the edit window) comes back in its
   * form with the reason, so the text is not lost; anything else goes to the error page.
   */
  const keepTyped: ErrorRequestHandler = (err, req, res, next) => {
    const body = (req.body as Record<string, unknown> | undefined)?.body;
    if (req.method !== 'POST' || !(err instanceof AppError) || !KEEP_TYPED.has(err.code) || typeof body !== 'string' || !req.currentUser) return next(err);
    const edit = /^\/comments\/(\d{1,9})\/edit$/.exec(req.path);
    const posted = /^\/courses\/[^/]+\/lessons\/(\d{1,9})\/comments$/.exec(req.path);
    const lessonId = edit ? comments.lessonOf(Number(edit[1])) : Promise.resolve(posted ? Number(posted[1]) : null);
    lessonId
      .then((id) => (id ? gate.place(readerOf(req), id) : null))
      .then((place) => {
        if (!place?.allowed) return next(err);
        const values = formValues(req.body, COMMENT_FIELDS);
        const mode = edit ? 'edit' : values.parent_id ? 'reply' : 'new';
        renderCompose(res, err.status, { mode, action: req.originalUrl, back: lessonUrl(place.courseSlug, place.lessonId), lessonTitle: place.lessonTitle, values, errors: { body: err.message } });
      })
      .catch(() => next(err));
  };
  router.use(keepTyped);

  return router;
}

const KEEP_TYPED = new Set(['BANNED', 'RATE_LIMITED', 'EDIT_WINDOW_PASSED']);
