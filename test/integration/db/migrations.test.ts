import { readdirSync } from 'node:fs';
import type { Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDatabaseUrl, type DatabaseConfig } from '../../../src/config/config.js';
import { MIGRATIONS_DIR, migratorConfig, openDatabase } from '../../../src/platform/db/index.js';
import { createTestDatabase } from '../../support/test-db.js';

const FOUNDATION_TABLES = ['users', 'courses', 'sessions', 'rate_limits'];
const KNEX_TABLES = ['knex_migrations', 'knex_migrations_lock'];

/** Every table in the database, sorted, whichever dialect this run uses. */
async function tables(db: Knex, dialect: 'sqlite' | 'mysql'): Promise<string[]> {
  if (dialect === 'sqlite') {
    const rows: { name: string }[] = await db('sqlite_master').where({ type: 'table' }).andWhereNot('name', 'like', 'sqlite_%').select('name');
    return rows.map((r) => r.name).sort();
  }
  const [rows] = (await db.raw('select table_name as name from information_schema.tables where table_schema = database()')) as [{ name: string }[]];
  return rows.map((r) => r.name).sort();
}

let db: Knex;
let dialect: 'sqlite' | 'mysql';
let drop: () => Promise<void>;
beforeAll(async () => {
  const testDb = await createTestDatabase();
  dialect = testDb.dialect;
  drop = testDb.drop;
  db = openDatabase(parseDatabaseUrl(testDb.url, 2, process.cwd()) as DatabaseConfig);
});
afterAll(async () => {
  await db.destroy();
  await drop();
});

describe('migrations', () => {
  // One sequence on one database: each step starts from where the previous one left it.
  it('create the foundation tables on an empty database, record every file without its extension, drop them all on rollback and run again', async () => {
    expect(await tables(db, dialect)).toEqual([]);

    await db.migrate.latest(migratorConfig());
    const afterLatest = await tables(db, dialect);
    const recorded = (await db('knex_migrations').orderBy('id').pluck('name')) as string[];

    expect(afterLatest).toEqual(expect.arrayContaining([...FOUNDATION_TABLES, ...KNEX_TABLES]));
    expect(recorded).toEqual(readdirSync(MIGRATIONS_DIR).filter((f) => /^\d{14}_.+\.(ts|js)$/.test(f)).sort().map((f) => f.replace(/\.(ts|js)$/, '')));

    await db.migrate.rollback(migratorConfig(), true);
    expect(await tables(db, dialect)).toEqual(KNEX_TABLES);
    expect(Number((await db('knex_migrations').count({ n: '*' }).first())?.n)).toBe(0);

    await db.migrate.latest(migratorConfig());
    expect(await tables(db, dialect)).toEqual(afterLatest);
  });

  it('has nothing left to run once it is up to date', async () => {
    await db.migrate.latest(migratorConfig());

    const [, applied] = (await db.migrate.latest(migratorConfig())) as [number, string[]];

    expect(applied).toEqual([]);
  });
});
