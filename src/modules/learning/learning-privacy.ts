import type { Knex } from 'knex';

/** A learner's progress and study time per lesson; erased with the account. */
export function createLearningPrivacy() {
  return {
    async personalData(db: Knex, userId: number) {
      return db('lesson_progress').where({ user_id: userId }).orderBy('id').select('course_id', 'lesson_id', 'first_opened_at', 'last_opened_at', 'seconds_studied', 'completed_at');
    },
    async erase(trx: Knex, userId: number): Promise<void> {
      await trx('lesson_progress').where({ user_id: userId }).delete();
    },
  };
}
