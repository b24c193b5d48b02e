import type { Knex } from 'knex';

// Money events (order_paid, refund) are told to analytics after the payment commits and wait in a
// process's memory until the next batch write, so a process killed in between loses them. A repair
// pass writes the missing ones from orders and refunds; this key makes the two writers agree on one
// row per payment (`order_paid:<order id>`) and per settled refund (`refund:<order id>:<n>`, the
// n-th refund event of the order). NULL for every other event, which a unique key allows many times.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('analytics_events', (t) => {
    t.string('dedupe_key', 64).nullable();
    t.unique(['dedupe_key'], { indexName: 'analytics_events_dedupe_uq' });
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('analytics_events', (t) => {
    t.dropUnique(['dedupe_key'], 'analytics_events_dedupe_uq');
    t.dropColumn('dedupe_key');
  });
}
