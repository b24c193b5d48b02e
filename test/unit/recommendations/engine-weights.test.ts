import { describe, expect, it } from 'vitest';
import { decay, DEFAULT_WEIGHTS, interactionWeight } from '../../../src/modules/recommendations/engine/index.js';
import type { Interaction } from '../../../src/modules/recommendations/engine/index.js';

const now = new Date('2026-12-01T00:00:00Z');
const w = { ...DEFAULT_WEIGHTS, halfLifeDays: 100 };
const base: Interaction = { user: 'u', item: 'c', at: now, purchased: true };
const weight = (x: Partial<Interaction>, mean?: number) => interactionWeight({ ...base, ...x }, w, mean, now);

describe('signal weights', () => {
  it('a purchase alone weighs the purchase weight, and a refund (no live purchase) takes it away', () => {
    expect(weight({})).toBeCloseTo(w.purchase);
    expect(weight({ purchased: false })).toBe(0);
    // The learner's other signals still count after a refund, only the purchase goes.
    expect(weight({ purchased: false, liked: true })).toBeCloseTo(w.like);
  });

  it('completion adds in proportion to the finished share of lessons, capped at all of them', () => {
    expect(weight({ completion: 0.5 }) - weight({})).toBeCloseTo(w.completion * 0.5);
    expect(weight({ completion: 3 })).toBeCloseTo(weight({ completion: 1 }));
  });

  it('study time counts on a log scale: an hour counts the study weight, ten hours far less than ten times', () => {
    const hour = weight({ seconds: 3600 }) - weight({});
    const tenHours = weight({ seconds: 36_000 }) - weight({});
    expect(hour).toBeCloseTo(w.studyTime);
    expect(tenHours).toBeGreaterThan(hour);
    expect(tenHours).toBeLessThan(2 * hour);
  });

  it('a rating counts against the learner’s own mean: above it raises the weight, below it lowers it, never under zero', () => {
    expect(weight({ stars: 5 }, 3)).toBeCloseTo(w.purchase + w.rating);
    expect(weight({ stars: 1 }, 3)).toBeCloseTo(w.purchase - w.rating);
    expect(weight({ stars: 4 }, 4)).toBeCloseTo(w.purchase);
    expect(weight({ purchased: false, stars: 1 }, 5)).toBe(0);
  });

  it('likes, comments and views each add their weight; more views add less and less', () => {
    expect(weight({ liked: true, commented: true }) - weight({})).toBeCloseTo(w.like + w.comment);
    const one = weight({ views: 1 }) - weight({});
    const ten = weight({ views: 10 }) - weight({});
    expect(one).toBeCloseTo(w.view);
    expect(ten).toBeLessThan(10 * one);
  });

  it('decays with the configured half-life', () => {
    const days = (n: number) => new Date(now.getTime() - n * 86_400_000);
    expect(decay(days(100), now, 100)).toBeCloseTo(0.5);
    expect(decay(days(200), now, 100)).toBeCloseTo(0.25);
    expect(weight({ at: days(100) })).toBeCloseTo(w.purchase / 2);
    expect(decay(null, now, 100)).toBe(1);
  });
});
