import { z } from 'zod';

/** The signals a weight can be given for, as `RECS_WEIGHTS=purchase=1,completion=1.5`. */
export const SIGNAL_NAMES = ['purchase', 'completion', 'studyTime', 'rating', 'like', 'comment', 'view'] as const;
export type SignalName = (typeof SIGNAL_NAMES)[number];

export interface RecommendationsConfig {
  /** 0: this process never builds on a schedule (another one, or `npm run recs:build`, does). */
  buildIntervalMs: number;
  model: 'auto' | 'ease' | 'knn';
  denseMaxItems: number;
  halfLifeDays: number;
  /** Only the weights set in the environment; the module's defaults fill in the rest. */
  weights: Partial<Record<SignalName, number>>;
  easeLambda: number;
  knnShrink: number;
  neighbours: number;
  incrementalMaxLearners: number;
  fullBuildEveryMs: number;
}

const wholeNumber = (fallback: number, min: number) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === '') return fallback;
      if (!/^\d+$/.test(v) || Number(v) < min) {
        ctx.addIssue({ code: 'custom', message: `must be a whole number of at least ${min}, got "${v}"` });
        return z.NEVER;
      }
      return Number(v);
    });

export const RecommendationsEnv = z.object({
  RECS_BUILD_INTERVAL_MINUTES: wholeNumber(60, 0),
  RECS_MODEL: z.enum(['auto', 'ease', 'knn']).default('auto'),
  RECS_DENSE_MAX_ITEMS: wholeNumber(2000, 1),
  RECS_HALF_LIFE_DAYS: wholeNumber(180, 1),
  RECS_WEIGHTS: z
    .string()
    .optional()
    .transform((v, ctx) => {
      const weights: Partial<Record<SignalName, number>> = {};
      for (const part of (v ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
        const m = /^([A-Za-z]+)=(\d+(?:\.\d+)?)$/.exec(part);
        if (!m || !(SIGNAL_NAMES as readonly string[]).includes(m[1]!)) {
          ctx.addIssue({ code: 'custom', message: `"${part}" is not name=number with a name among ${SIGNAL_NAMES.join(', ')}` });
          return z.NEVER;
        }
        weights[m[1] as SignalName] = Number(m[2]);
      }
      return weights;
    }),
  RECS_EASE_LAMBDA: wholeNumber(100, 1),
  RECS_KNN_SHRINK: wholeNumber(10, 0),
  RECS_NEIGHBOURS: wholeNumber(50, 1),
  RECS_INCREMENTAL_MAX_LEARNERS: wholeNumber(1000, 0),
  RECS_FULL_BUILD_HOURS: wholeNumber(24, 1),
});

export function recommendationsConfig(e: z.infer<typeof RecommendationsEnv>): RecommendationsConfig {
  return {
    buildIntervalMs: e.RECS_BUILD_INTERVAL_MINUTES * 60_000,
    model: e.RECS_MODEL,
    denseMaxItems: e.RECS_DENSE_MAX_ITEMS,
    halfLifeDays: e.RECS_HALF_LIFE_DAYS,
    weights: e.RECS_WEIGHTS,
    easeLambda: e.RECS_EASE_LAMBDA,
    knnShrink: e.RECS_KNN_SHRINK,
    neighbours: e.RECS_NEIGHBOURS,
    incrementalMaxLearners: e.RECS_INCREMENTAL_MAX_LEARNERS,
    fullBuildEveryMs: e.RECS_FULL_BUILD_HOURS * 3600_000,
  };
}
