import type { Knex } from 'knex';

// State of the built-in Official Account simulator (src/modules/sandbox/official-account): test WeChat
// users, OAuth codes, access tokens / tickets, the last custom menu and call counters. These tables play
// WeChat's side: the app never reads or writes them, and they stay empty outside sandbox mode.
// Several app processes may share one MySQL, so state changes are conditional updates on these rows.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('sandbox_wechat_users', (t) => {
    t.increments('id').primary();
    t.string('appid', 32).notNullable();
    t.string('openid', 64).notNullable().unique();
    t.string('unionid', 64).notNullable().unique();
    t.string('nickname', 64).notNullable();
    t.string('headimgurl', 1024).nullable();
    t.datetime('created_at', { precision: 3 }).notNullable();
    t.index(['appid', 'created_at'], 'sandbox_wx_users_appid_created_idx');
  });

  await knex.schema.createTable('sandbox_wechat_codes', (t) => {
    t.increments('id').primary();
    t.string('code', 64).notNullable().unique();
    t.string('appid', 32).notNullable();
    t.string('scope', 32).notNullable();
    t.string('openid', 64).notNullable();
    t.boolean('is_snapshotuser').notNullable().defaultTo(false);
    t.datetime('expires_at', { precision: 3 }).notNullable();
    // Set once, by a conditional update: a code is exchanged at most once.
    t.datetime('used_at', { precision: 3 }).nullable();
    t.datetime('created_at', { precision: 3 }).notNullable();
  });

  await knex.schema.createTable('sandbox_wechat_tokens', (t) => {
    t.increments('id').primary();
    // oauth (web authorisation), client (/cgi-bin/token), stable (/cgi-bin/stable_token), jsapi_ticket
    t.string('kind', 16).notNullable();
    t.string('token', 160).notNullable().unique();
    t.string('appid', 32).notNullable();
    // Stable tokens are numbered per appid; the unique key makes racing processes agree on one.
    t.string('series', 64).nullable().unique();
    t.string('openid', 64).nullable();
    t.string('scope', 32).nullable();
    t.boolean('is_snapshotuser').notNullable().defaultTo(false);
    t.string('refresh_token', 160).nullable().unique();
    t.datetime('refresh_expires_at', { precision: 3 }).nullable();
    t.datetime('expires_at', { precision: 3 }).notNullable();
    // Superseded or revoked: from this moment the token answers 40001 (not 42001, which is expiry).
    t.datetime('invalid_after', { precision: 3 }).nullable();
    t.datetime('created_at', { precision: 3 }).notNullable();
    t.index(['appid', 'kind', 'created_at'], 'sandbox_wx_tokens_appid_kind_idx');
  });

  await knex.schema.createTable('sandbox_wechat_menus', (t) => {
    t.string('appid', 32).primary();
    t.text('menu_json').notNullable();
    t.datetime('created_at', { precision: 3 }).notNullable();
    t.datetime('updated_at', { precision: 3 }).notNullable();
  });

  await knex.schema.createTable('sandbox_wechat_counters', (t) => {
    t.string('name', 64).primary();
    t.integer('value').unsigned().notNullable().defaultTo(0);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('sandbox_wechat_counters');
  await knex.schema.dropTableIfExists('sandbox_wechat_menus');
  await knex.schema.dropTableIfExists('sandbox_wechat_tokens');
  await knex.schema.dropTableIfExists('sandbox_wechat_codes');
  await knex.schema.dropTableIfExists('sandbox_wechat_users');
}
