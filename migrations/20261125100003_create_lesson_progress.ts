import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('lesson_progress', (t) => {
    t.increments('id').primary();
    t.integer('user_id').unsigned().notNullable().references('id').inTable('users').onDelete('CASCADE');
    t.integer('lesson_id').unsigned().notNullable().references('id').inTable('lessons').onDelete('CASCADE');
    // Denormalised so "progress in this course" and completion-weighted recommendations need no join.
    t.integer('course_id').unsigned().notNullable().references('id').inTable('courses').onDelete('CASCADE');
    t.datetime('first_opened_at', { precision: 3 }).notNullable();
    t.datetime('last_opened_at', { precision: 3 }).notNullable();
    // When study time was last counted; the next beacon may add at most the time since then.
    t.datetime('last_active_at', { precision: 3 }).notNullable();
    t.integer('seconds_studied').unsigned().notNullable().defaultTo(0);
    t.datetime('completed_at', { precision: 3 }).nullable();
    t.unique(['user_id', 'lesson_id'], { indexName: 'lesson_progress_user_lesson_uq' });
    t.index(['user_id', 'course_id'], 'lesson_progress_user_course_idx');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('lesson_progress');
}
