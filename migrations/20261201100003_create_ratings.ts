import type { Knex } from 'knex';

// 评分: one per learner and course (the unique key), 1-5 stars with an optional review, editable;
// created_at stays the first rating's time and updated_at moves with each edit. The creator may reply
// once (reply_text is set only while it is null). status: published | held | hidden, as comments.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('ratings', (t) => {
    t.increments('id').primary();
    t.integer('user_id').unsigned().notNullable().references('id').inTable('users').onDelete('CASCADE');
    t.integer('course_id').unsigned().notNullable().references('id').inTable('courses').onDelete('CASCADE');
    t.tinyint('stars').unsigned().notNullable();
    t.text('review').nullable();
    t.string('status', 12).notNullable();
    t.string('held_reason', 64).nullable();
    t.integer('report_count').unsigned().notNullable().defaultTo(0);
    t.text('reply_text').nullable();
    t.integer('reply_user_id').unsigned().nullable();
    t.datetime('replied_at', { precision: 3 }).nullable();
    t.datetime('created_at', { precision: 3 }).notNullable();
    t.datetime('updated_at', { precision: 3 }).notNullable();
    t.datetime('moderated_at', { precision: 3 }).nullable();
    t.unique(['user_id', 'course_id'], { indexName: 'ratings_user_course_uq' });
    t.index(['course_id', 'status', 'updated_at'], 'ratings_course_idx');
    t.index(['user_id', 'updated_at'], 'ratings_user_time_idx');
    t.index(['status', 'report_count'], 'ratings_queue_idx');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('ratings');
}
