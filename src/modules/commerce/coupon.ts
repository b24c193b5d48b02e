import type { Purchasable } from '../payments/index.js';

export type CouponKind = 'amount' | 'threshold' | 'percent';
export type CouponScope = 'all' | 'courses' | 'memberships';
export type CouponStatus = 'active' | 'paused' | 'ended';
/** How a learner came to hold a copy: typed at checkout, a claim link, or granted by the creator. */
export type GrantSource = 'code' | 'link' | 'admin';
export type GrantStatus = 'available' | 'reserved' | 'used' | 'refunded' | 'released';

/** What a coupon takes off: 立减 ¥20, 满 ¥199 减 ¥50, or 8 折 (percentOff 20). */
export interface CouponTerms {
  kind: CouponKind;
  amountOffFen: number | null;
  thresholdFen: number | null;
  percentOff: number | null;
}

export interface Coupon extends CouponTerms {
  id: number;
  name: string;
  code: string | null;
  claimToken: string;
  scope: CouponScope;
  /** The courses of a `courses` scope. */
  courseIds: number[];
  validFrom: Date | null;
  /** Exclusive: the coupon works before this instant. */
  validUntil: Date | null;
  quantity: number;
  issuedCount: number;
  perLearner: number;
  status: CouponStatus;
  createdAt: Date;
}

/** One learner's copy of a coupon. */
export interface CouponGrant {
  id: number;
  couponId: number;
  userId: number;
  source: GrantSource;
  status: GrantStatus;
  orderId: number | null;
  claimedAt: Date;
  usedAt: Date | null;
}

/** What an order buys: a course or a membership plan (payments' Purchasable). */
export type Product = Purchasable;

/** An order's price: list price, discount and what WeChat is asked for. */
export interface Price {
  listFen: number;
  discountFen: number;
  payableFen: number;
}

/** WeChat Pay's smallest amount: a discount never takes an order below it, except a 100%-off one. */
export const MIN_PAYABLE_FEN = 1;

/**
 * The price after a coupon, or null when the coupon does not apply (under its threshold). A
 * percentage takes off the discount rounded down to the fen, so 8 折 never takes off more than a
 * fifth; a discount never brings the amount under 1 fen, except 100% off, which makes it free.
 */
export function priceWith(terms: CouponTerms, listFen: number): Price | null {
  let off: number;
  if (terms.kind === 'percent') {
    if (terms.percentOff === 100) return { listFen, discountFen: listFen, payableFen: 0 };
    off = Math.floor((listFen * (terms.percentOff ?? 0)) / 100);
  } else {
    if (terms.kind === 'threshold' && listFen < (terms.thresholdFen ?? 0)) return null;
    off = terms.amountOffFen ?? 0;
  }
  const payableFen = Math.max(MIN_PAYABLE_FEN, listFen - off);
  if (payableFen >= listFen) return { listFen, discountFen: 0, payableFen: listFen };
  return { listFen, discountFen: listFen - payableFen, payableFen };
}

export function appliesTo(coupon: Pick<Coupon, 'scope' | 'courseIds'>, product: Product): boolean {
  if (coupon.scope === 'memberships') return product.kind === 'membership';
  if (product.kind !== 'course') return false;
  return coupon.scope === 'all' || coupon.courseIds.includes(product.id);
}

/** Whether the coupon can be used at `now`: running, and inside its window. */
export function isCurrent(coupon: Pick<Coupon, 'status' | 'validFrom' | 'validUntil'>, now: Date): boolean {
  return coupon.status === 'active' && (coupon.validFrom === null || coupon.validFrom <= now) && (coupon.validUntil === null || now < coupon.validUntil);
}

/** Where a coupon stands at `now`, as people say it: its status, then its window. */
export type CouponState = 'active' | 'paused' | 'ended' | 'expired' | 'not_started';

export function couponState(c: Pick<Coupon, 'status' | 'validFrom' | 'validUntil'>, now: Date): CouponState {
  if (c.status !== 'active') return c.status;
  if (c.validUntil !== null && now >= c.validUntil) return 'expired';
  if (c.validFrom !== null && now < c.validFrom) return 'not_started';
  return 'active';
}

export const COUPON_STATE_LABELS: Record<CouponState, string> = { active: '进行中', paused: '已暂停', ended: '已结束', expired: '已过期', not_started: '未开始' };

/** 立减 ¥20 · 满 ¥199 减 ¥50 · 8 折 · 免费 */
export function termsLabel(terms: CouponTerms): string {
  const yuan = (fen: number) => (fen % 100 === 0 ? String(fen / 100) : (fen / 100).toFixed(2));
  if (terms.kind === 'percent') {
    const p = terms.percentOff ?? 0;
    if (p === 100) return '免费';
    const rest = 100 - p;
    return `${rest % 10 === 0 ? rest / 10 : (rest / 10).toFixed(1)} 折`;
  }
  if (terms.kind === 'threshold') return `满 ¥${yuan(terms.thresholdFen ?? 0)} 减 ¥${yuan(terms.amountOffFen ?? 0)}`;
  return `立减 ¥${yuan(terms.amountOffFen ?? 0)}`;
}
