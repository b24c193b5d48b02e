import type { Knex } from 'knex';

// 留言 under a lesson, threaded one level deep: a reply's parent_id is always a top-level comment, and
// reply_to_user_id names whom it answers. status: published | held (a keyword matched, waiting for an
// admin) | hidden (by an admin) | deleted (by its author or an admin; the body is cleared). Reports are
// counted here so the moderation queue is one index read.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('comments', (t) => {
    t.increments('id').primary();
    t.integer('course_id').unsigned().notNullable().references('id').inTable('courses').onDelete('CASCADE');
    t.integer('lesson_id').unsigned().notNullable().references('id').inTable('lessons').onDelete('CASCADE');
    t.integer('user_id').unsigned().notNullable().references('id').inTable('users').onDelete('CASCADE');
    t.integer('parent_id').unsigned().nullable().references('id').inTable('comments').onDelete('CASCADE');
    t.integer('reply_to_user_id').unsigned().nullable();
    t.text('body_md').notNullable();
    t.string('status', 12).notNullable();
    t.string('held_reason', 64).nullable();
    t.integer('report_count').unsigned().notNullable().defaultTo(0);
    t.datetime('created_at', { precision: 3 }).notNullable();
    t.datetime('edited_at', { precision: 3 }).nullable();
    t.datetime('moderated_at', { precision: 3 }).nullable();
    // A one-time key from the form, so the same form posted twice (a double tap) is one comment.
    t.string('form_key', 36).nullable();
    t.unique(['user_id', 'form_key'], { indexName: 'comments_form_key_uq' });
    t.index(['lesson_id', 'parent_id', 'status', 'created_at'], 'comments_lesson_idx');
    t.index(['parent_id', 'created_at'], 'comments_parent_idx');
    t.index(['user_id', 'created_at'], 'comments_user_time_idx');
    t.index(['course_id', 'created_at'], 'comments_course_time_idx');
    t.index(['status', 'report_count'], 'comments_queue_idx');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('comments');
}
