import { z } from 'zod';
import { YUAN_PATTERN, yuanToFen } from '../../platform/money.js';
import { beijingDayStart } from '../../platform/time.js';
import { PERIOD_DAYS } from './membership.js';

const yuan = (what: string) =>
  z
    .string()
    .trim()
    .regex(YUAN_PATTERN, `${what}请填写金额，如 20 或 19.90`)
    .transform(yuanToFen)
    .refine((fen) => fen >= 1, `${what}至少 0.01 元`);

const beijingDay = (what: string) =>
  z
    .string()
    .trim()
    .refine((s) => s === '' || !Number.isNaN(beijingDayStart(s).getTime()), `${what}请填写日期，如 2026-12-31`);

const count = (what: string, max: number) =>
  z
    .string()
    .trim()
    .regex(/^\d{1,7}$/, `${what}请填写整数`)
    .transform(Number)
    .refine((n) => n >= 1 && n <= max, `${what}须在 1 到 ${max} 之间`);

/**
 * A coupon as the admin form and `npm run coupons:create` give it: strings in, fen and UTC instants
 * out. Dates are Beijing days, both ends included (until 2026-12-31 works through that day's 23:59).
 * `rate` is the 折 (8 or 8.5 → 20% or 15% off; 0 makes it free).
 */
export const CouponForm = z
  .object({
    name: z.string().trim().min(2, '名称至少 2 个字').max(40, '名称最多 40 个字'),
    code: z
      .string()
      .trim()
      .toUpperCase()
      .refine((s) => s === '' || /^[A-Z0-9_-]{3,32}$/.test(s), '优惠码只能是 3–32 位字母、数字、- 或 _'),
    kind: z.enum(['amount', 'threshold', 'percent'], { message: '请选择优惠方式' }),
    amount_off: z.string().trim(),
    threshold: z.string().trim(),
    rate: z.string().trim(),
    scope: z.enum(['all', 'courses', 'memberships'], { message: '请选择适用范围' }),
    course_ids: z.array(z.string().regex(/^\d{1,9}$/).transform(Number)).max(500),
    valid_from: beijingDay('开始日期'),
    valid_until: beijingDay('结束日期'),
    quantity: count('发放总量', 1_000_000),
    per_learner: count('每人限领', 100),
  })
  .superRefine((f, ctx) => {
    const problem = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
    if (f.kind !== 'percent') {
      const off = yuan('减免金额').safeParse(f.amount_off);
      if (!off.success) problem('amount_off', off.error.issues[0]!.message);
    }
    if (f.kind === 'threshold') {
      const t = yuan('门槛金额').safeParse(f.threshold);
      if (!t.success) problem('threshold', t.error.issues[0]!.message);
      else if (yuan('').safeParse(f.amount_off).data! >= t.data) problem('amount_off', '减免金额须小于门槛金额');
    }
    if (f.kind === 'percent' && !(/^\d(\.\d)?$/.test(f.rate) && Number(f.rate) < 10)) problem('rate', '折扣请填写 0–9.9 之间的数，如 8 或 8.5（0 表示免费）');
    if (f.scope === 'courses' && f.course_ids.length === 0) problem('course_ids', '请至少选择一门课程');
    if (f.valid_from && f.valid_until && beijingDayStart(f.valid_until) < beijingDayStart(f.valid_from)) problem('valid_until', '结束日期不能早于开始日期');
  })
  .transform((f) => ({
    name: f.name,
    code: f.code === '' ? null : f.code,
    kind: f.kind,
    amountOffFen: f.kind === 'percent' ? null : yuanToFen(f.amount_off),
    thresholdFen: f.kind === 'threshold' ? yuanToFen(f.threshold) : null,
    // 8.5 折 pays 85%: 15% off, computed in tenths so no float is rounded.
    percentOff: f.kind === 'percent' ? 100 - Math.round(Number(f.rate) * 10) : null,
    scope: f.scope,
    courseIds: f.scope === 'courses' ? [...new Set(f.course_ids)] : [],
    validFrom: f.valid_from ? beijingDayStart(f.valid_from) : null,
    validUntil: f.valid_until ? beijingDayStart(f.valid_until, 1) : null,
    quantity: f.quantity,
    perLearner: f.per_learner,
  }));

export type CouponInput = z.input<typeof CouponForm>;
export const COUPON_FIELDS = ['name', 'code', 'kind', 'amount_off', 'threshold', 'rate', 'scope', 'valid_from', 'valid_until', 'quantity', 'per_learner'] as const;

/** A membership plan as the admin form gives it. */
export const PlanForm = z
  .object({
    name: z.string().trim().min(2, '名称至少 2 个字').max(40, '名称最多 40 个字'),
    description: z.string().trim().max(200, '说明最多 200 个字'),
    price: yuan('价格'),
    period_days: z.enum(PERIOD_DAYS.map(String) as [string, ...string[]], { message: '请选择 30、90 或 365 天' }).transform(Number),
    scope: z.enum(['all', 'courses'], { message: '请选择会员能学的课程' }),
    course_ids: z.array(z.string().regex(/^\d{1,9}$/).transform(Number)).max(500),
    status: z.enum(['active', 'archived']).default('active'),
  })
  .superRefine((f, ctx) => {
    if (f.scope === 'courses' && f.course_ids.length === 0) ctx.addIssue({ code: 'custom', path: ['course_ids'], message: '请至少选择一门课程' });
  })
  .transform((f) => ({ name: f.name, description: f.description, priceFen: f.price, periodDays: f.period_days, scope: f.scope, courseIds: f.scope === 'courses' ? [...new Set(f.course_ids)] : [], status: f.status }));

export const PLAN_FIELDS = ['name', 'description', 'price', 'period_days', 'scope', 'status'] as const;
