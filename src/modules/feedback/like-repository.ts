import type { Knex } from 'knex';
import { insertIfAbsent, toCount } from '../../platform/db/index.js';
import type { LikeTarget } from './feedback.js';

export function createLikeRepository() {
  return {
    /** True when this request made the like; a repeat (a double tap, a parallel request) writes nothing. */
    async add(db: Knex, l: { userId: number; target: LikeTarget; targetId: number; courseId: number; now: Date }): Promise<boolean> {
      return insertIfAbsent(db, 'likes', { user_id: l.userId, target_type: l.target, target_id: l.targetId, course_id: l.courseId, created_at: l.now }, ['user_id', 'target_type', 'target_id']);
    },

    async remove(db: Knex, userId: number, target: LikeTarget, targetId: number): Promise<boolean> {
      return (await db('likes').where({ user_id: userId, target_type: target, target_id: targetId }).delete()) === 1;
    },

    /** The count is the rows themselves, so it can never drift from who liked. */
    async count(db: Knex, target: LikeTarget, targetId: number): Promise<number> {
      return toCount(await db('likes').where({ target_type: target, target_id: targetId }).count({ n: '*' }).first());
    },

    /** The count and whether `userId` is among them, in one statement (every page with a like button asks both). */
    async countAndMine(db: Knex, userId: number, target: LikeTarget, targetId: number): Promise<{ count: number; mine: boolean }> {
      const row = (await db('likes')
        .where({ target_type: target, target_id: targetId })
        .first(db.raw('count(*) as n'), db.raw('coalesce(sum(case when user_id = ? then 1 else 0 end), 0) as mine', [userId]))) as Record<string, unknown> | undefined;
      return { count: toCount(row), mine: toCount(row, 'mine') > 0 };
    },
  };
}
