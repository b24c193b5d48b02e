import { describe, expect, it } from 'vitest';
import type { Interaction } from '../../../src/modules/recommendations/engine/types.js';
import { computeMetrics, gini, mostPopularItems } from '../../../src/modules/recommendations/offline/index.js';

const buy = (user: string, item: string): Interaction => ({ user, item, at: null, purchased: true, stars: null });

describe('ranking metrics on a hand-worked example', () => {
  // Catalogue a–e, k = 3. u1 held out {a, d} and got [a, b, d]: hits at ranks 1 and 3.
  // u2 held out {e} and got [b, c, a]: no hit.
  const catalogue = ['a', 'b', 'c', 'd', 'e'];
  const test = new Map([
    ['u1', new Set(['a', 'd'])],
    ['u2', new Set(['e'])],
  ]);
  const lists = new Map([
    ['u1', ['a', 'b', 'd']],
    ['u2', ['b', 'c', 'a']],
  ]);
  const m = computeMetrics(lists, test, { k: 3, catalogue, popular: new Set(['b']) });

  it('averages precision (hits / k) and recall (hits / held out) over learners', () => {
    expect(m.precision).toBeCloseTo((2 / 3 + 0) / 2, 12);
    expect(m.recall).toBeCloseTo((1 + 0) / 2, 12);
    expect(m.users).toBe(2);
  });

  it('computes NDCG with the ideal over min(k, held out) hits', () => {
    const dcg = 1 / Math.log2(2) + 1 / Math.log2(4); // 1.5
    const idcg = 1 / Math.log2(2) + 1 / Math.log2(3); // two held out, so two ideal hits
    expect(m.ndcg).toBeCloseTo(dcg / idcg / 2, 12);
    expect(m.ndcg).toBeCloseTo(0.45986, 5);
  });

  it('counts coverage, the popular share of slots, and the Gini index of recommendation counts', () => {
    expect(m.coverage).toBe(4 / 5); // a, b, c, d recommended; e never
    expect(m.popularShare).toBe(2 / 6); // b fills 2 of 6 slots
    // counts a2 b2 c1 d1 e0 → sorted 0,1,1,2,2: Σ(2i−n−1)x = −2·1 + 0·1 + 2·2 + 4·2 = 10, over n·Σx = 5·6
    expect(m.gini).toBeCloseTo(10 / 30, 12);
  });

  it('scores a learner with held-out courses but no list as zero, and cuts lists at k', () => {
    const withSilent = computeMetrics(new Map([['u1', ['a', 'd', 'x', 'y']]]), new Map([...test, ['u3', new Set(['c'])]]), { k: 2, catalogue, popular: new Set() });

    expect(withSilent.users).toBe(3);
    expect(withSilent.precision).toBeCloseTo(1 / 3, 12);
    expect(withSilent.recall).toBeCloseTo(1 / 3, 12);
    expect(withSilent.ndcg).toBeCloseTo(1 / 3, 12);
    expect(withSilent.coverage).toBe(2 / 5);
  });

  it('gives NDCG 1 and precision 1 to a perfect list', () => {
    const perfect = computeMetrics(new Map([['u', ['a', 'b']]]), new Map([['u', new Set(['b', 'a'])]]), { k: 2, catalogue, popular: new Set() });
    expect([perfect.precision, perfect.recall, perfect.ndcg]).toEqual([1, 1, 1]);
  });
});

describe('popularity helpers', () => {
  it('Gini is 0 for equal counts and (n−1)/n when one course gets everything', () => {
    expect(gini([3, 3, 3, 3])).toBe(0);
    expect(gini([0, 0, 0, 12])).toBeCloseTo(3 / 4, 12);
    expect(gini([0, 0])).toBe(0);
  });

  it('the popular tenth is the most bought ceil(10%) of the catalogue, ties by id', () => {
    const catalogue = Array.from({ length: 12 }, (_, i) => `c${String(i).padStart(2, '0')}`);
    const train = [buy('u1', 'c05'), buy('u2', 'c05'), buy('u1', 'c07'), buy('u3', 'c03')];

    expect([...mostPopularItems(train, catalogue, 0.1)]).toEqual(['c05', 'c03']);
  });
});
