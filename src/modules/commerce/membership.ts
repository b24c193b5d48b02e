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
}

export function planCovers(plan: Pick<MembershipPlan, 'scope' | 'courseIds'>, courseId: number): boolean {
  return plan.scope === 'all' || plan.courseIds.includes(courseId);
}
