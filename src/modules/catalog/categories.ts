/** The fixed category list: codes in URLs and the database, Chinese labels on pages. */
export const CATEGORIES = [
  { code: 'frontend', label: '前端' },
  { code: 'backend', label: '后端' },
  { code: 'mobile', label: '移动开发' },
  { code: 'ai', label: '人工智能' },
  { code: 'devops', label: '云与运维' },
  { code: 'career', label: '职业发展' },
] as const;

export type CategoryCode = (typeof CATEGORIES)[number]['code'];

export const CATEGORY_CODES = CATEGORIES.map((c) => c.code) as [CategoryCode, ...CategoryCode[]];

export function isCategory(code: unknown): code is CategoryCode {
  return typeof code === 'string' && (CATEGORY_CODES as string[]).includes(code);
}

export function categoryLabel(code: string): string {
  return CATEGORIES.find((c) => c.code === code)?.label ?? code;
}

export const DIFFICULTY_LABELS = ['入门', '初级', '中级', '高级', '专家'] as const;

export function difficultyLabel(level: number): string {
  return DIFFICULTY_LABELS[Math.min(Math.max(level, 1), 5) - 1]!;
}
