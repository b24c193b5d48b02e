import type { Knex } from 'knex';

// One row per background job: the process holding an unexpired lease runs it, the others skip.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('job_leases', (t) => {
    t.string('name', 64).primary();
    t.string('owner', 64).notNullable();
    t.datetime('expires_at', { precision: 3 }).notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('job_leases');
}
