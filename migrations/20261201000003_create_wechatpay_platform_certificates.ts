import type { Knex } from 'knex';

// Certificate mode: the WeChat Pay platform certificates downloaded from /v3/certificates, shared by
// every app process, so one download (under a lease) serves them all and a restart needs none.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('wechatpay_platform_certificates', (t) => {
    t.string('serial_no', 64).primary();
    t.text('pem').notNullable();
    t.datetime('expires_at', { precision: 3 }).nullable();
    t.datetime('fetched_at', { precision: 3 }).notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('wechatpay_platform_certificates');
}
