// Recommendations: content-based plus collaborative ranking with a true reason for every pick.
// Owns rec_* tables; reads purchases, access, progress, ratings, likes, comments and course views
// from their modules' tables (never writes them). The engine (engine/) is pure computation shared
// by the batch and the offline tools.
import type { Knex } from 'knex';
import type { RecommendationsConfig } from '../../config/recommendations-config.js';
import type { CacheVersions } from '../../platform/cache-versions.js';
import type { Clock } from '../../platform/clock.js';
import type { Logger } from '../../platform/logger.js';
import type { AuditService } from '../audit/index.js';
import type { CourseService } from '../catalog/index.js';
import { createRecsBuilder } from './build-job.js';
import { DEFAULT_ENGINE_CONFIG, DEFAULT_WEIGHTS } from './engine/index.js';
import { createRecommendations } from './recommendation-service.js';
import type { RecsSettings } from './settings.js';

export { createRecommendationPrivacy } from './recommendation-privacy.js';
export type { RecommendedCourse, Recommendations } from './recommendation-service.js';
export type { BuildResult, RecsBuilder } from './build-job.js';

/** The environment's settings over the defaults the offline evaluation chose. */
export function recsSettings(c: RecommendationsConfig): RecsSettings {
  return {
    engine: {
      ...DEFAULT_ENGINE_CONFIG,
      weights: { ...DEFAULT_WEIGHTS, ...c.weights, halfLifeDays: c.halfLifeDays },
      model: c.model,
      denseMaxItems: c.denseMaxItems,
      easeLambda: c.easeLambda,
      knnShrink: c.knnShrink,
      neighbours: c.neighbours,
    },
    listSize: 30,
    intervalMs: c.buildIntervalMs,
    incrementalMaxLearners: c.incrementalMaxLearners,
    fullEveryMs: c.fullBuildEveryMs,
  };
}

/** The batch alone (`recs:build`, benchmarks). */
export function createRecsBuild(deps: { db: Knex; clock: Clock; log: Logger; config: RecommendationsConfig; onBuilt?: () => void }) {
  return createRecsBuilder({ db: deps.db, clock: deps.clock, log: deps.log, settings: recsSettings(deps.config), onBuilt: deps.onBuilt });
}

/** Serving and the batch of one process: a model this process swaps in is served at once. */
export function createRecommendationsModule(deps: { db: Knex; clock: Clock; log: Logger; courses: CourseService; audit: AuditService; config: RecommendationsConfig; versions?: CacheVersions }) {
  const service = createRecommendations({ db: deps.db, clock: deps.clock, log: deps.log, courses: deps.courses, audit: deps.audit, versions: deps.versions });
  return { service, builder: createRecsBuild({ ...deps, onBuilt: () => void service.forgetServed() }) };
}
