import { z } from 'zod';
import { YUAN_PATTERN, yuanToFen } from '../../platform/money.js';
import { CATEGORY_CODES } from './categories.js';

export const MAX_PRICE_FEN = 99_999_999; // ¥999,999.99


/** ASCII words of a title joined by hyphens; titles with none get a short random slug to edit later. */
export function slugify(title: string, random: () => string): string {
  const ascii = title
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60)
    .replace(/-+$/, '');
  return ascii.length >= 3 ? ascii : `course-${random()}`;
}

const SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const LOCAL_OR_HTTPS_URL = /^(https:\/\/[^\s"'<>]+|\/(static|uploads)\/[A-Za-z0-9._/-]+)$/;

export const CourseForm = z.object({
  title: z.string().trim().min(2, '标题至少 2 个字').max(80, '标题最多 80 个字'),
  slug: z
    .string()
    .trim()
    .toLowerCase()
    .max(96, '链接名最多 96 个字符')
    .refine((s) => s === '' || SLUG.test(s), '链接名只能包含小写字母、数字和连字符，如 react-hooks'),
  summary: z.string().trim().max(200, '简介最多 200 个字'),
  description: z.string().trim().min(1, '请填写课程介绍').max(20_000, '课程介绍最多 20000 个字'),
  price: z
    .string()
    .trim()
    .regex(YUAN_PATTERN, '价格请填写金额，如 99 或 99.90（最多两位小数，不超过 999999.99）')
    .transform(yuanToFen),
  category: z.enum(CATEGORY_CODES, { message: '请选择课程分类' }),
  tags: z
    .string()
    .trim()
    .max(255, '标签总长度最多 255 个字符')
    .transform((s) => [...new Set(s.split(/[,，\s]+/).map((t) => t.trim().toLowerCase()).filter(Boolean))])
    .refine((tags) => tags.length <= 10, '最多 10 个标签')
    .refine((tags) => tags.every((t) => t.length <= 20), '每个标签最多 20 个字符'),
  difficulty: z.enum(['1', '2', '3', '4', '5'], { message: '请选择 1–5 的难度' }).transform(Number),
  cover_url: z
    .string()
    .trim()
    .max(500, '封面地址最多 500 个字符')
    .refine((s) => s === '' || LOCAL_OR_HTTPS_URL.test(s), '封面地址须以 https:// 开头')
    .transform((s) => (s === '' ? null : s)),
});
export type CourseForm = z.infer<typeof CourseForm>;
export const COURSE_FIELDS = ['title', 'slug', 'summary', 'description', 'price', 'category', 'tags', 'difficulty', 'cover_url'] as const;

/** "15" minutes or "12:30" minutes:seconds → seconds; empty → null. */
function parseDuration(s: string, ctx: z.RefinementCtx): number | null {
  if (s === '') return null;
  const m = /^(\d{1,3})(?::([0-5]\d))?$/.exec(s);
  if (!m || Number(m[1]) > 600) {
    ctx.addIssue({ code: 'custom', message: '时长填写分钟数（如 15）或 分:秒（如 12:30），不超过 600 分钟' });
    return z.NEVER;
  }
  return Number(m[1]) * 60 + Number(m[2] ?? 0);
}

export const LessonForm = z.object({
  title: z.string().trim().min(1, '请填写课时标题').max(80, '课时标题最多 80 个字'),
  body_md: z.string().trim().min(1, '请填写课时内容').max(100_000, '课时内容最多 100000 个字'),
  media_url: z
    .string()
    .trim()
    .max(500, '媒体地址最多 500 个字符')
    .refine((s) => s === '' || /^https:\/\/[^\s"'<>]+$/.test(s), '媒体地址须以 https:// 开头')
    .transform((s) => (s === '' ? null : s)),
  duration: z.string().trim().transform(parseDuration),
  is_free_preview: z.string().transform((s) => s === 'on' || s === '1' || s === 'true'),
});
export type LessonForm = z.infer<typeof LessonForm>;
export const LESSON_FIELDS = ['title', 'body_md', 'media_url', 'duration', 'is_free_preview'] as const;

export function formatDuration(seconds: number | null): string {
  if (seconds === null) return '';
  const m = Math.floor(seconds / 60);
  const s = seconds % 60;
  return s === 0 ? String(m) : `${m}:${String(s).padStart(2, '0')}`;
}
