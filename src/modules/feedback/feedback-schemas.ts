import { randomUUID } from 'node:crypto';
import { z } from 'zod';

export const COMMENT_MAX_CHARS = 2000;
export const REVIEW_MAX_CHARS = 1000;
export const REPLY_MAX_CHARS = 1000;
/** How long after posting its author may still edit a comment. */
export const EDIT_WINDOW_MS = 10 * 60_000;

/**
 * What people type, as it will be stored: Windows line ends folded, NUL and other control characters
 * (but tab and newline) dropped, lone surrogates replaced (MySQL's utf8mb4 refuses them), trimmed.
 */
export function cleanText(raw: string): string {
  return raw
    .replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD')
    .replace(/\r\n?/g, '\n')
    // eslint-disable-next-line no-control-regex -- control characters are exactly what we drop
    .replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '')
    .trim();
}

/** Characters as a person counts them: an emoji is one, not two UTF-16 units. */
const length = (s: string) => [...s].length;

const text = (max: number, empty: string, tooLong: string) =>
  z
    .string({ message: empty })
    .transform(cleanText)
    .refine((s) => s !== '', empty)
    .refine((s) => length(s) <= max, tooLong);

/** Route code reads forms through formValues first, so every field here is a string ('' when absent). */
export const CommentForm = z.object({
  body: text(COMMENT_MAX_CHARS, '请写下留言内容', `留言最多 ${COMMENT_MAX_CHARS} 字`),
  parent_id: z.string().transform((v, ctx) => {
    if (v === '') return undefined;
    if (!/^\d{1,9}$/.test(v)) {
      ctx.addIssue({ code: 'custom', message: '回复的留言不存在或已删除' });
      return z.NEVER;
    }
    return Number(v);
  }),
  // A random key the form was rendered with; anything else is ignored rather than refused.
  form_key: z.string().transform((v) => (/^[A-Za-z0-9-]{16,36}$/.test(v) ? v : undefined)),
});
export type CommentForm = z.infer<typeof CommentForm>;
export const COMMENT_FIELDS = ['body', 'parent_id', 'form_key'] as const;

export const RatingForm = z.object({
  stars: z.enum(['1', '2', '3', '4', '5'], { message: '请选择 1 到 5 颗星' }).transform(Number),
  review: z
    .string()
    .transform(cleanText)
    .refine((s) => length(s) <= REVIEW_MAX_CHARS, `评价最多 ${REVIEW_MAX_CHARS} 字`),
});
export type RatingForm = z.infer<typeof RatingForm>;
export const RATING_FIELDS = ['stars', 'review'] as const;

export const ReplyForm = z.object({ reply: text(REPLY_MAX_CHARS, '请写下回复内容', `回复最多 ${REPLY_MAX_CHARS} 字`) });
export const REPLY_FIELDS = ['reply'] as const;

export const REPORT_REASONS = { spam: '垃圾广告', abuse: '辱骂攻击', illegal: '违法违规', spoiler: '与课程无关', other: '其他' } as const;
export type ReportReason = keyof typeof REPORT_REASONS;
export const REPORT_FIELDS = ['reason'] as const;
/** An unknown or missing reason is filed as 其他 rather than refused: the report still matters. */
export function reportReason(raw: string): ReportReason {
  return Object.hasOwn(REPORT_REASONS, raw) ? (raw as ReportReason) : 'other';
}

export const BanForm = z.object({
  reason: z.string().transform((s) => cleanText(s).slice(0, 200)),
  hide_past: z.string().transform((v) => v === 'yes' || v === 'on'),
});
export const BAN_FIELDS = ['reason', 'hide_past'] as const;

/** A fresh one-time key for a comment form: posting the same form twice then posts once. */
export const newFormKey = () => randomUUID();
