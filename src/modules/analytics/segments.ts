/**
 * 行为模式识别: learners grouped by recency, frequency, study time and completion with RFM-style
 * rules a creator can read and act on (the page explains them). The first rule that matches wins.
 */
export type Segment = 'new' | 'active' | 'at_risk' | 'dormant' | 'not_started';

export const SEGMENTS: Record<Segment, { label: string; rule: string }> = {
  active: { label: '活跃', rule: '最近 7 天内学习过' },
  new: { label: '新学员', rule: '7 天内开通了第一门课，还没开始学' },
  at_risk: { label: '流失风险', rule: '上次学习在 8–30 天前：该提醒 TA 回来了' },
  dormant: { label: '沉睡', rule: '超过 30 天没有学习' },
  not_started: { label: '未开始', rule: '开通超过 7 天，一课都还没打开' },
};

export interface LearnerActivity {
  userId: number;
  /** When their first live course began. */
  since: Date;
  lastActive: Date | null;
  seconds: number;
  /** Lessons completed over lessons in their courses, 0–1. */
  completion: number;
  courses: number;
}

const DAY = 86_400_000;

export function segmentOf(a: LearnerActivity, now: Date): Segment {
  const idle = a.lastActive === null ? Infinity : now.getTime() - a.lastActive.getTime();
  if (idle <= 7 * DAY) return 'active';
  if (now.getTime() - a.since.getTime() <= 7 * DAY) return 'new';
  if (a.lastActive === null) return 'not_started';
  if (idle <= 30 * DAY) return 'at_risk';
  return 'dormant';
}
