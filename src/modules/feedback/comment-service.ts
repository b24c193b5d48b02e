import type { Knex } from 'knex';
import type { Clock } from '../../platform/clock.js';
import { ConflictError, ForbiddenError, NotFoundError } from '../../platform/errors.js';
import type { Logger } from '../../platform/logger.js';
import type { AccountService, PublicProfile } from '../accounts/index.js';
import { createCommentRepository, type CommentOrder } from './comment-repository.js';
import { BANNED_MESSAGE, type Comment, type LessonPlace, type Reader } from './feedback.js';
import { EDIT_WINDOW_MS, type CommentForm } from './feedback-schemas.js';
import type { KeywordFilter } from './keyword-filter.js';
import type { LessonGate } from './lesson-gate.js';
import { createModerationRepository } from './moderation-repository.js';
import { createNotificationRepository } from './notification-repository.js';

export const COMMENTS_PER_PAGE = 20;

export interface Thread {
  comment: Comment;
  replies: Comment[];
}

export interface CommentPage {
  place: LessonPlace;
  threads: Thread[];
  /** Top-level comments (what pages count). */
  total: number;
  /** Every visible comment, replies included (the number beside 留言). */
  count: number;
  page: number;
  pages: number;
  order: CommentOrder;
  /** Authors of every comment on the page and of whom the replies answer. */
  people: Map<number, PublicProfile>;
}

const notFound = () => new NotFoundError('COMMENT_NOT_FOUND', '留言不存在或已删除');

