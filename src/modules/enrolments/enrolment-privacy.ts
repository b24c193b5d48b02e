import type { Knex } from 'knex';

/** Which courses a learner has or had, and why; erased with the account. */
export function createEnrolmentPrivacy() {
  return {
    async personalData(db: Knex, userId: number) {
      return db('access_grants').where({ user_id: userId }).orderBy('id').select('course_id', 'source', 'order_id', 'granted_at', 'revoked_at', 'revoked_reason');
    },
    async erase(trx: Knex, userId: number): Promise<void> {
      await trx('access_grants').where({ user_id: userId }).delete();
    },
  };
}
