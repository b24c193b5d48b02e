import type { Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertIfAbsent, migrateLatest } from '../../../src/platform/db/index.js';
import { createCourse, createUser } from '../../support/factories.js';
import { openEmptyDatabase } from '../../support/test-db.js';

let db: Knex;
let close: () => Promise<void>;
beforeAll(async () => {
  ({ db, close } = await openEmptyDatabase());
  await migrateLatest(db);
});
afterAll(async () => close());

const grant = (userId: number, courseId: number) => ({ user_id: userId, course_id: courseId, source: 'free', source_key: 'free', granted_at: new Date() });

describe('insertIfAbsent', () => {
  it('writes a row once and reports the duplicate as nothing written', async () => {
    const user = await createUser(db, { passwordHash: 'x' });
    const course = await createCourse(db);

    const first = await insertIfAbsent(db, 'access_grants', grant(user.id, course.id), ['user_id', 'course_id', 'source_key']);
    const second = await insertIfAbsent(db, 'access_grants', grant(user.id, course.id), ['user_id', 'course_id', 'source_key']);

    expect([first, second]).toEqual([true, false]);
    expect(await db('access_grants').where({ user_id: user.id })).toHaveLength(1);
  });

  it('throws on a foreign-key violation instead of swallowing it as a duplicate (no INSERT IGNORE)', async () => {
    const course = await createCourse(db);

    await expect(insertIfAbsent(db, 'access_grants', grant(987654321, course.id), ['user_id', 'course_id', 'source_key'])).rejects.toThrow();
    expect(await db('access_grants').where({ user_id: 987654321 })).toHaveLength(0);
  });

  it('keeps a transaction usable after a duplicate, so the rest of it still commits', async () => {
    const user = await createUser(db, { passwordHash: 'x' });
    const course = await createCourse(db);
    await insertIfAbsent(db, 'access_grants', grant(user.id, course.id), ['user_id', 'course_id', 'source_key']);

    await db.transaction(async (trx) => {
      expect(await insertIfAbsent(trx, 'access_grants', grant(user.id, course.id), ['user_id', 'course_id', 'source_key'])).toBe(false);
      await trx('access_grants').insert({ ...grant(user.id, course.id), source: 'admin_grant', source_key: 'admin' });
    });

    expect(await db('access_grants').where({ user_id: user.id }).orderBy('id').pluck('source_key')).toEqual(['free', 'admin']);
  });
});
