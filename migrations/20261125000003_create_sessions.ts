import type { Knex } from 'knex';

// Sessions live in the database so any app process can serve any request.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('sessions', (t) => {
    t.string('sid', 128).primary();
    t.text('sess').notNullable();
    t.datetime('expires_at', { precision: 3 }).notNullable().index('sessions_expires_at_idx');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('sessions');
}
