import type { Knex } from 'knex';

// Attribution that outlives the raw events: each visitor's first and last touch (where they came
// from), and the opaque share code of each learner who shares a link (?s=CODE), so "A shared, B
// bought" can be counted without putting a user id in a URL.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('analytics_visitors', (t) => {
    t.string('visitor_id', 32).primary();
    t.integer('user_id').unsigned().nullable();
    t.string('first_source', 16).notNullable();
    t.string('first_medium', 32).nullable();
    t.integer('first_sharer_id').unsigned().nullable();
    t.datetime('first_at', { precision: 3 }).notNullable();
    t.string('last_source', 16).notNullable();
    t.string('last_medium', 32).nullable();
    t.integer('last_sharer_id').unsigned().nullable();
    t.datetime('last_at', { precision: 3 }).notNullable();
    t.index(['user_id'], 'analytics_visitors_user_idx');
  });
  await knex.schema.createTable('analytics_share_codes', (t) => {
    t.integer('user_id').unsigned().primary().references('id').inTable('users').onDelete('CASCADE');
    t.string('code', 16).notNullable().unique();
    t.datetime('created_at', { precision: 3 }).notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('analytics_share_codes');
  await knex.schema.dropTable('analytics_visitors');
}
