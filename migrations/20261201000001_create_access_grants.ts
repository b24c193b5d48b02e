import type { Knex } from 'knex';

// Access is the union of its sources: one row per learner, course and source (each paid order, the
// admin grant, the free enrolment, later a membership). A refund ends only its own order's row, so a
// second payment or an admin grant keeps the learner in. The unique key makes a repeated grant of the
// same source (a notification delivered twice) leave one row on MySQL and SQLite alike.
//
// The rows of the old one-per-course `entitlements` table are carried over, and every order that is
// still paid gets its own purchase row: the old table could hold only one of a learner's payments.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('access_grants', (t) => {
    t.increments('id').primary();
    t.integer('user_id').unsigned().notNullable().references('id').inTable('users').onDelete('CASCADE');
    t.integer('course_id').unsigned().notNullable().references('id').inTable('courses').onDelete('CASCADE');
    t.string('source', 16).notNullable(); // purchase | admin_grant | free | membership
    t.string('source_key', 64).notNullable(); // order:<id> | admin | free | membership:<id>
    t.integer('order_id').unsigned().nullable();
    t.datetime('granted_at', { precision: 3 }).notNullable();
    t.datetime('revoked_at', { precision: 3 }).nullable();
    t.string('revoked_reason', 32).nullable();
    t.unique(['user_id', 'course_id', 'source_key'], { indexName: 'access_grants_source_uq' });
    t.index(['course_id', 'revoked_at'], 'access_grants_course_idx');
    t.index(['order_id'], 'access_grants_order_idx');
  });

  const old: Record<string, unknown>[] = await knex('entitlements').select();
  const keyOf = (r: Record<string, unknown>) =>
    r.source === 'purchase' ? (r.source_order_id === null ? 'purchase:legacy' : `order:${String(r.source_order_id)}`) : r.source === 'admin_grant' ? 'admin' : 'free';
  for (const r of old) {
    await knex('access_grants').insert({
      user_id: r.user_id,
      course_id: r.course_id,
      source: r.source,
      source_key: keyOf(r),
      order_id: r.source === 'purchase' ? r.source_order_id : null,
      granted_at: r.granted_at,
      revoked_at: r.revoked_at,
      revoked_reason: r.revoked_at === null ? null : 'legacy',
    });
  }
  const paid: Record<string, unknown>[] = await knex('orders').whereIn('status', ['paid', 'refunding']).select('id', 'user_id', 'course_id', 'paid_at', 'created_at');
  for (const o of paid) {
    const key = `order:${String(o.id)}`;
    const exists = await knex('access_grants').where({ user_id: o.user_id, course_id: o.course_id, source_key: key }).first('id');
    if (exists) continue;
    await knex('access_grants').insert({ user_id: o.user_id, course_id: o.course_id, source: 'purchase', source_key: key, order_id: o.id, granted_at: o.paid_at ?? o.created_at, revoked_at: null });
  }
  await knex.schema.dropTable('entitlements');
}

export async function down(knex: Knex): Promise<void> {
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
  // One row per learner and course: a live source if there is one, else the latest revoked one.
  const rows: Record<string, unknown>[] = await knex('access_grants').whereNot('source', 'membership').orderBy('id');
  const pick = new Map<string, Record<string, unknown>>();
  for (const r of rows) {
    const k = `${String(r.user_id)}:${String(r.course_id)}`;
    const cur = pick.get(k);
    if (!cur || (cur.revoked_at !== null && (r.revoked_at === null || Number(r.id) > Number(cur.id)))) pick.set(k, r);
  }
  for (const r of pick.values()) {
    await knex('entitlements').insert({ user_id: r.user_id, course_id: r.course_id, source: r.source, source_order_id: r.order_id, granted_at: r.granted_at, revoked_at: r.revoked_at });
  }
  await knex.schema.dropTable('access_grants');
}
