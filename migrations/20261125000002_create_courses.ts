import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('courses', (t) => {
    t.increments('id').primary();
    t.string('slug', 96).notNullable().unique();
    t.string('title', 80).notNullable();
    t.string('summary', 200).notNullable().defaultTo('');
    t.text('description').notNullable();
    t.integer('price_fen').unsigned().notNullable();
    t.string('category', 32).notNullable();
    // Comma-separated, lower-case; content-based recommendations read them as a set.
    t.string('tags', 255).notNullable().defaultTo('');
    t.tinyint('difficulty').unsigned().notNullable().defaultTo(1);
    t.string('cover_url', 500).nullable();
    t.enu('status', ['draft', 'published']).notNullable().defaultTo('draft');
    t.datetime('published_at', { precision: 3 }).nullable();
    t.datetime('created_at', { precision: 3 }).notNullable();
    t.datetime('updated_at', { precision: 3 }).notNullable();
    // The course list: published courses, newest first, optionally in one category.
    t.index(['status', 'published_at', 'id'], 'courses_status_published_idx');
    t.index(['status', 'category', 'published_at'], 'courses_status_category_idx');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('courses');
}
