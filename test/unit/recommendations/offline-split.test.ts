import { describe, expect, it } from 'vitest';
import type { Interaction } from '../../../src/modules/recommendations/engine/types.js';
import { mulberry32, splitPerUser } from '../../../src/modules/recommendations/offline/index.js';

const buy = (user: string, item: string): Interaction => ({ user, item, at: null, purchased: true, stars: null });
/** Learner uN with `count` courses each. */
function learners(counts: number[]): Interaction[] {
  return counts.flatMap((count, u) => Array.from({ length: count }, (_, i) => buy(`u${u}`, `c${i}`)));
}
const snapshot = (s: ReturnType<typeof splitPerUser>) => ({
  train: s.train.map((x) => `${x.user}:${x.item}`).sort(),
  test: [...s.test].map(([u, items]) => `${u}:${[...items].sort().join(',')}`).sort(),
});

describe('mulberry32', () => {
  it('gives the same stream for the same seed, in [0, 1)', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const xs = Array.from({ length: 1000 }, () => a());
    expect(xs).toEqual(Array.from({ length: 1000 }, () => b()));
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(mulberry32(43)()).not.toBe(mulberry32(42)());
  });
});

describe('the per-learner 80/20 split', () => {
  it('holds out a fifth of each learner, at least one for two or more, and keeps one-course learners whole in train', () => {
    const data = learners([10, 5, 2, 1, 3, 8]);

    const { train, test } = splitPerUser(data, { seed: 42 });

    expect([...test].map(([u, items]) => [u, items.size])).toEqual([
      ['u0', 2],
      ['u1', 1],
      ['u2', 1],
      ['u4', 1],
      ['u5', 2],
    ]);
    expect(test.has('u3')).toBe(false);
    expect(train.filter((x) => x.user === 'u3')).toHaveLength(1);
    expect(train.filter((x) => x.user === 'u0')).toHaveLength(8);
    expect(train.filter((x) => x.user === 'u2')).toHaveLength(1);
  });

  it('puts every purchase on exactly one side', () => {
    const data = learners([10, 7, 2, 1, 30]);

    const { train, test } = splitPerUser(data, { seed: 7 });

    const held = [...test].flatMap(([u, items]) => [...items].map((i) => `${u}:${i}`));
    const kept = train.map((x) => `${x.user}:${x.item}`);
    expect(new Set([...held, ...kept]).size).toBe(data.length);
    expect(held.length + kept.length).toBe(data.length);
  });

  it('is the same for the same seed, different for another, and does not depend on the order of the file', () => {
    const data = learners(Array.from({ length: 50 }, (_, i) => 2 + (i % 9)));
    const reversed = [...data].reverse();

    expect(snapshot(splitPerUser(data, { seed: 42 }))).toEqual(snapshot(splitPerUser(data, { seed: 42 })));
    expect(snapshot(splitPerUser(reversed, { seed: 42 }))).toEqual(snapshot(splitPerUser(data, { seed: 42 })));
    expect(snapshot(splitPerUser(data, { seed: 43 }))).not.toEqual(snapshot(splitPerUser(data, { seed: 42 })));
  });

  it('holds out different courses for different learners with the same courses', () => {
    const data = learners(Array.from({ length: 40 }, () => 10));

    const { test } = splitPerUser(data, { seed: 42 });

    const distinct = new Set([...test.values()].map((items) => [...items].sort().join(',')));
    expect(distinct.size).toBeGreaterThan(20);
  });
});
