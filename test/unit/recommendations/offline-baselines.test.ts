import { describe, expect, it } from 'vitest';
import type { Interaction, ItemInfo } from '../../../src/modules/recommendations/engine/types.js';
import { itemKnn, mostPopular } from '../../../src/modules/recommendations/offline/index.js';

const buy = (user: string, item: string): Interaction => ({ user, item, at: null, purchased: true, stars: null });
const items = (ids: string[]): ItemInfo[] => ids.map((id) => ({ id, title: id, tags: [] }));

// u1 {a, b}, u2 {a, b, c}, u3 {c, d}: cos(a,b) = 2/√4 = 1, cos(a,c) = cos(b,c) = 1/√4, cos(c,d) = 1/√2, cos(a,d) = 0.
const data = {
  interactions: [buy('u1', 'a'), buy('u1', 'b'), buy('u2', 'a'), buy('u2', 'b'), buy('u2', 'c'), buy('u3', 'c'), buy('u3', 'd')],
  items: items(['a', 'b', 'c', 'd', 'e']),
  now: new Date(0),
};

describe('the most-popular baseline', () => {
  it('ranks by buyers, ties in catalogue order, without the learner’s own courses', async () => {
    const model = await mostPopular.train(data);

    expect(model.recommend('u1', 10)).toEqual(['c', 'd', 'e']);
    expect(model.recommend('u3', 2)).toEqual(['a', 'b']);
    expect(model.recommend('stranger', 3)).toEqual(['a', 'b', 'c']);
  });
});

describe('the plain item-kNN baseline', () => {
  it('scores a course by the sum of its cosine to the learner’s courses, and leaves out zero scores', async () => {
    const model = await itemKnn().train(data);

    expect(model.recommend('u1', 10)).toEqual(['c']); // 1/2 + 1/2; d shares no learner with a or b
    expect(model.recommend('u3', 10)).toEqual(['a', 'b']); // 1/2 each, tie in catalogue order
    expect(model.recommend('stranger', 10)).toEqual([]);
  });

  it('keeps only each course’s nearest neighbours', async () => {
    // With one neighbour, c keeps only d (1/√2 beats 1/2) and d keeps only c: nothing new for u3.
    const model = await itemKnn({ neighbours: 1 }).train(data);

    expect(model.recommend('u3', 10)).toEqual([]);
    expect(model.recommend('u2', 10)).toEqual(['d']);
  });

  it('uses no weights: a rating or a repeat purchase changes nothing', async () => {
    const rated = { ...data, interactions: data.interactions.map((x, i) => ({ ...x, stars: 1 + (i % 5), at: new Date(i * 86_400_000 * 400) })) };

    const plain = await itemKnn().train(data);
    const withRatings = await itemKnn().train(rated);

    for (const u of ['u1', 'u2', 'u3']) expect(withRatings.recommend(u, 10)).toEqual(plain.recommend(u, 10));
  });
});
