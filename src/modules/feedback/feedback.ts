import type { Viewer } from '../enrolments/index.js';

/** published: everyone sees it; held: a keyword matched, only its author and admins see it until an
 * admin approves; hidden: an admin took it down; deleted: its author or an admin removed it. */
export type FeedbackStatus = 'published' | 'held' | 'hidden' | 'deleted';

export interface Comment {
  id: number;
  courseId: number;
  lessonId: number;
  userId: number;
  /** The top-level comment this replies to; null for a top-level comment. */
  parentId: number | null;
  /** Whom the reply answers (the parent's author, or the author of the reply it answered). */
  replyToUserId: number | null;
  bodyMd: string;
  status: FeedbackStatus;
  heldReason: string | null;
  reportCount: number;
  createdAt: Date;
  editedAt: Date | null;
}

export interface Rating {
  id: number;
  userId: number;
  courseId: number;
  stars: number;
  review: string;
  status: Exclude<FeedbackStatus, 'deleted'>;
  heldReason: string | null;
  reportCount: number;
  reply: { text: string; userId: number; at: Date } | null;
  createdAt: Date;
  updatedAt: Date;
}

export type LikeTarget = 'course' | 'lesson';

/** Who is asking: the same person the access rule asks about. */
export type Reader = Viewer;

/** A lesson as seen by one reader: where it sits, and whether the reader may study it. */
export interface LessonPlace {
  lessonId: number;
  lessonTitle: string;
  courseId: number;
  courseSlug: string;
  courseTitle: string;
  isFreePreview: boolean;
  allowed: boolean;
}

export const BANNED_MESSAGE = '你已被禁止发表留言和评价，如有疑问请联系课程作者';
