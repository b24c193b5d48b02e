import type { Knex } from 'knex';

/** What analytics holds about one learner, for 我的数据, and its erasure. */
export function createAnalyticsPrivacy() {
  async function visitorIds(db: Knex, userId: number): Promise<string[]> {
    const a = await db('analytics_visitors').where({ user_id: userId }).pluck('visitor_id');
    const b = await db('analytics_events').where({ user_id: userId }).whereNotNull('visitor_id').distinct('visitor_id').pluck('visitor_id');
    return [...new Set([...a, ...b].map(String))];
  }

  return {
    async personalData(db: Knex, userId: number) {
      const visitors = await visitorIds(db, userId);
      return {
        shareCode: (await db('analytics_share_codes').where({ user_id: userId }).first('code', 'created_at')) ?? null,
        visitors: await db('analytics_visitors').whereIn('visitor_id', visitors.length ? visitors : ['']).select(),
        events: await db('analytics_events')
          .where((w) => w.where({ user_id: userId }).orWhereIn('visitor_id', visitors.length ? visitors : ['']))
          .orderBy('id')
          .select('occurred_at', 'type', 'course_id', 'lesson_id', 'order_id', 'source', 'medium', 'campaign', 'ua_class', 'referrer_class', 'path'),
      };
    },

    /** Every event and touch of the learner and of the browsers they used; the anonymous daily counts stay. */
    async erase(trx: Knex, userId: number): Promise<void> {
      const visitors = await visitorIds(trx, userId);
      await trx('analytics_events').where({ user_id: userId }).delete();
      for (let i = 0; i < visitors.length; i += 200) {
        const chunk = visitors.slice(i, i + 200);
        await trx('analytics_events').whereIn('visitor_id', chunk).delete();
        await trx('analytics_visitors').whereIn('visitor_id', chunk).delete();
        await trx('analytics_daily_actors').whereIn('actor', chunk.map((v) => `v:${v}`)).delete();
      }
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
