import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import knex, { type Knex } from 'knex';
import { parseDatabaseUrl, type DatabaseConfig } from '../../src/config/config.js';
import { openDatabase } from '../../src/platform/db/index.js';

/**
 * A clean database for one test file: a fresh SQLite file by default, or a fresh MySQL/MariaDB
 * database when TEST_DATABASE_URL=mysql://… is set. `drop()` removes it.
 */
export async function createTestDatabase(): Promise<{ url: string; dialect: 'sqlite' | 'mysql'; drop(): Promise<void> }> {
  const base = process.env.TEST_DATABASE_URL;
  if (base?.startsWith('mysql://')) {
    const name = `zhifu_t_${randomBytes(6).toString('hex')}`;
    const server = new URL(base);
    const admin = knex({
      client: 'mysql2',
      connection: { host: server.hostname, port: Number(server.port || 3306), user: decodeURIComponent(server.username), password: decodeURIComponent(server.password) },
      pool: { min: 0, max: 1 },
    });
    await admin.raw(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
    const url = new URL(base);
    url.pathname = `/${name}`;
    return {
      url: url.toString(),
      dialect: 'mysql',
      async drop() {
        await admin.raw(`DROP DATABASE IF EXISTS \`${name}\``);
        await admin.destroy();
      },
    };
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'zhifu-test-'));
  return {
    url: `sqlite:${path.join(dir, 'test.db')}`,
    dialect: 'sqlite',
    async drop() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export type TestDb = Knex;

/** A fresh, empty database (not migrated) opened through the app's own knex factory, for migration tests. */
export async function openEmptyDatabase(): Promise<{ db: Knex; dialect: 'sqlite' | 'mysql'; close(): Promise<void> }> {
  const testDb = await createTestDatabase();
  const db = openDatabase(parseDatabaseUrl(testDb.url, 2, process.cwd()) as DatabaseConfig);
  return {
    db,
    dialect: testDb.dialect,
    async close() {
      await db.destroy();
      await testDb.drop();
    },
  };
}
