import type { EngineConfig } from './engine/index.js';

export interface RecsSettings {
  engine: EngineConfig;
  /** Picks stored per learner: more than shown, so owned and excluded ones can be dropped when serving. */
  listSize: number;
  /** 0: no scheduled builds in this process. */
  intervalMs: number;
  /** An incremental run ranks at most this many changed learners; more means a full build. */
  incrementalMaxLearners: number;
  /** A full build at least this often, whatever changed (deletions leave no timestamp). */
  fullEveryMs: number;
}
