import type { Knex } from 'knex';

/**
 * A learner's likes, comments, ratings, reports and notices. On erasure comments and reviews stay
 * for the conversation they are part of, under 已注销用户 (the account row's new name); everything
 * else about the person goes.
 */
export function createFeedbackPrivacy() {
  return {
    async personalData(db: Knex, userId: number) {
      return {
        likes: await db('likes').where({ user_id: userId }).orderBy('id').select('target_type', 'target_id', 'course_id', 'created_at'),
        comments: await db('comments').where({ user_id: userId }).orderBy('id').select('id', 'course_id', 'lesson_id', 'parent_id', 'body_md', 'status', 'created_at', 'edited_at'),
        ratings: await db('ratings').where({ user_id: userId }).orderBy('id').select('course_id', 'stars', 'review', 'status', 'reply_text', 'created_at', 'updated_at'),
        reports: await db('feedback_reports').where({ reporter_id: userId }).orderBy('id').select('target_type', 'target_id', 'reason', 'created_at'),
        notices: await db('feedback_notifications').where({ recipient_id: userId }).orderBy('id').select('kind', 'source_id', 'created_at', 'read_at'),
        ban: (await db('feedback_bans').where({ user_id: userId }).first('reason', 'created_at')) ?? null,
      };
    },
    async erase(trx: Knex, userId: number): Promise<void> {
      await trx('likes').where({ user_id: userId }).delete();
      await trx('feedback_reports').where({ reporter_id: userId }).delete();
      await trx('feedback_notifications').where({ recipient_id: userId }).delete();
      await trx('feedback_bans').where({ user_id: userId }).delete();
    },
  };
}
