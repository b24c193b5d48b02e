import type { Knex } from 'knex';

// Memberships (会员), owned by commerce. A plan opens all published courses or a set of them for
// 30, 90 or 365 days. Each paid plan order adds one period: it starts where the learner's last live
// period of that plan ends (or at payment), so buying early extends rather than overlaps. Access is
// read at request time (`starts_at <= now < ends_at`, not ended), so expiry needs no job. A refund
// ends its own period only (ended_at).
//
// Automatic renewal (委托代扣) needs WeChat Pay's separately approved contract product, so it is not
// built; membership_contracts holds the signed contract (contract_id, the plan WeChat knows), and a
// period made by a deduction would carry source = 'contract' with the contract's id instead of an
// order of ours. See src/modules/commerce/README.md.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('membership_plans', (t) => {
    t.increments('id').primary();
    t.string('name', 40).notNullable();
    t.string('description', 200).notNullable().defaultTo('');
    t.integer('price_fen').unsigned().notNullable();
    t.integer('period_days').unsigned().notNullable(); // 30 | 90 | 365
    t.string('scope', 16).notNullable(); // all | courses
    t.string('status', 16).notNullable().defaultTo('active'); // active | archived
    t.datetime('created_at', { precision: 3 }).notNullable();
    t.datetime('updated_at', { precision: 3 }).notNullable();
  });
  await knex.schema.createTable('membership_plan_courses', (t) => {
    t.integer('plan_id').unsigned().notNullable().references('id').inTable('membership_plans').onDelete('CASCADE');
    t.integer('course_id').unsigned().notNullable().references('id').inTable('courses').onDelete('CASCADE');
    t.primary(['plan_id', 'course_id']);
    t.index(['course_id'], 'membership_plan_courses_course_idx');
  });
  await knex.schema.createTable('membership_contracts', (t) => {
    t.increments('id').primary();
    t.integer('user_id').unsigned().notNullable().references('id').inTable('users').onDelete('CASCADE');
    t.integer('plan_id').unsigned().notNullable().references('id').inTable('membership_plans');
    // WeChat's contract id and our contract code, from the signing notification (papay).
    t.string('contract_id', 64).notNullable().unique('membership_contracts_contract_uq');
    t.string('contract_code', 32).notNullable().unique('membership_contracts_code_uq');
    t.string('status', 16).notNullable(); // signed | terminated
    t.datetime('signed_at', { precision: 3 }).notNullable();
    t.datetime('terminated_at', { precision: 3 }).nullable();
    t.datetime('next_deduct_at', { precision: 3 }).nullable();
    t.index(['status', 'next_deduct_at'], 'membership_contracts_due_idx');
  });
  await knex.schema.createTable('memberships', (t) => {
    t.increments('id').primary();
    t.integer('user_id').unsigned().notNullable().references('id').inTable('users').onDelete('CASCADE');
    t.integer('plan_id').unsigned().notNullable().references('id').inTable('membership_plans');
    t.string('source', 16).notNullable().defaultTo('order'); // order | contract (automatic renewal, not built)
    t.integer('order_id').unsigned().nullable().unique('memberships_order_uq');
    t.integer('contract_id').unsigned().nullable();
    t.datetime('starts_at', { precision: 3 }).notNullable();
    t.datetime('ends_at', { precision: 3 }).notNullable();
    t.datetime('ended_at', { precision: 3 }).nullable();
    t.string('ended_reason', 16).nullable();
    t.datetime('created_at', { precision: 3 }).notNullable();
    t.index(['user_id', 'ends_at'], 'memberships_user_idx');
    t.index(['plan_id', 'ends_at'], 'memberships_plan_idx');
    t.index(['ends_at'], 'memberships_ends_idx');
  });
  // One reminder per learner, plan, end date and kind (7 or 1 day): the unique key makes two
  // processes running the reminder job send it once.
  await knex.schema.createTable('membership_reminders', (t) => {
    t.increments('id').primary();
    t.integer('user_id').unsigned().notNullable().references('id').inTable('users').onDelete('CASCADE');
    t.integer('plan_id').unsigned().notNullable().references('id').inTable('membership_plans');
    t.datetime('ends_at', { precision: 3 }).notNullable();
    t.string('kind', 8).notNullable(); // 7d | 1d
    t.string('outcome', 16).notNullable(); // sent | failed | no_openid | no_template
    t.string('detail', 200).notNullable().defaultTo('');
    t.datetime('created_at', { precision: 3 }).notNullable();
    t.unique(['user_id', 'plan_id', 'ends_at', 'kind'], { indexName: 'membership_reminders_uq' });
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('membership_reminders');
  await knex.schema.dropTable('memberships');
  await knex.schema.dropTable('membership_contracts');
  await knex.schema.dropTable('membership_plan_courses');
  await knex.schema.dropTable('membership_plans');
}
