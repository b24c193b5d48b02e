import type { Knex } from 'knex';

// State of the built-in WeChat Pay v3 simulator (src/modules/sandbox/wechatpay). These tables play
// WeChat's side: the app never reads or writes them, and they stay empty outside sandbox mode.
// Several app processes may run the sandbox against one MySQL, so every state change is a conditional
// update on these rows.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('sandbox_wechatpay_transactions', (t) => {
    t.increments('id').primary();
    t.string('mchid', 32).notNullable();
    t.string('appid', 32).notNullable();
    t.string('out_trade_no', 32).notNullable();
    t.string('trade_type', 16).notNullable();
    t.string('trade_state', 16).notNullable();
    t.string('description', 127).notNullable();
    t.string('attach', 128).nullable();
    t.string('notify_url', 255).notNullable();
    t.integer('total_fen').unsigned().notNullable();
    t.integer('refunded_fen').unsigned().notNullable().defaultTo(0);
    t.string('currency', 8).notNullable();
    t.string('payer_openid', 128).nullable();
    t.string('payer_client_ip', 45).nullable();
    t.datetime('time_expire', { precision: 3 }).nullable();
    // sha256 of the canonical request: an identical re-send gets the same prepay result.
    t.string('request_hash', 64).notNullable();
    t.string('prepay_id', 64).notNullable().unique();
    // The secret in code_url / h5_url / the pay page address.
    t.string('pay_token', 64).notNullable().unique();
    t.string('transaction_id', 32).nullable().unique();
    t.string('bank_type', 32).nullable();
    t.datetime('success_time', { precision: 3 }).nullable();
    t.datetime('prepay_expires_at', { precision: 3 }).notNullable();
    t.datetime('created_at', { precision: 3 }).notNullable();
    t.datetime('updated_at', { precision: 3 }).notNullable();
    t.unique(['mchid', 'out_trade_no'], { indexName: 'sandbox_wxp_tx_mchid_out_trade_no_uq' });
  });

  await knex.schema.createTable('sandbox_wechatpay_refunds', (t) => {
    t.increments('id').primary();
    t.string('mchid', 32).notNullable();
    t.string('refund_id', 32).notNullable().unique();
    t.string('out_refund_no', 64).notNullable();
    t.integer('transaction_row_id').unsigned().notNullable().references('id').inTable('sandbox_wechatpay_transactions');
    t.string('transaction_id', 32).notNullable();
    t.string('out_trade_no', 32).notNullable();
    t.string('reason', 80).nullable();
    t.string('notify_url', 255).nullable();
    t.integer('refund_fen').unsigned().notNullable();
    t.integer('total_fen').unsigned().notNullable();
    t.string('currency', 8).notNullable();
    t.string('status', 16).notNullable();
    t.string('request_hash', 64).notNullable();
    t.datetime('settle_at', { precision: 3 }).notNullable();
    t.datetime('success_time', { precision: 3 }).nullable();
    t.datetime('created_at', { precision: 3 }).notNullable();
    t.datetime('updated_at', { precision: 3 }).notNullable();
    t.unique(['mchid', 'out_refund_no'], { indexName: 'sandbox_wxp_refunds_mchid_out_refund_no_uq' });
    t.index(['status', 'settle_at'], 'sandbox_wxp_refunds_status_settle_idx');
  });

  await knex.schema.createTable('sandbox_wechatpay_notifications', (t) => {
    t.increments('id').primary();
    t.string('event_id', 64).notNullable().unique();
    t.string('mchid', 32).notNullable();
    t.string('event_type', 32).notNullable();
    t.string('out_trade_no', 32).notNullable();
    t.string('out_refund_no', 64).nullable();
    t.string('notify_url', 255).notNullable();
    // The encrypted envelope exactly as POSTed; it never holds the plaintext resource.
    t.text('body').notNullable();
    t.string('status', 16).notNullable();
    t.integer('attempts').unsigned().notNullable().defaultTo(0);
    t.datetime('next_attempt_at', { precision: 3 }).notNullable();
    t.string('claim_token', 36).nullable();
    t.datetime('claimed_until', { precision: 3 }).nullable();
    t.integer('last_http_status').nullable();
    t.string('last_error', 255).nullable();
    // Fault injection: extra copies after a success, and a WECHATPAY/SIGNTEST/ probe first.
    t.integer('duplicates').unsigned().notNullable().defaultTo(0);
    t.boolean('sign_probe').notNullable().defaultTo(false);
    t.integer('probe_http_status').nullable();
    t.datetime('delivered_at', { precision: 3 }).nullable();
    t.datetime('created_at', { precision: 3 }).notNullable();
    t.datetime('updated_at', { precision: 3 }).notNullable();
    t.index(['status', 'next_attempt_at'], 'sandbox_wxp_notif_status_next_idx');
    t.index(['out_trade_no'], 'sandbox_wxp_notif_out_trade_no_idx');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('sandbox_wechatpay_notifications');
  await knex.schema.dropTableIfExists('sandbox_wechatpay_refunds');
  await knex.schema.dropTableIfExists('sandbox_wechatpay_transactions');
}
