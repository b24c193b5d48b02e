import type { Knex } from 'knex';

// One row per learner and course: the unique key makes racing grants (a repeated payment notification,
// a double-clicked enrol) leave a single row. Revoking sets revoked_at; granting again clears it.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('entitlements', (t) => {
    t.increments('id').primary();
    t.integer('user_id').unsigned().notNullable().references('id').inTable('users').onDelete('CASCADE');
    t.integer('course_id').unsigned().notNullable().references('id').inTable('courses').onDelete('CASCADE');
    t.enu('source', ['free', 'purchase', 'admin_grant']).notNullable();
    t.integer('source_order_id').unsigned().nullable();
    t.datetime('granted_at', { precision: 3 }).notNullable();
    t.datetime('revoked_at', { precision: 3 }).nullable();
    t.unique(['user_id', 'course_id'], { indexName: 'entitlements_user_course_uq' });
    t.index(['course_id', 'revoked_at'], 'entitlements_course_idx');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('entitlements');
}
