import type { Knex } from 'knex';

// Every notification that reached the webhook, verified or not. No decrypted payload is kept: only
// what is needed to trace a payment (the order number and the outcome).
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('payment_notifications', (t) => {
    t.increments('id').primary();
    t.string('notification_id', 64).nullable().unique();
    t.string('event_type', 48).notNullable().defaultTo('');
    t.string('outcome', 32).notNullable();
    t.string('detail', 255).notNullable().defaultTo('');
    t.string('out_trade_no', 32).nullable();
    t.datetime('received_at', { precision: 3 }).notNullable();
    t.datetime('processed_at', { precision: 3 }).nullable();
    t.index(['received_at'], 'payment_notifications_received_idx');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('payment_notifications');
}
