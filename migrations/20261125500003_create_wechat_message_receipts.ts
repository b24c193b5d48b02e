import type { Knex } from 'knex';

// WeChat retries a message it got no answer for; the first process to insert the key answers it.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('wechat_message_receipts', (t) => {
    t.string('message_key', 128).primary();
    t.datetime('received_at', { precision: 3 }).notNullable().index('wechat_message_receipts_received_idx');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('wechat_message_receipts');
}
