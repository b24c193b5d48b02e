import { describe, expect, it } from 'vitest';
import { generateSynthetic, type SyntheticInteraction } from '../../../src/modules/recommendations/offline/index.js';

const shop = generateSynthetic({ seed: 7, learners: 2000, courses: 300 });
const byLearner = new Map<string, SyntheticInteraction[]>();
for (const x of shop.interactions) byLearner.set(x.user, [...(byLearner.get(x.user) ?? []), x]);
const item = new Map(shop.items.map((i) => [i.id, i]));

describe('the synthetic shop', () => {
  it('is the same for the same seed and different for another', () => {
    expect(generateSynthetic({ seed: 7, learners: 300, courses: 60 })).toEqual(generateSynthetic({ seed: 7, learners: 300, courses: 60 }));
    expect(generateSynthetic({ seed: 8, learners: 300, courses: 60 }).interactions).not.toEqual(generateSynthetic({ seed: 7, learners: 300, courses: 60 }).interactions);
  });

  it('has the courses asked for, over eight categories, each course with Chinese title, tags, difficulty and summary', () => {
    expect(shop.items).toHaveLength(300);
    expect(new Set(shop.items.map((i) => i.id)).size).toBe(300);
    expect(new Set(shop.items.map((i) => i.category)).size).toBe(8);
    expect(new Set(shop.items.map((i) => i.title)).size).toBe(300);
    for (const i of shop.items) {
      expect(i.title).toMatch(/[\u4e00-\u9fff]/);
      expect(i.tags.length).toBeGreaterThanOrEqual(2);
      expect(i.tags.every((t) => t !== '' && !t.includes('|') && !t.includes(','))).toBe(true);
      expect(i.difficulty).toBeGreaterThanOrEqual(1);
      expect(i.difficulty).toBeLessThanOrEqual(5);
      expect(i.summary.length).toBeGreaterThan(10);
    }
  });

  it('gives every learner at least one course, many one to three, a few twenty or more', () => {
    const sizes = [...byLearner.values()].map((xs) => xs.length);
    expect(byLearner.size).toBe(2000);
    expect(sizes.filter((n) => n <= 3).length / sizes.length).toBeGreaterThan(0.5);
    expect(sizes.filter((n) => n >= 20).length).toBeGreaterThan(5);
    expect(sizes.filter((n) => n >= 20).length / sizes.length).toBeLessThan(0.05);
    for (const xs of byLearner.values()) expect(new Set(xs.map((x) => x.item)).size).toBe(xs.length);
  });

  it('has a long tail: the top tenth of courses sells more than a third of the copies', () => {
    const sales = new Map<string, number>();
    for (const x of shop.interactions) sales.set(x.item, (sales.get(x.item) ?? 0) + 1);
    const sorted = shop.items.map((i) => sales.get(i.id) ?? 0).sort((a, b) => b - a);
    const top = sorted.slice(0, 30).reduce((s, n) => s + n, 0);
    expect(top / shop.interactions.length).toBeGreaterThan(1 / 3);
  });

  it('makes learners stick to a few categories', () => {
    const heavy = [...byLearner.values()].filter((xs) => xs.length >= 5);
    const topShare = heavy.map((xs) => {
      const counts = new Map<string, number>();
      for (const x of xs) counts.set(item.get(x.item)!.category, (counts.get(item.get(x.item)!.category) ?? 0) + 1);
      return Math.max(...counts.values()) / xs.length;
    });
    // Eight categories picked at random would give about 0.3.
    expect(topShare.reduce((s, x) => s + x, 0) / topShare.length).toBeGreaterThan(0.55);
  });

  it('builds series 入门 → 进阶 → 实战 that learners take in order, in time order', () => {
    const series = shop.items.filter((i) => i.series !== null);
    expect(series.length).toBeGreaterThan(30);
    for (const i of series) expect(i.title).toContain(['入门', '进阶', '实战'][i.part! - 1]!);
    let sequels = 0;
    for (const xs of byLearner.values()) {
      const parts = new Map<string, { part: number; at: number }[]>();
      for (const x of xs) {
        const it = item.get(x.item)!;
        if (it.series) parts.set(it.series, [...(parts.get(it.series) ?? []), { part: it.part!, at: x.timestamp }]);
      }
      for (const taken of parts.values()) {
        const inTime = [...taken].sort((a, b) => a.at - b.at).map((p) => p.part);
        expect(inTime).toEqual(inTime.map((_, n) => n + 1));
        if (taken.length > 1) sequels++;
      }
    }
    expect(sequels).toBeGreaterThan(50);
  });

  it('leaves about 40% unrated and rates the rest 1–5, higher for courses in the learner’s main category', () => {
    const ratings = shop.interactions.map((x) => x.rating);
    const unrated = ratings.filter((r) => r === null).length / ratings.length;
    expect(unrated).toBeGreaterThan(0.36);
    expect(unrated).toBeLessThan(0.44);
    expect(ratings.every((r) => r === null || (Number.isInteger(r) && r >= 1 && r <= 5))).toBe(true);
    const inMain: number[] = [];
    const outside: number[] = [];
    for (const xs of byLearner.values()) {
      if (xs.length < 4) continue;
      const counts = new Map<string, number>();
      for (const x of xs) counts.set(item.get(x.item)!.category, (counts.get(item.get(x.item)!.category) ?? 0) + 1);
      const main = [...counts].sort((a, b) => b[1] - a[1])[0]![0];
      for (const x of xs) if (x.rating !== null) (item.get(x.item)!.category === main ? inMain : outside).push(x.rating);
    }
    const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(mean(inMain) - mean(outside)).toBeGreaterThan(0.3);
  });

  it('keeps each learner’s purchases in time order inside the window', () => {
    const start = Date.parse('2024-01-01T00:00:00Z') / 1000;
    const end = Date.parse('2026-11-30T00:00:00Z') / 1000;
    for (const xs of byLearner.values()) {
      for (let i = 1; i < xs.length; i++) expect(xs[i]!.timestamp).toBeGreaterThan(xs[i - 1]!.timestamp);
      expect(xs[0]!.timestamp).toBeGreaterThanOrEqual(start);
      expect(xs[xs.length - 1]!.timestamp).toBeLessThanOrEqual(end);
    }
  });
});
