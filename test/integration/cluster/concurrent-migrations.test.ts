import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDatabaseUrl, type DatabaseConfig } from '../../../src/config/config.js';
import { MIGRATIONS_DIR, openDatabase } from '../../../src/platform/db/index.js';
import { createTestDatabase } from '../../support/test-db.js';

// Every worker of `npm run start:cluster` (and every replica of a deployment) migrates at start, so
// several processes meet on one fresh database at the same moment.
const ROOT = path.resolve(import.meta.dirname, '../../..');
const PROCESSES = 3;

async function migrate(url: string): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/cli/migrate.ts'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, DATABASE_URL: url, LOG_LEVEL: 'warn', SEED_DEMO_DATA: 'never' },
      timeout: 120_000,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

let url: string;
let db: Knex;
let drop: () => Promise<void>;
beforeAll(async () => {
  const testDb = await createTestDatabase();
  url = testDb.url;
  drop = testDb.drop;
  db = openDatabase(parseDatabaseUrl(url, 2, ROOT) as DatabaseConfig);
});
afterAll(async () => {
  await db.destroy();
  await drop();
});

describe('migrations started by several processes at once on one fresh database', () => {
  it('all exit 0, one of them applies every migration, each is recorded once and the schema is complete', async () => {
    const results = await Promise.all(Array.from({ length: PROCESSES }, () => migrate(url)));

    for (const r of results) expect(r, r.stderr).toMatchObject({ code: 0 });
    expect(results.filter((r) => r.stdout.includes('Applied:'))).toHaveLength(1);
    const expected = readdirSync(MIGRATIONS_DIR).filter((f) => /^\d{14}_.+\.(ts|js)$/.test(f)).sort().map((f) => f.replace(/\.(ts|js)$/, ''));
    const recorded = (await db('knex_migrations').orderBy('id').pluck('name')) as string[];
    expect(recorded).toEqual(expected);
    expect(await db('knex_migrations_lock').select('is_locked')).toEqual([{ is_locked: 0 }]);
    // The last migration's tables exist, and so does one from the first.
    for (const table of ['users', 'cache_versions', 'rec_overrides']) expect(await db.schema.hasTable(table), table).toBe(true);
  });
});
