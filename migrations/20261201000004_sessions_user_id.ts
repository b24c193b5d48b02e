import type { Knex } from 'knex';

// sessions.user_id: which account a session is logged in as, so changing a password can end every
// other session of that account (on every process). Existing logged-in sessions are backfilled.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('sessions', (t) => {
    t.integer('user_id').unsigned().nullable();
    t.index(['user_id'], 'sessions_user_idx');
  });
  const rows: { sid: string; sess: string }[] = await knex('sessions').select('sid', 'sess');
  for (const r of rows) {
    let userId: unknown;
    try {
      userId = (JSON.parse(r.sess) as { userId?: unknown }).userId;
    } catch {
      continue;
    }
    if (typeof userId === 'number') await knex('sessions').where({ sid: r.sid }).update({ user_id: userId });
  }
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('sessions', (t) => {
    t.dropIndex(['user_id'], 'sessions_user_idx');
    t.dropColumn('user_id');
  });
}
