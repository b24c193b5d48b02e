import type { Knex } from 'knex';

// users.erased_at: when the person erased their account (注销账号). The row stays, anonymous, so the
// orders kept for accounting still point at a user; nothing else about the person remains.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('users', (t) => {
    t.datetime('erased_at', { precision: 3 }).nullable();
  });
}

// A plain DROP COLUMN on both dialects: knex rebuilds a SQLite table to drop a column, which the
// foreign keys pointing at users refuse.
export async function down(knex: Knex): Promise<void> {
  await knex.raw('alter table users drop column erased_at');
}
