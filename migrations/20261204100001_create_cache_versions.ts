import type { Knex } from 'knex';

// One counter per in-process cache (the catalogue, recommendations): an edit bumps it, and every app
// process, checking this small table about once a second, clears its copy when a counter moved.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('cache_versions', (t) => {
    t.string('name', 64).primary();
    t.bigInteger('version').unsigned().notNullable();
    t.datetime('updated_at', { precision: 3 }).notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('cache_versions');
}
