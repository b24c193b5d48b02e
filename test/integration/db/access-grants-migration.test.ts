import type { Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migratorConfig } from '../../../src/platform/db/index.js';
import { createCourse, createUser } from '../../support/factories.js';
import { openEmptyDatabase } from '../../support/test-db.js';

const GRANTS_MIGRATION = '20261201000001_create_access_grants';

let db: Knex;
let close: () => Promise<void>;
beforeAll(async () => {
  ({ db, close } = await openEmptyDatabase());
});
afterAll(async () => close());

/** Runs migrations one at a time until `name` is the next one to run. */
async function migrateUpTo(name: string): Promise<void> {
  for (;;) {
    const [, pending] = (await db.migrate.list(migratorConfig())) as [unknown, { file: string }[]];
    if (pending.length === 0 || pending[0]!.file.startsWith(name)) return;
    await db.migrate.up(migratorConfig());
  }
}

const order = (o: { userId: number; courseId: number; no: string; status: string }) => ({
  out_trade_no: o.no,
  user_id: o.userId,
  course_id: o.courseId,
  amount_fen: 9900,
  description: '知付课程-迁移',
  channel: 'native',
  status: o.status,
  refunded_fen: o.status === 'refunded' ? 9900 : 0,
  expires_at: new Date(),
  paid_at: o.status === 'pending' ? null : new Date(),
  created_at: new Date(),
  updated_at: new Date(),
});

describe('moving from one entitlement per course to one grant per source', () => {
  it('carries every row over and gives each still-paid order its own purchase grant', async () => {
    await migrateUpTo(GRANTS_MIGRATION);
    const twice = await createUser(db, { passwordHash: 'x' });
    const admin = await createUser(db, { passwordHash: 'x' });
    const course = await createCourse(db);
    await db('orders').insert([order({ userId: twice.id, courseId: course.id, no: 'MIGRATE0001', status: 'paid' }), order({ userId: twice.id, courseId: course.id, no: 'MIGRATE0002', status: 'paid' })]);
    const [a, b] = await db('orders').where({ user_id: twice.id }).orderBy('id').pluck('id');
    // The old table could hold only the first of the two payments.
    await db('entitlements').insert([
      { user_id: twice.id, course_id: course.id, source: 'purchase', source_order_id: a, granted_at: new Date(), revoked_at: null },
      { user_id: admin.id, course_id: course.id, source: 'admin_grant', source_order_id: null, granted_at: new Date(), revoked_at: new Date() },
    ]);

    await db.migrate.latest(migratorConfig());

    const grants = await db('access_grants').orderBy('id');
    expect(grants).toEqual([
      expect.objectContaining({ user_id: twice.id, source: 'purchase', source_key: `order:${a}`, order_id: a, revoked_at: null }),
      expect.objectContaining({ user_id: admin.id, source: 'admin_grant', source_key: 'admin', revoked_reason: 'legacy' }),
      expect.objectContaining({ user_id: twice.id, source: 'purchase', source_key: `order:${b}`, order_id: b, revoked_at: null }),
    ]);
    expect(grants[1]!.revoked_at).not.toBeNull();
  });

  it('rolls back to one row per learner and course, keeping the live one', async () => {
    // Undo everything from the grants migration on.
    for (;;) {
      const [done] = (await db.migrate.list(migratorConfig())) as [{ name: string }[], unknown];
      if (!done.some((m) => m.name.startsWith(GRANTS_MIGRATION))) break;
      await db.migrate.down(migratorConfig());
    }

    const rows = await db('entitlements').orderBy('id');
    expect(rows).toHaveLength(2);
    expect(rows.filter((r) => r.revoked_at === null)).toHaveLength(1);
    await db.migrate.latest(migratorConfig());
  });
});
