import type { Knex } from 'knex';

// Moderation: who reported which comment or review (one report per person and item, so one person
// cannot push an item up the queue), and who may no longer post (one row per banned learner).
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('feedback_reports', (t) => {
    t.increments('id').primary();
    t.string('target_type', 8).notNullable(); // comment | rating
    t.integer('target_id').unsigned().notNullable();
    t.integer('reporter_id').unsigned().notNullable().references('id').inTable('users').onDelete('CASCADE');
    t.string('reason', 200).notNullable();
    t.datetime('created_at', { precision: 3 }).notNullable();
    t.unique(['target_type', 'target_id', 'reporter_id'], { indexName: 'feedback_reports_uq' });
  });
  await knex.schema.createTable('feedback_bans', (t) => {
    t.integer('user_id').unsigned().primary().references('id').inTable('users').onDelete('CASCADE');
    t.integer('banned_by').unsigned().notNullable();
    t.string('reason', 200).notNullable();
    t.datetime('created_at', { precision: 3 }).notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('feedback_bans');
  await knex.schema.dropTable('feedback_reports');
}
