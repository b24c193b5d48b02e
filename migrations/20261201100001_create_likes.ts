import type { Knex } from 'knex';

// 点赞 on a course or a lesson. One row per learner and target (the unique key makes a double tap or
// fifty parallel taps one like); the count is always count(*) of these rows, so it cannot drift.
// course_id is kept for lesson likes too, so "what did this learner like in this course, and when" and
// a course's likes over time are single index reads for analytics and recommendations.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('likes', (t) => {
    t.increments('id').primary();
    t.integer('user_id').unsigned().notNullable().references('id').inTable('users').onDelete('CASCADE');
    t.string('target_type', 8).notNullable(); // course | lesson
    t.integer('target_id').unsigned().notNullable();
    t.integer('course_id').unsigned().notNullable().references('id').inTable('courses').onDelete('CASCADE');
    t.datetime('created_at', { precision: 3 }).notNullable();
    t.unique(['user_id', 'target_type', 'target_id'], { indexName: 'likes_user_target_uq' });
    t.index(['target_type', 'target_id'], 'likes_target_idx');
    t.index(['user_id', 'created_at'], 'likes_user_time_idx');
    t.index(['course_id', 'created_at'], 'likes_course_time_idx');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('likes');
}
