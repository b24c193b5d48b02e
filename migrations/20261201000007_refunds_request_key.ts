import type { Knex } from 'knex';

// refunds.request_key: the one-time key of the confirmation page a creator's refund came from, unique,
// so submitting that confirmation twice (Back and resubmit, a double click) refunds once.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('refunds', (t) => {
    t.string('request_key', 64).nullable();
    t.unique(['request_key'], { indexName: 'refunds_request_key_uq' });
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('refunds', (t) => {
    t.dropUnique(['request_key'], 'refunds_request_key_uq');
    t.dropColumn('request_key');
  });
}
