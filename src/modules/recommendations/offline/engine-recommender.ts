import { DEFAULT_ENGINE_CONFIG, recommender, trainModel, type EngineConfig } from '../engine/index.js';
import type { OfflineRecommender } from './recommender.js';

/**
 * The product's own engine, unchanged, behind the offline shape: what `recs:offline` writes and
 * `recs:evaluate` scores is exactly what `recs:build` would serve for the same signals.
 */
export function engineRecommender(config: EngineConfig = DEFAULT_ENGINE_CONFIG): OfflineRecommender {
  return {
    name: 'engine',
    async train(data, onProgress) {
      const rank = recommender(await trainModel(data, config, onProgress), config);
      return { recommend: (user, k) => rank(user, { k }).map((r) => r.item) };
    },
  };
}
