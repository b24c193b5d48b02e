import type { Knex } from 'knex';

// Rate-limit counters shared by every app process, so a limit holds however many processes run.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('rate_limits', (t) => {
    t.string('bucket', 191).primary();
    t.integer('hits').unsigned().notNullable();
    t.datetime('reset_at', { precision: 3 }).notNullable().index('rate_limits_reset_at_idx');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('rate_limits');
}
