/**
 * The engine's vocabulary. It knows learners and courses only as string ids, so the same code ranks
 * the product's tables (`recs:build`) and plain CSV files (`recs:offline`, `recs:evaluate`).
 */

/** Everything one learner did with one course, gathered from the product's tables (or one CSV row). */
export interface Interaction {
  user: string;
  item: string;
  /** The latest signal's time; drives the decay. Null means "now" (no decay). */
  at: Date | null;
  /** Bought or joined, and not refunded since (a refund cancels the purchase signal). */
  purchased: boolean;
  /** Completed lessons / all lessons, 0..1. */
  completion?: number;
  seconds?: number;
  /** 1..5, or null when not rated. */
  stars?: number | null;
  liked?: boolean;
  commented?: boolean;
  views?: number;
}

export interface ItemInfo {
  id: string;
  title: string;
  summary?: string;
  description?: string;
  tags: string[];
  category?: string | null;
  difficulty?: number | null;
  /** False for a draft or unpublished course: it still teaches the model, it is never recommended. */
  recommendable?: boolean;
}

/** Implicit-feedback weights: how much each signal says "this learner wants courses like this". */
export interface SignalWeights {
  purchase: number;
  /** Times the completion ratio. */
  completion: number;
  /** Times ln(1 + minutes) / ln(61): an hour of study counts this much, ten hours about 1.8×. */
  studyTime: number;
  /** Times (stars − the learner's mean stars) / 2. */
  rating: number;
  like: number;
  comment: number;
  /** A view of the course page counts this much, further views add ln(views). */
  view: number;
  /** Days after which a signal counts half. */
  halfLifeDays: number;
}

export interface EngineConfig {
  weights: SignalWeights;
  /** `auto`: EASE^R while the catalogue has at most `denseMaxItems` courses, else item-kNN. */
  model: 'auto' | 'ease' | 'knn';
  denseMaxItems: number;
  /** EASE^R's ridge regulariser λ. */
  easeLambda: number;
  /** Item-kNN's shrinkage: cosine = co / (‖i‖‖j‖ + shrink), so pairs seen by few learners count less. */
  knnShrink: number;
  /** Neighbours kept per course for each kind. */
  neighbours: number;
  /** The learner data at which CF gets half of the blend (see ranker.ts). */
  blendLearnerHalf: number;
  /** The course data (learners) at which CF gets half of the blend. */
  blendItemHalf: number;
  /** Of the part CF does not take, the share content similarity gets; popularity gets the rest. */
  contentShare: number;
  /** At most this many courses of one category in a top 10. */
  categoryCap: number;
}

export type ReasonKind = 'pinned' | 'completed' | 'also' | 'studied' | 'next' | 'tag' | 'trending' | 'popular' | 'new';

export interface Reason {
  kind: ReasonKind;
  /** The learner's own course behind the reason (completed, also, studied). */
  item?: string;
  tag?: string;
}

export interface Recommendation {
  item: string;
  score: number;
  reason: Reason;
}
