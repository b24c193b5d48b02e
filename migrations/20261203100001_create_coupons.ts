import type { Knex } from 'knex';

// Coupons (优惠券), owned by commerce. A coupon is the campaign; a coupon_grants row is one learner's
// copy of it, from a code typed at checkout, a claim link or an admin grant. Money stays exact
// because every step is a conditional update backed by a unique key, on MySQL and SQLite alike:
// - coupons.issued_count counts the copies held (available, reserved, used, refunded); a copy is
//   issued only by `update … set issued_count = issued_count + 1 where issued_count < quantity`,
//   so a flash sale can never hand out more than `quantity`.
// - coupon_grants.slot numbers a learner's copies 1..per_learner under a unique key, so two
//   checkouts of one learner at once cannot both take their last copy. A released copy (its order
//   closed unpaid) gives its slot up (NULL) and its count back.
// - A copy moves available → reserved (order created) → used (order paid) → refunded (order fully
//   refunded: the copy is not given back). A reserved copy whose order closes goes back to
//   available when the learner claimed it, or is released to the pool when it came from a code.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('coupons', (t) => {
    t.increments('id').primary();
    t.string('name', 40).notNullable();
    // Typed at checkout; stored upper-case, matched case-insensitively.
    t.string('code', 32).nullable().unique('coupons_code_uq');
    // The claim link's secret: /coupons/claim/<token>.
    t.string('claim_token', 24).notNullable().unique('coupons_claim_token_uq');
    t.string('kind', 16).notNullable(); // amount | threshold | percent
    t.integer('amount_off_fen').unsigned().nullable();
    t.integer('threshold_fen').unsigned().nullable();
    // 8 折 is 20 (percent off); 100 makes the purchase free.
    t.integer('percent_off').unsigned().nullable();
    t.string('scope', 16).notNullable(); // all | courses | memberships
    // UTC instants; the forms take Beijing dates and times. NULL is open-ended.
    t.datetime('valid_from', { precision: 3 }).nullable();
    t.datetime('valid_until', { precision: 3 }).nullable();
    t.integer('quantity').unsigned().notNullable();
    t.integer('issued_count').unsigned().notNullable().defaultTo(0);
    t.integer('per_learner').unsigned().notNullable().defaultTo(1);
    t.string('status', 16).notNullable().defaultTo('active'); // active | paused | ended
    t.integer('created_by').unsigned().nullable();
    t.datetime('created_at', { precision: 3 }).notNullable();
    t.datetime('updated_at', { precision: 3 }).notNullable();
    t.index(['status', 'valid_until'], 'coupons_status_idx');
  });
  await knex.schema.createTable('coupon_courses', (t) => {
    t.integer('coupon_id').unsigned().notNullable().references('id').inTable('coupons').onDelete('CASCADE');
    t.integer('course_id').unsigned().notNullable().references('id').inTable('courses').onDelete('CASCADE');
    t.primary(['coupon_id', 'course_id']);
    t.index(['course_id'], 'coupon_courses_course_idx');
  });
  await knex.schema.createTable('coupon_grants', (t) => {
    t.increments('id').primary();
    t.integer('coupon_id').unsigned().notNullable().references('id').inTable('coupons');
    t.integer('user_id').unsigned().notNullable().references('id').inTable('users').onDelete('CASCADE');
    t.integer('slot').unsigned().nullable();
    t.string('source', 16).notNullable(); // code | link | admin
    t.string('status', 16).notNullable(); // available | reserved | used | refunded | released
    t.integer('order_id').unsigned().nullable();
    t.datetime('claimed_at', { precision: 3 }).notNullable();
    t.datetime('used_at', { precision: 3 }).nullable();
    t.datetime('updated_at', { precision: 3 }).notNullable();
    t.unique(['coupon_id', 'user_id', 'slot'], { indexName: 'coupon_grants_slot_uq' });
    t.index(['user_id', 'status'], 'coupon_grants_user_idx');
    t.index(['coupon_id', 'status'], 'coupon_grants_coupon_idx');
    t.index(['order_id'], 'coupon_grants_order_idx');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('coupon_grants');
  await knex.schema.dropTable('coupon_courses');
  await knex.schema.dropTable('coupons');
}
