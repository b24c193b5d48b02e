import type { Knex } from 'knex';

// Every order records how its amount came about: the list price, the discount and the coupon copy
// used (amount_fen = list_price_fen − discount_fen, what WeChat is asked for and checked against).
// An order buys either a course or a membership plan (plan_id, course_id then NULL). A 100%-off
// coupon makes an order of 0 fen that is paid at once with no WeChat call (no transaction_id): the
// creator still sees the sale and its discount.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('orders', (t) => {
    t.integer('course_id').unsigned().nullable().alter();
    t.integer('plan_id').unsigned().nullable().references('id').inTable('membership_plans');
    t.integer('list_price_fen').unsigned().nullable();
    t.integer('discount_fen').unsigned().notNullable().defaultTo(0);
    t.integer('coupon_id').unsigned().nullable();
    t.integer('coupon_grant_id').unsigned().nullable();
    t.index(['user_id', 'plan_id', 'status'], 'orders_user_plan_idx');
    t.index(['coupon_id'], 'orders_coupon_idx');
  });
  await knex('orders').whereNull('list_price_fen').update({ list_price_fen: knex.ref('amount_fen') });
}

export async function down(knex: Knex): Promise<void> {
  // Rows the old shape cannot hold: membership orders (no course) go, with their refunds.
  const planOrders = knex('orders').whereNotNull('plan_id').select('id');
  await knex('refunds').whereIn('order_id', planOrders).delete();
  await knex('orders').whereNotNull('plan_id').delete();
  await knex.schema.alterTable('orders', (t) => {
    t.dropIndex(['coupon_id'], 'orders_coupon_idx');
    t.dropIndex(['user_id', 'plan_id', 'status'], 'orders_user_plan_idx');
    t.dropForeign(['plan_id']);
    t.dropColumn('plan_id');
    t.dropColumn('list_price_fen');
    t.dropColumn('discount_fen');
    t.dropColumn('coupon_id');
    t.dropColumn('coupon_grant_id');
  });
  await knex.schema.alterTable('orders', (t) => {
    t.integer('course_id').unsigned().notNullable().alter();
  });
}
