import type { Knex } from 'knex';

/** The lists computed for a learner (derived from their signals); erased with the account. */
export function createRecommendationPrivacy() {
  return {
    async personalData(db: Knex, userId: number) {
      const rows = (await db('rec_learner_lists').where({ user_id: userId }).orderBy('model_id').select('model_id', 'items', 'computed_at')) as Record<string, unknown>[];
      return rows.map((r) => ({ model_id: r.model_id, computed_at: r.computed_at, courses: (JSON.parse(String(r.items)) as unknown[][]).map((p) => ({ course_id: p[0], reason: p[2] })) }));
    },
    async erase(trx: Knex, userId: number): Promise<void> {
      await trx('rec_learner_lists').where({ user_id: userId }).delete();
    },
  };
}