/** Comments under lessons: who may read and write them, the edit window, and reply notices. */
export function createCommentService(deps: { db: Knex; clock: Clock; log: Logger; keywords: KeywordFilter; gate: LessonGate; accounts: AccountService }) {
  const comments = createCommentRepository();
  const moderation = createModerationRepository();
  const notices = createNotificationRepository();

  async function assertMayPost(reader: Reader): Promise<void> {
    if (await moderation.isBanned(deps.db, reader.id)) throw new ForbiddenError('BANNED', BANNED_MESSAGE);
  }

  /** A comment the reader may see, with the lesson it sits under (403 when the lesson is locked). */
  async function visible(reader: Reader | null, id: number): Promise<{ comment: Comment; place: LessonPlace }> {
    const comment = await comments.find(deps.db, id);
    if (!comment) throw notFound();
    const place = await deps.gate.open(reader, comment.lessonId);
    const seen = comment.status === 'published' || (comment.status === 'held' && (reader?.isAdmin || reader?.id === comment.userId));
    if (!seen) throw notFound();
    return { comment, place };
  }

  /** A reply's author hears of it once it is public: at once, or when an admin approves it. */
  async function noticeIfPublic(trx: Knex, c: Comment): Promise<void> {
    if (c.status === 'published' && c.replyToUserId !== null && c.replyToUserId !== c.userId) {
      await notices.add(trx, c.replyToUserId, 'comment_reply', c.id, deps.clock.now());
    }
  }

  function mine(reader: Reader, c: Comment): void {
    if (c.userId !== reader.id) throw new ForbiddenError('NOT_AUTHOR', '只能修改或删除自己的留言');
  }

  /** The comment as its author may still edit it: theirs, live, and within the window. */
  async function editable(reader: Reader, id: number): Promise<{ comment: Comment; place: LessonPlace }> {
    const found = await visible(reader, id);
    mine(reader, found.comment);
    if (deps.clock.now().getTime() - found.comment.createdAt.getTime() > EDIT_WINDOW_MS) {
      throw new ForbiddenError('EDIT_WINDOW_PASSED', `留言发布超过 ${EDIT_WINDOW_MS / 60_000} 分钟后不能再编辑，可以删除后重新发表`);
    }
    return found;
  }

  async function pageAt(place: LessonPlace, reader: Reader | null, opts: { order: CommentOrder; page: number }): Promise<CommentPage> {
    const { lessonId } = place;
    const { topLevel: total, visible: count } = await comments.counts(deps.db, lessonId, reader);
    const pages = Math.max(1, Math.ceil(total / COMMENTS_PER_PAGE));
    const page = Math.min(Math.max(1, opts.page), pages);
    const top = await comments.pageOfTopLevel(deps.db, lessonId, reader, opts.order, (page - 1) * COMMENTS_PER_PAGE, COMMENTS_PER_PAGE);
    const replies = await comments.repliesOf(deps.db, top.map((c) => c.id), reader);
    const threads = top.map((comment) => ({ comment, replies: replies.filter((r) => r.parentId === comment.id) }));
    const ids = [...top, ...replies].flatMap((c) => [c.userId, c.replyToUserId ?? c.userId]);
    return { place, threads, total, count, page, pages, order: opts.order, people: await deps.accounts.publicProfiles(ids) };
  }

  return {
    noticeIfPublic,

    async page(reader: Reader | null, lessonId: number, opts: { order: CommentOrder; page: number }): Promise<CommentPage> {
      return pageAt(await deps.gate.open(reader, lessonId), reader, opts);
    },

    /** The page for a lesson the caller has just found open to this reader (the lesson page itself). */
    pageAt,

    async post(reader: Reader, lessonId: number, form: CommentForm): Promise<Comment> {
      const place = await deps.gate.open(reader, lessonId);
      await assertMayPost(reader);
      let parentId: number | null = null;
      let replyToUserId: number | null = null;
      if (form.parent_id !== undefined) {
        const parent = await comments.find(deps.db, form.parent_id);
        if (!parent || parent.lessonId !== lessonId || parent.status !== 'published') throw new NotFoundError('COMMENT_NOT_FOUND', '回复的留言不存在或已删除');
        // One level deep: a reply to a reply joins its thread and answers that reply's author.
        parentId = parent.parentId ?? parent.id;
        replyToUserId = parent.userId;
        // A thread whose first comment was deleted lives on under its placeholder; a hidden one does not.
        const root = parent.parentId === null ? parent : await comments.find(deps.db, parent.parentId);
        if (root?.status !== 'published' && root?.status !== 'deleted') throw new NotFoundError('COMMENT_NOT_FOUND', '回复的留言不存在或已删除');
      }
      // The same form submitted twice (a double tap, a resend on a slow WebView) posts once.
      if (form.form_key) {
        const earlier = await comments.byFormKey(deps.db, reader.id, form.form_key);
        if (earlier) return earlier;
      }
      const keyword = deps.keywords.match(form.body);
      return deps.db.transaction(async (trx) => {
        const draft = {
          courseId: place.courseId,
          lessonId,
          userId: reader.id,
          parentId,
          replyToUserId,
          bodyMd: form.body,
          status: keyword ? ('held' as const) : ('published' as const),
          heldReason: keyword,
          createdAt: deps.clock.now(),
        };
        const id = await comments.insert(trx, draft, form.form_key ?? null);
        if (id === null) return (await comments.byFormKey(trx, reader.id, form.form_key!))!;
        const comment: Comment = { ...draft, id, reportCount: 0, editedAt: null };
        await noticeIfPublic(trx, comment);
        deps.log.info({ event: keyword ? 'feedback.comment.held' : 'feedback.comment.posted', commentId: id, lessonId, userId: reader.id }, 'comment posted');
        return comment;
      });
    },

    editable,

    async edit(reader: Reader, id: number, body: string): Promise<Comment> {
      const { comment } = await editable(reader, id);
      await assertMayPost(reader);
      const keyword = deps.keywords.match(body);
      const status = keyword ? ('held' as const) : ('published' as const);
      return deps.db.transaction(async (trx) => {
        if (!(await comments.updateBody(trx, id, body, status, keyword, deps.clock.now()))) throw notFound();
        const edited = { ...comment, bodyMd: body, status, heldReason: keyword };
        if (status === 'held') await notices.removeFor(trx, 'comment_reply', [id]);
        else await noticeIfPublic(trx, edited);
        return edited;
      });
    },

    /**
     * The author takes back their own comment; its replies stay, under a "deleted" placeholder. No
     * access check: it reveals nothing, and a learner who was refunded may still take back their words.
     */
    async remove(reader: Reader, id: number): Promise<Comment> {
      const comment = await comments.find(deps.db, id);
      if (!comment || comment.status === 'deleted') throw notFound();
      mine(reader, comment);
      await deps.db.transaction(async (trx) => {
        await comments.setStatus(trx, id, ['published', 'held', 'hidden'], 'deleted', deps.clock.now());
        await notices.removeFor(trx, 'comment_reply', [id]);
      });
      return comment;
    },

    async report(reader: Reader, id: number, reason: string): Promise<Comment> {
      const { comment } = await visible(reader, id);
      if (comment.status !== 'published') throw notFound();
      if (comment.userId === reader.id) throw new ConflictError('OWN_COMMENT', '不能举报自己的留言');
      const added = await deps.db.transaction((trx) => moderation.report(trx, 'comment', id, reader.id, reason, deps.clock.now()));
      if (!added) throw new ConflictError('ALREADY_REPORTED', '你已经举报过这条留言，我们会尽快处理');
      return comment;
    },

    assertMayPost,

    async lessonOf(id: number): Promise<number | null> {
      return (await comments.find(deps.db, id))?.lessonId ?? null;
    },

    async isBanned(reader: Reader | null): Promise<boolean> {
      return reader !== null && (await moderation.isBanned(deps.db, reader.id));
    },
  };
}

export type CommentService = ReturnType<typeof createCommentService>;
