import type { Interaction, SignalWeights } from './types.js';

const DAY_MS = 86_400_000;
const LN_61 = Math.log(61);

/**
 * Defaults chosen by `npm run recs:evaluate` on the synthetic catalogue (see the module README):
 * buying is the strongest word a learner says; finishing doubles it; study time and a like or a
 * comment add less, a bare view least. The half-life keeps last year's interests from outweighing
 * this month's.
 */
export const DEFAULT_WEIGHTS: SignalWeights = {
  purchase: 1,
  completion: 1,
  studyTime: 0.3,
  rating: 0.5,
  like: 0.4,
  comment: 0.4,
  view: 0.15,
  halfLifeDays: 180,
};

/** Each learner's mean stars, so a rating says "more than usual" or "less than usual". */
export function meanStarsByUser(interactions: readonly Interaction[]): Map<string, number> {
  const sums = new Map<string, { total: number; n: number }>();
  for (const i of interactions) {
    if (i.stars === null || i.stars === undefined) continue;
    const s = sums.get(i.user) ?? { total: 0, n: 0 };
    s.total += i.stars;
    s.n += 1;
    sums.set(i.user, s);
  }
  return new Map([...sums].map(([u, s]) => [u, s.total / s.n]));
}

/**
 * One learner–course pair as one implicit-feedback weight (0 means "no signal at all"). A rating
 * below the learner's own mean lowers the weight but never below zero: a learner who bought and
 * disliked a course still says nothing negative about similar courses to others.
 */
export function interactionWeight(i: Interaction, w: SignalWeights, meanStars: number | undefined, now: Date): number {
  return signalWeight(i, w, meanStars) * decay(i.at, now, w.halfLifeDays);
}

/** The weight before decay: what the pair says about which courses go together, whenever it happened. */
export function signalWeight(i: Interaction, w: SignalWeights, meanStars: number | undefined): number {
  let x = 0;
  if (i.purchased) x += w.purchase;
  if (i.completion) x += w.completion * Math.min(1, Math.max(0, i.completion));
  if (i.seconds && i.seconds > 0) x += (w.studyTime * Math.log1p(i.seconds / 60)) / LN_61;
  if (i.liked) x += w.like;
  if (i.commented) x += w.comment;
  if (i.views && i.views > 0) x += w.view * (1 + Math.log(i.views));
  if (i.stars !== null && i.stars !== undefined && meanStars !== undefined) x += (w.rating * (i.stars - meanStars)) / 2;
  return Math.max(0, x);
}

export function decay(at: Date | null, now: Date, halfLifeDays: number): number {
  if (at === null || halfLifeDays <= 0) return 1;
  const ageDays = Math.max(0, now.getTime() - at.getTime()) / DAY_MS;
  return Math.pow(0.5, ageDays / halfLifeDays);
}
