import { mkdirSync } from 'node:fs';
import path from 'node:path';
import knex, { type Knex } from 'knex';
import type { DatabaseConfig } from '../../config/config.js';
import { createLru } from '../lru.js';

export type Db = Knex;

/** Compiled statements kept per connection: the app sends a few hundred distinct SQL texts. */
const KEPT_STATEMENTS = 500;

/**
 * knex prepares every query afresh, and compiling a statement costs SQLite about as much as running
 * it (a third of a signed-in page's database time). A better-sqlite3 statement can be run again as
 * soon as it returned, and knex only ever calls all() and run(), which return at once: so each
 * connection keeps its recent statements by SQL text, the least recently used going first.
 */
function keepStatements(conn: { prepare(sql: string): unknown }): void {
  const prepare = conn.prepare.bind(conn);
  const kept = createLru<unknown>(KEPT_STATEMENTS);
  conn.prepare = (sql: string) => {
    const hit = kept.get(sql);
    if (hit !== undefined) return hit;
    const statement = prepare(sql);
    kept.set(sql, statement);
    return statement;
  };
}

/** Per-connection settings that make SQLite behave like the MySQL we run in production. */
function sqliteAfterCreate(conn: { pragma(sql: string): unknown; prepare(sql: string): unknown }, done: (err: Error | null, conn: unknown) => void) {
  conn.pragma('journal_mode = WAL');
  conn.pragma('foreign_keys = ON');
  conn.pragma('busy_timeout = 5000');
  conn.pragma('synchronous = NORMAL');
  keepStatements(conn);
  done(null, conn);
}

export function knexConfig(db: DatabaseConfig): Knex.Config {
  if (db.client === 'sqlite') {
    return {
      client: 'better-sqlite3',
      connection: { filename: db.filename },
      useNullAsDefault: true,
      // better-sqlite3 is synchronous: one connection serialises writes the way SQLite wants them.
      pool: { min: 1, max: 1, afterCreate: sqliteAfterCreate },
    };
  }
  const url = new URL(db.url);
  return {
    client: 'mysql2',
    connection: {
      host: url.hostname,
      port: url.port ? Number(url.port) : 3306,
      user: decodeURIComponent(url.username),
      password: decodeURIComponent(url.password),
      database: decodeURIComponent(url.pathname.slice(1)),
      charset: 'utf8mb4',
      // Times are stored in UTC: the driver converts JS Dates to and from UTC DATETIMEs.
      timezone: 'Z',
      supportBigNumbers: true,
    },
    pool: { min: 0, max: db.poolMax },
  };
}

/** Opens the database; the embedded SQLite file and its folder are created on first use. */
export function openDatabase(db: DatabaseConfig): Db {
  if (db.client === 'sqlite' && db.filename !== ':memory:') {
    mkdirSync(path.dirname(db.filename), { recursive: true });
  }
  return knex(knexConfig(db));
}

export function isSqlite(db: Knex): boolean {
  return db.client.config.client === 'better-sqlite3';
}
