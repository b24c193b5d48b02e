import { beijingDate, beijingDayStart } from '../../platform/time.js';

export type PlanScope = 'all' | 'courses';
export type PlanStatus = 'active' | 'archived';
/** The lengths a plan may have, in days. */
export const PERIOD_DAYS = [30, 90, 365] as const;

export interface MembershipPlan {
  id: number;
  name: string;
  description: string;
  priceFen: number;
  periodDays: number;
  scope: PlanScope;
  /** The 专栏 of a `courses` plan. */
  courseIds: number[];
  status: PlanStatus;
}

/** One paid stretch of a membership: [startsAt, endsAt), unless ended early (a refund). */
export interface MembershipPeriod {
  id: number;
  userId: number;
  planId: number;
  orderId: number | null;
  startsAt: Date;
  endsAt: Date;
  endedAt: Date | null;
  endedReason: string | null;
}

/** A learner's standing in one plan: the end of their last live period. */
export interface Membership {
  plan: MembershipPlan;
  userId: number;
  endsAt: Date;
  /** Whether a live period covers now (a later one may be waiting after a refund's gap). */
  activeNow: boolean;
  /** When a waiting membership opens again. */
  resumesAt: Date | null;
}

export function planCovers(plan: Pick<MembershipPlan, 'scope' | 'courseIds'>, courseId: number): boolean {
  return plan.scope === 'all' || plan.courseIds.includes(courseId);
}

/** Whole Beijing days from today to a membership's last day: 0 on the last day itself. */
export function daysLeft(endsAt: Date, now: Date): number {
  const days = (beijingDayStart(beijingDate(new Date(endsAt.getTime() - 1))).getTime() - beijingDayStart(beijingDate(now)).getTime()) / 86_400_000;
  return Math.max(0, days);
}
