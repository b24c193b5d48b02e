import type { Knex } from 'knex';

// orders.payable_key holds "<user_id>:<course_id>" while an order can still be paid and is cleared when
// it leaves `pending`: the unique key lets a learner hold at most one payable order per course, even
// when a desktop QR checkout and an in-WeChat checkout race. orders.flag marks a payment that needs a
// person's eyes (a second payment for an owned course, a payment WeChat reports already refunded).
// refunds.origin says who started a refund: the creator (merchant), WeChat's merchant console
// (console, known to us only from its notification) or our own duplicate-payment refund (auto).
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('orders', (t) => {
    t.string('payable_key', 32).nullable();
    t.string('flag', 32).nullable();
    t.unique(['payable_key'], { indexName: 'orders_payable_key_uq' });
  });
  // The newest pending order of each learner and course keeps its slot; older ones just expire.
  const pending: Record<string, unknown>[] = await knex('orders').where({ status: 'pending' }).orderBy('id', 'desc').select('id', 'user_id', 'course_id');
  const seen = new Set<string>();
  for (const o of pending) {
    const key = `${String(o.user_id)}:${String(o.course_id)}`;
    if (seen.has(key)) continue;
    seen.add(key);
    await knex('orders').where({ id: o.id }).update({ payable_key: key });
  }
  await knex.schema.alterTable('refunds', (t) => {
    t.string('origin', 16).notNullable().defaultTo('merchant');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('refunds', (t) => {
    t.dropColumn('origin');
  });
  await knex.schema.alterTable('orders', (t) => {
    t.dropUnique(['payable_key'], 'orders_payable_key_uq');
    t.dropColumn('payable_key');
    t.dropColumn('flag');
  });
}
