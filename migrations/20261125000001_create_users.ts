import type { Knex } from 'knex';

// username and password_hash stay nullable: accounts created through WeChat login have neither until
// the learner sets them. Usernames are stored lower-cased so uniqueness means the same on both dialects.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('users', (t) => {
    t.increments('id').primary();
    t.string('username', 32).nullable().unique();
    t.string('password_hash', 255).nullable();
    t.string('nickname', 64).notNullable();
    t.enu('role', ['learner', 'admin']).notNullable().defaultTo('learner');
    t.string('wechat_openid', 64).nullable().unique();
    t.datetime('created_at', { precision: 3 }).notNullable();
    t.datetime('updated_at', { precision: 3 }).notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('users');
}
