import type { Knex } from 'knex';

// access_token and jsapi_ticket shared by every app process: each new fetch invalidates the previous
// token at WeChat, so exactly one process refreshes (under a job lease) and the others read it here.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('wechat_tokens', (t) => {
    t.string('name', 32).primary();
    t.string('value', 512).notNullable();
    t.datetime('expires_at', { precision: 3 }).notNullable();
    t.datetime('updated_at', { precision: 3 }).notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('wechat_tokens');
}
