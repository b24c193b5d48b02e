import type { Knex } from 'knex';

// Every template message (模板消息) the Official Account sandbox accepted, so tests and people can see
// what the app would have pushed to WeChat users. WeChat's side, like the other sandbox tables: the app
// never reads or writes it, and it stays empty outside sandbox mode.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('sandbox_oa_template_messages', (t) => {
    t.increments('id').primary();
    // WeChat's msgid is a 64-bit integer (19 digits, beyond what a JS number holds exactly): kept as text.
    t.string('msgid', 20).notNullable().unique();
    t.string('touser', 64).notNullable();
    t.string('template_id', 64).notNullable();
    t.string('url', 2048).nullable();
    // The `data` object exactly as the caller sent it: {key: {value, color?}}.
    t.text('data_json').notNullable();
    // A repeat of (touser, client_msg_id) within 10 minutes answers the first msgid and adds no row.
    t.string('client_msg_id', 128).nullable();
    t.datetime('created_at', { precision: 3 }).notNullable();
    t.index(['touser', 'client_msg_id'], 'sandbox_oa_tmsg_touser_idx');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('sandbox_oa_template_messages');
}
