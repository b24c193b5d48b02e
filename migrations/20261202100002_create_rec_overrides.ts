import type { Knex } from 'knex';

// The creator's say over recommendations: a pinned course leads every list it may appear in, an
// excluded one appears in none. Applied when serving, so a change shows at once.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('rec_overrides', (t) => {
    t.integer('course_id').unsigned().primary().references('id').inTable('courses').onDelete('CASCADE');
    t.string('mode', 8).notNullable(); // pin | exclude
    t.integer('updated_by').unsigned().nullable();
    t.datetime('updated_at', { precision: 3 }).notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('rec_overrides');
}
