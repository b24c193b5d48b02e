import type { Knex } from 'knex';
import type { Clock } from '../../platform/clock.js';
import type { LikeTarget, Reader } from './feedback.js';
import { createLikeRepository } from './like-repository.js';

export interface LikeState {
  liked: boolean;
  count: number;
}

/**
 * 点赞: the button says what it will do (like or unlike), so a double tap or a retried request lands
 * on the same state instead of toggling back. Callers check that the reader may see the target.
 */
export function createLikeService(deps: { db: Knex; clock: Clock }) {
  const likes = createLikeRepository();

  async function state(reader: Reader | null, target: LikeTarget, targetId: number): Promise<LikeState> {
    if (!reader) return { liked: false, count: await likes.count(deps.db, target, targetId) };
    const { count, mine } = await likes.countAndMine(deps.db, reader.id, target, targetId);
    return { liked: mine, count };
  }

  return {
    state,

    async set(reader: Reader, t: { target: LikeTarget; targetId: number; courseId: number }, liked: boolean): Promise<LikeState> {
      if (liked) await likes.add(deps.db, { userId: reader.id, target: t.target, targetId: t.targetId, courseId: t.courseId, now: deps.clock.now() });
      else await likes.remove(deps.db, reader.id, t.target, t.targetId);
      return state(reader, t.target, t.targetId);
    },
  };
}

export type LikeService = ReturnType<typeof createLikeService>;
