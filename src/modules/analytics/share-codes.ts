import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import type { Clock } from '../../platform/clock.js';
import { insertIfAbsent } from '../../platform/db/index.js';

/**
 * Each learner's share code: opaque (random, not their id), made the first time they share, and
 * the same afterwards, so every link they share counts for them.
 */
export function createShareCodes(deps: { db: Knex; clock: Clock }) {
  return {
    async codeFor(userId: number): Promise<string> {
      const found = await deps.db('analytics_share_codes').where({ user_id: userId }).first('code');
      if (found) return String(found.code);
      await insertIfAbsent(deps.db, 'analytics_share_codes', { user_id: userId, code: randomBytes(6).toString('base64url'), created_at: deps.clock.now() }, ['user_id']);
      return String((await deps.db('analytics_share_codes').where({ user_id: userId }).first('code')).code);
    },
  };
}

export type ShareCodes = ReturnType<typeof createShareCodes>;
