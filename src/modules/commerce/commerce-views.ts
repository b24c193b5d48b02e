import { formatYuan } from '../../platform/money.js';
import { beijingDate, beijingDateTime } from '../../platform/time.js';
import { termsLabel, type Coupon, type CouponGrant, type Price } from './coupon.js';
import { daysLeft, type MembershipPlan } from './membership.js';


/** The last day a coupon works, for people: valid_until is the exclusive instant after it. */
export function couponWindow(c: Pick<Coupon, 'validFrom' | 'validUntil'>): string {
  const from = c.validFrom ? beijingDate(c.validFrom) : null;
  const until = c.validUntil ? beijingDate(new Date(c.validUntil.getTime() - 1)) : null;
  if (from && until) return `${from} 至 ${until}`;
  if (until) return `有效期至 ${until}`;
  if (from) return `${from} 起有效`;
  return '长期有效';
}

export function scopeLabel(c: Pick<Coupon, 'scope' | 'courseIds'>): string {
  if (c.scope === 'all') return '全部课程可用';
  if (c.scope === 'memberships') return '开通会员可用';
  return `指定 ${c.courseIds.length} 门课程可用`;
}

export function couponView(c: Coupon) {
  return { id: c.id, name: c.name, label: termsLabel(c), window: couponWindow(c), scope: scopeLabel(c), code: c.code };
}

const GRANT_STATES: Record<CouponGrant['status'], string> = {
  available: '可使用',
  reserved: '待支付订单占用中',
  used: '已使用',
  refunded: '已使用（订单已退款，券不退回）',
  released: '已退回',
};

export function walletView(list: Array<{ grant: CouponGrant; coupon: Coupon }>, now: Date) {
  return list.map(({ grant, coupon }) => {
    const expired = grant.status === 'available' && coupon.validUntil !== null && coupon.validUntil <= now;
    const stopped = grant.status === 'available' && coupon.status !== 'active';
    return {
      ...couponView(coupon),
      state: expired ? '已过期' : stopped ? (coupon.status === 'ended' ? '活动已结束' : '暂停使用') : GRANT_STATES[grant.status],
      // A copy held by an unpaid order comes back if that order closes: it is not spent yet.
      usable: (grant.status === 'available' && !expired && !stopped) || grant.status === 'reserved',
      reserved: grant.status === 'reserved',
      claimedAt: beijingDateTime(grant.claimedAt),
      usedAt: grant.usedAt ? beijingDateTime(grant.usedAt) : null,
    };
  });
}

export function priceView(p: Price) {
  return { list: formatYuan(p.listFen), discount: formatYuan(p.discountFen), payable: formatYuan(p.payableFen) };
}

export function planView(p: MembershipPlan) {
  return { id: p.id, name: p.name, description: p.description, price: formatYuan(p.priceFen), periodDays: p.periodDays, scope: p.scope === 'all' ? '全部课程' : `${p.courseIds.length} 门课程` };
}

/** "还有 3 天到期" / "明天到期" / "今天到期", counted in Beijing calendar days to the last day. */
export function daysLeftText(endsAt: Date, now: Date): string {
  const days = daysLeft(endsAt, now);
  return days === 0 ? '今天到期' : days === 1 ? '明天到期' : `还有 ${days} 天到期`;
}

/** A membership's last day, for people: ends_at is the midnight after it. */
export function lastDay(endsAt: Date): string {
  return beijingDate(new Date(endsAt.getTime() - 1));
}
