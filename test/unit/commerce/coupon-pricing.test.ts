import { describe, expect, it } from 'vitest';
import { appliesTo, isCurrent, priceWith, termsLabel, type CouponTerms } from '../../../src/modules/commerce/coupon.js';
import { CouponForm } from '../../../src/modules/commerce/commerce-schemas.js';

const amount = (fen: number): CouponTerms => ({ kind: 'amount', amountOffFen: fen, thresholdFen: null, percentOff: null });
const threshold = (min: number, fen: number): CouponTerms => ({ kind: 'threshold', amountOffFen: fen, thresholdFen: min, percentOff: null });
const percent = (p: number): CouponTerms => ({ kind: 'percent', amountOffFen: null, thresholdFen: null, percentOff: p });

describe('coupon arithmetic', () => {
  it('takes an amount off the list price', () => {
    expect(priceWith(amount(2000), 9900)).toEqual({ listFen: 9900, discountFen: 2000, payableFen: 7900 });
  });

  it('never takes an amount coupon below 1 fen, even when it is worth more than the price', () => {
    expect(priceWith(amount(2000), 990)).toEqual({ listFen: 990, discountFen: 989, payableFen: 1 });
    expect(priceWith(amount(9900), 9900)).toEqual({ listFen: 9900, discountFen: 9899, payableFen: 1 });
  });

  it('applies a threshold coupon from the threshold itself, and not one fen below it', () => {
    expect(priceWith(threshold(19_900, 5000), 19_900)).toEqual({ listFen: 19_900, discountFen: 5000, payableFen: 14_900 });
    expect(priceWith(threshold(19_900, 5000), 19_899)).toBeNull();
  });

  it('rounds a percentage down to the fen, so 8 折 never takes off more than a fifth', () => {
    // 20% of 999 fen is 199.8 fen: 199 off, 800 to pay.
    expect(priceWith(percent(20), 999)).toEqual({ listFen: 999, discountFen: 199, payableFen: 800 });
    // 15% (8.5 折) of 1 fen is 0.15 fen: nothing off, and no discount recorded.
    expect(priceWith(percent(15), 1)).toEqual({ listFen: 1, discountFen: 0, payableFen: 1 });
    expect(priceWith(percent(50), 3)).toEqual({ listFen: 3, discountFen: 1, payableFen: 2 });
  });

  it('keeps a 99%-off coupon at 1 fen but makes a 100%-off one free', () => {
    expect(priceWith(percent(99), 50)).toEqual({ listFen: 50, discountFen: 49, payableFen: 1 });
    expect(priceWith(percent(99), 1)).toEqual({ listFen: 1, discountFen: 0, payableFen: 1 });
    expect(priceWith(percent(100), 9900)).toEqual({ listFen: 9900, discountFen: 9900, payableFen: 0 });
  });

  it('describes each kind as creators write it', () => {
    expect(termsLabel(amount(2000))).toBe('立减 ¥20');
    expect(termsLabel(threshold(19_900, 5000))).toBe('满 ¥199 减 ¥50');
    expect(termsLabel(amount(1990))).toBe('立减 ¥19.90');
    expect(termsLabel(percent(20))).toBe('8 折');
    expect(termsLabel(percent(15))).toBe('8.5 折');
    expect(termsLabel(percent(100))).toBe('免费');
  });
});

