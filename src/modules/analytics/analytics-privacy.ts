import type { Knex } from 'knex';
import { toDateOrNull } from '../../platform/db/index.js';

/** Events that stand for money: kept, without the person, so sources and sharers still add up to revenue. */
const ACCOUNTING_EVENTS = ['order_created', 'order_paid', 'refund'];

/**
 * What analytics holds about one learner, for 我的数据, and its erasure. Only rows that name the
 * learner count as theirs: a browser shared with someone else (a family phone) must not hand one
 * person's anonymous visits to another, in an export or in an erasure.
 */
export function createAnalyticsPrivacy() {
  return {
    async personalData(db: Knex, userId: number) {
      const code = await db('analytics_share_codes').where({ user_id: userId }).first('code', 'created_at');
      return {
        shareCode: code ? { code: String(code.code), createdAt: toDateOrNull(code.created_at) } : null,
        visitors: await db('analytics_visitors').where({ user_id: userId }).select('visitor_id', 'first_source', 'first_medium', 'first_at', 'last_source', 'last_medium', 'last_at'),
        events: await db('analytics_events').where({ user_id: userId }).orderBy('id').select('occurred_at', 'type', 'course_id', 'lesson_id', 'order_id', 'source', 'medium', 'campaign', 'ua_class', 'referrer_class', 'path'),
      };
    },

    async erase(trx: Knex, userId: number): Promise<void> {
      await trx('analytics_events').where({ user_id: userId }).whereNotIn('type', ACCOUNTING_EVENTS).delete();
      await trx('analytics_events').where({ user_id: userId }).update({ user_id: null, visitor_id: null, path: null });
      await trx('analytics_visitors').where({ user_id: userId }).delete();
      await trx('analytics_daily_actors').where({ actor: `u:${userId}` }).delete();
      await trx('analytics_share_codes').where({ user_id: userId }).delete();
      // Others' events name this learner as their sharer: the link stays counted, the person does not.
      await trx('analytics_events').where({ sharer_id: userId }).update({ sharer_id: null });
      await trx('analytics_events').where({ first_sharer_id: userId }).update({ first_sharer_id: null });
      await trx('analytics_visitors').where({ first_sharer_id: userId }).update({ first_sharer_id: null });
      await trx('analytics_visitors').where({ last_sharer_id: userId }).update({ last_sharer_id: null });
    },
  };
}
