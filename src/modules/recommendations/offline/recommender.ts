import type { Interaction, ItemInfo } from '../engine/types.js';

export interface TrainingData {
  interactions: readonly Interaction[];
  items: readonly ItemInfo[];
  now: Date;
}

/** A trained model as the offline tools see it: top k course ids, never one the learner has in train. */
export interface TrainedRecommender {
  recommend(user: string, k: number): string[];
}

/** What evaluation compares: the product's engine and the baselines, behind one shape. */
export interface OfflineRecommender {
  name: string;
  train(data: TrainingData, onProgress?: (done: number, total: number, stage: string) => void): Promise<TrainedRecommender>;
}
