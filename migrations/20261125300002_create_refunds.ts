import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('refunds', (t) => {
    t.increments('id').primary();
    t.string('out_refund_no', 64).notNullable().unique();
    t.integer('order_id').unsigned().notNullable().references('id').inTable('orders');
    t.integer('amount_fen').unsigned().notNullable();
    t.string('reason', 80).notNullable().defaultTo('');
    t.enu('status', ['pending', 'processing', 'succeeded', 'closed', 'abnormal']).notNullable();
    t.string('refund_id', 64).nullable();
    t.integer('requested_by').unsigned().nullable();
    t.datetime('succeeded_at', { precision: 3 }).nullable();
    t.datetime('created_at', { precision: 3 }).notNullable();
    t.datetime('updated_at', { precision: 3 }).notNullable();
    t.index(['order_id'], 'refunds_order_idx');
    t.index(['status', 'created_at'], 'refunds_status_idx');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('refunds');
}
