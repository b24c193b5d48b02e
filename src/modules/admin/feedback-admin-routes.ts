import { Router, type Request } from 'express';
import { NotFoundError } from '../../platform/errors.js';
import { fieldErrors, formValues, idParam, safeReturnPath, setFlash } from '../../platform/http/index.js';
import { beijingDateTime } from '../../platform/time.js';
import { requireAdmin, type AccountService } from '../accounts/index.js';
import type { Course, CourseService } from '../catalog/index.js';
import { BAN_FIELDS, BanForm, QUEUE_TABS, REPLY_FIELDS, ReplyForm, type ModeratedKind, type ModerationAction, type ModerationService, type QueueItem, type QueueTab, type RatingService, type Reader } from '../feedback/index.js';
import { auditSentence } from './audit-sentences.js';
import { isConfirmed, renderConfirmation } from './confirmation.js';

const TAB_LABELS: Record<QueueTab | 'bans' | 'log', string> = { held: '待审核', reported: '被举报', hidden: '已隐藏', bans: '禁言名单', log: '处理记录' };
const KINDS: Record<string, ModeratedKind> = { comments: 'comment', ratings: 'rating' };
const ACTIONS: Record<string, ModerationAction> = { approve: 'approve', hide: 'hide', delete: 'delete' };
const DONE: Record<ModerationAction, string> = { approve: '已通过，内容已公开', hide: '已隐藏', delete: '已删除' };

const readerOf = (req: Request): Reader => ({ id: req.currentUser!.id, isAdmin: req.currentUser!.isAdmin });

