import type { Knex } from 'knex';

// WeChat login: the unionid when WeChat gives one (same person across the creator's apps), and the
// avatar from snsapi_userinfo.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('users', (t) => {
    t.string('wechat_unionid', 64).nullable().unique();
    t.string('avatar_url', 500).nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('users', (t) => {
    t.dropUnique(['wechat_unionid']);
    t.dropColumn('wechat_unionid');
    t.dropColumn('avatar_url');
  });
}