describe('coupon scope and window', () => {
  it('opens the courses of its scope only, and memberships only for a membership scope', () => {
    const course = { kind: 'course' as const, id: 7, priceFen: 100 };
    const plan = { kind: 'membership' as const, id: 7, priceFen: 100 };
    expect(appliesTo({ scope: 'all', courseIds: [] }, course)).toBe(true);
    expect(appliesTo({ scope: 'all', courseIds: [] }, plan)).toBe(false);
    expect(appliesTo({ scope: 'courses', courseIds: [7] }, course)).toBe(true);
    expect(appliesTo({ scope: 'courses', courseIds: [8] }, course)).toBe(false);
    expect(appliesTo({ scope: 'memberships', courseIds: [] }, plan)).toBe(true);
    expect(appliesTo({ scope: 'memberships', courseIds: [] }, course)).toBe(false);
  });

  it('works from the first Beijing midnight of its start day through the last millisecond of its end day', () => {
    const form = CouponForm.parse({ name: '双十二', code: '', kind: 'amount', amount_off: '20', threshold: '', rate: '', scope: 'all', course_ids: [], valid_from: '2026-12-12', valid_until: '2026-12-31', quantity: '10', per_learner: '1' });
    expect(form.validFrom!.toISOString()).toBe('2026-12-11T16:00:00.000Z');
    expect(form.validUntil!.toISOString()).toBe('2026-12-31T16:00:00.000Z');
    const c = { status: 'active' as const, validFrom: form.validFrom, validUntil: form.validUntil };
    expect(isCurrent(c, new Date('2026-12-11T15:59:59.999Z'))).toBe(false); // 23:59:59.999 on the 11th in Beijing
    expect(isCurrent(c, new Date('2026-12-11T16:00:00.000Z'))).toBe(true); // 00:00 on the 12th
    expect(isCurrent(c, new Date('2026-12-31T15:59:59.999Z'))).toBe(true); // 23:59:59.999 on the 31st
    expect(isCurrent(c, new Date('2026-12-31T16:00:00.000Z'))).toBe(false); // 00:00 on 1 January
    expect(isCurrent({ ...c, status: 'paused' }, new Date('2026-12-20T00:00:00Z'))).toBe(false);
  });
});

describe('the coupon form', () => {
  const base = { name: '春季立减', code: 'spring', kind: 'amount', amount_off: '20', threshold: '', rate: '', scope: 'all', course_ids: [] as string[], valid_from: '', valid_until: '', quantity: '100', per_learner: '1' };

  it('turns yuan into fen, 折 into percent off and codes to upper case', () => {
    expect(CouponForm.parse(base)).toMatchObject({ code: 'SPRING', kind: 'amount', amountOffFen: 2000, percentOff: null, quantity: 100, perLearner: 1, validFrom: null, validUntil: null });
    expect(CouponForm.parse({ ...base, kind: 'percent', rate: '8.5', amount_off: '' })).toMatchObject({ percentOff: 15, amountOffFen: null });
    expect(CouponForm.parse({ ...base, kind: 'percent', rate: '0', amount_off: '' })).toMatchObject({ percentOff: 100 });
    expect(CouponForm.parse({ ...base, kind: 'threshold', threshold: '199', amount_off: '50' })).toMatchObject({ thresholdFen: 19_900, amountOffFen: 5000 });
  });

  it('refuses what cannot be a coupon, naming the field', () => {
    const problems = (input: Record<string, unknown>) => {
      const r = CouponForm.safeParse({ ...base, ...input });
      return r.success ? {} : Object.fromEntries(r.error.issues.map((i) => [String(i.path[0]), i.message]));
    };
    expect(problems({ amount_off: '0' }).amount_off).toContain('至少 0.01 元');
    expect(problems({ amount_off: '1.234' }).amount_off).toContain('请填写金额');
    expect(problems({ kind: 'threshold', threshold: '50', amount_off: '50' }).amount_off).toBe('减免金额须小于门槛金额');
    expect(problems({ kind: 'percent', rate: '10' }).rate).toContain('0–9.9');
    expect(problems({ kind: 'percent', rate: '8.25' }).rate).toContain('0–9.9');
    expect(problems({ scope: 'courses' }).course_ids).toBe('请至少选择一门课程');
    expect(problems({ valid_from: '2026-12-31', valid_until: '2026-12-01' }).valid_until).toBe('结束日期不能早于开始日期');
    expect(problems({ valid_until: '2026-02-30' }).valid_until).toContain('请填写日期');
    expect(problems({ quantity: '0' }).quantity).toContain('1 到');
    expect(problems({ code: 'no spaces' }).code).toContain('字母、数字');
  });
});
