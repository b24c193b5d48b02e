import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('lessons', (t) => {
    t.increments('id').primary();
    t.integer('course_id').unsigned().notNullable().references('id').inTable('courses').onDelete('CASCADE');
    // Order within the course; reordering rewrites positions, lesson ids (and progress) stay.
    t.integer('position').unsigned().notNullable();
    t.string('title', 80).notNullable();
    t.text('body_md', 'mediumtext').notNullable();
    t.string('media_url', 500).nullable();
    t.integer('duration_seconds').unsigned().nullable();
    t.boolean('is_free_preview').notNullable().defaultTo(false);
    t.datetime('created_at', { precision: 3 }).notNullable();
    t.datetime('updated_at', { precision: 3 }).notNullable();
    t.index(['course_id', 'position'], 'lessons_course_position_idx');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('lessons');
}
