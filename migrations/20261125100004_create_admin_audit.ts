import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('admin_audit', (t) => {
    t.increments('id').primary();
    // No foreign key: the trail outlives the accounts and records it mentions.
    t.integer('actor_user_id').unsigned().notNullable();
    t.string('action', 64).notNullable();
    t.string('entity_type', 32).notNullable();
    t.integer('entity_id').unsigned().notNullable();
    t.text('summary').notNullable();
    t.datetime('created_at', { precision: 3 }).notNullable();
    t.index(['entity_type', 'entity_id'], 'admin_audit_entity_idx');
    t.index(['created_at'], 'admin_audit_created_idx');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('admin_audit');
}
