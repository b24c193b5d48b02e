import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('orders', (t) => {
    t.increments('id').primary();
    t.string('out_trade_no', 32).notNullable().unique();
    t.integer('user_id').unsigned().notNullable().references('id').inTable('users');
    t.integer('course_id').unsigned().notNullable().references('id').inTable('courses');
    // Fixed from the server-side price when the order is created; never taken from the client.
    t.integer('amount_fen').unsigned().notNullable();
    t.string('description', 127).notNullable();
    t.enu('channel', ['jsapi', 'native', 'h5']).notNullable();
    t.enu('status', ['pending', 'paid', 'closed', 'failed', 'refunding', 'refunded']).notNullable();
    t.string('prepay_id', 64).nullable();
    t.string('code_url', 255).nullable();
    t.string('h5_url', 512).nullable();
    t.string('transaction_id', 32).nullable().unique();
    t.string('payer_openid', 128).nullable();
    t.integer('refunded_fen').unsigned().notNullable().defaultTo(0);
    t.datetime('expires_at', { precision: 3 }).notNullable();
    t.datetime('paid_at', { precision: 3 }).nullable();
    t.datetime('created_at', { precision: 3 }).notNullable();
    t.datetime('updated_at', { precision: 3 }).notNullable();
    t.index(['user_id', 'course_id', 'status'], 'orders_user_course_idx');
    // Reconciliation scans pending orders by age.
    t.index(['status', 'created_at'], 'orders_status_created_idx');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('orders');
}