/** /admin/feedback: the moderation queue (held and reported comments and reviews), bans and the log. */
export function feedbackAdminRoutes(deps: { moderation: ModerationService; ratings: RatingService; accounts: AccountService; courses: CourseService }): Router {
  const { moderation, ratings, accounts, courses } = deps;
  const router = Router();
  router.use('/admin/feedback', requireAdmin);

  /** Where each item was written, for the queue: the course, and the lesson for a comment. */
  async function placesOf(items: QueueItem[]) {
    const courseCache = new Map<number, Course | null>();
    const course = async (id: number) => {
      if (!courseCache.has(id)) courseCache.set(id, await courses.byId(id));
      return courseCache.get(id) ?? null;
    };
    const lessonTitles = new Map<number, string>();
    return Promise.all(
      items.map(async (q) => {
        const c = await course(q.item.courseId);
        if (q.kind === 'rating' || !c || !('lessonId' in q.item)) return { where: c ? `《${c.title}》` : '已删除的课程', url: c ? `/courses/${encodeURIComponent(c.slug)}/reviews` : null };
        const lessonId = q.item.lessonId;
        if (!lessonTitles.has(lessonId)) lessonTitles.set(lessonId, (await courses.lessonInCourse(c.id, lessonId).catch(() => null))?.title ?? '已删除的课时');
        return { where: `《${c.title}》· ${lessonTitles.get(lessonId)}`, url: `/courses/${encodeURIComponent(c.slug)}/lessons/${lessonId}#comment-${q.item.id}` };
      }),
    );
  }

  router.get('/admin/feedback', async (req, res) => {
    const actor = readerOf(req);
    const tab = typeof req.query.tab === 'string' && Object.hasOwn(TAB_LABELS, req.query.tab) ? (req.query.tab as keyof typeof TAB_LABELS) : 'held';
    const counts = await moderation.counts(actor);
    const tabs = Object.entries(TAB_LABELS).map(([key, label]) => ({ key, label, count: key in counts ? counts[key as QueueTab] : null, current: key === tab }));
    const view: Record<string, unknown> = { title: '留言与评价', tabs, tab, items: [], bans: [], log: [] };
    if ((QUEUE_TABS as readonly string[]).includes(tab)) {
      const items = await moderation.queue(actor, tab as QueueTab);
      const [places, people] = await Promise.all([placesOf(items), accounts.publicProfiles(items.map((q) => q.item.userId))]);
      const banned = new Set((await moderation.bans(actor)).map((b) => b.userId));
      view.items = items.map((q, i) => ({
        kind: q.kind,
        kindLabel: q.kind === 'comment' ? '留言' : '评价',
        path: `/admin/feedback/${q.kind === 'comment' ? 'comments' : 'ratings'}/${q.item.id}`,
        id: q.item.id,
        userId: q.item.userId,
        author: people.get(q.item.userId)?.nickname ?? '已注销用户',
        banned: banned.has(q.item.userId),
        // The source text as typed, escaped by the view: the queue never renders learner HTML.
        text: 'bodyMd' in q.item ? q.item.bodyMd : q.item.review,
        stars: 'stars' in q.item ? '★'.repeat(q.item.stars) + '☆'.repeat(5 - q.item.stars) : null,
        keyword: q.item.heldReason,
        reports: q.item.reportCount,
        reasons: [...new Set(q.reasons)].join('、'),
        time: beijingDateTime('updatedAt' in q.item ? q.item.updatedAt : q.item.createdAt),
        status: q.item.status,
        ...places[i]!,
      }));
    } else if (tab === 'bans') {
      const bans = await moderation.bans(actor);
      const people = await accounts.publicProfiles(bans.flatMap((b) => [b.userId, b.bannedBy]));
      view.bans = bans.map((b) => ({ userId: b.userId, name: people.get(b.userId)?.nickname ?? `#${b.userId}`, by: people.get(b.bannedBy)?.nickname ?? '', reason: b.reason, time: beijingDateTime(b.createdAt) }));
    } else {
      const log = await moderation.log(actor);
      const people = await accounts.publicProfiles(log.flatMap((r) => [r.actorUserId, typeof r.summary.userId === 'number' ? r.summary.userId : r.actorUserId]));
      view.log = log.map((r) => ({ time: beijingDateTime(r.createdAt), sentence: auditSentence(r, (uid) => people.get(uid)?.nickname ?? `#${uid}`) }));
    }
    res.render('admin/feedback', view);
  });

  router.post('/admin/feedback/:kind/:id/:action', async (req, res, next) => {
    const kind = KINDS[String(req.params.kind)];
    const action = ACTIONS[String(req.params.action)];
    if (!kind || !action) return next();
    const id = idParam(req.params.id);
    const back = safeReturnPath((req.body as Record<string, unknown>)?.next, '/admin/feedback');
    if (action === 'delete' && !isConfirmed(req)) {
      return renderConfirmation(res, {
        title: kind === 'comment' ? '删除留言' : '删除评价',
        message: kind === 'comment' ? '删除这条留言？删除后内容无法恢复，它下面的回复会保留。' : '删除这条评价？删除后无法恢复，学员可以重新评价。',
        action: req.originalUrl,
        button: '确认删除',
        cancelHref: back,
        fields: { next: back },
      });
    }
    await moderation.act(readerOf(req), kind, id, action);
    setFlash(req, 'success', DONE[action]);
    res.redirect(303, back);
  });

  router.post('/admin/feedback/ratings/:id/reply', async (req, res) => {
    const id = idParam(req.params.id, () => new NotFoundError('RATING_NOT_FOUND', '评价不存在或已删除'));
    const back = safeReturnPath((req.body as Record<string, unknown>)?.next, '/admin/feedback');
    const parsed = ReplyForm.safeParse(formValues(req.body, REPLY_FIELDS));
    if (!parsed.success) {
      setFlash(req, 'warn', fieldErrors(parsed.error).reply ?? '请写下回复内容', 'reviews');
      return res.redirect(303, back);
    }
    await ratings.reply(readerOf(req), id, parsed.data.reply);
    setFlash(req, 'success', '回复已公开，学员会收到提醒', 'reviews');
    res.redirect(303, back);
  });

  router.post('/admin/feedback/bans', async (req, res) => {
    const userId = idParam((req.body as Record<string, unknown>)?.user_id, () => new NotFoundError('USER_NOT_FOUND', '学员不存在'));
    const user = await accounts.findById(userId);
    if (!user) throw new NotFoundError('USER_NOT_FOUND', '学员不存在');
    const form = BanForm.parse(formValues(req.body, BAN_FIELDS));
    if (!isConfirmed(req)) {
      return renderConfirmation(res, {
        title: '禁言学员',
        message: `禁止 ${user.nickname} 发表留言和评价？${form.hide_past ? 'TA 过去的留言和评价也会全部隐藏。' : 'TA 过去的留言和评价保持原样。'}`,
        detail: '禁言后 TA 仍可以学习已购课程；可以随时在“禁言名单”里解除。',
        action: '/admin/feedback/bans',
        button: '确认禁言',
        cancelHref: '/admin/feedback',
        fields: { user_id: String(userId), reason: form.reason, hide_past: form.hide_past ? 'yes' : '' },
      });
    }
    const { hidden } = await moderation.ban(readerOf(req), userId, form.reason, form.hide_past);
    setFlash(req, 'success', hidden > 0 ? `已禁言 ${user.nickname}，隐藏了 ${hidden} 条内容` : `已禁言 ${user.nickname}`);
    res.redirect(303, '/admin/feedback?tab=bans');
  });

  router.post('/admin/feedback/bans/:userId/delete', async (req, res) => {
    await moderation.unban(readerOf(req), idParam(req.params.userId));
    setFlash(req, 'success', '已解除禁言');
    res.redirect(303, '/admin/feedback?tab=bans');
  });

  return router;
}
