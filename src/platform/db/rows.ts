import type { Knex } from 'knex';
import { isSqlite } from './knex-factory.js';

/** Timestamps come back as ms numbers from SQLite and as Dates from mysql2; both become Dates. */
export function toDate(value: unknown): Date {
  if (value instanceof Date) return value;
  if (typeof value === 'number') return new Date(value);
  if (typeof value === 'string') return new Date(/^\d+$/.test(value) ? Number(value) : value);
  throw new TypeError(`not a timestamp: ${String(value)}`);
}

export function toDateOrNull(value: unknown): Date | null {
  return value === null || value === undefined ? null : toDate(value);
}

/** `count(*)` is a number on SQLite and may be a string or bigint on MySQL. */
export function toCount(row: Record<string, unknown> | undefined, key = 'n'): number {
  return Number(row?.[key] ?? 0);
}

/** MySQL's ER_DUP_ENTRY: a unique or primary key already holds the value. */
const MYSQL_DUPLICATE_KEY = 1062;

/** A unique or primary key already held the value: MySQL's ER_DUP_ENTRY or SQLite's constraint codes. */
export function isDuplicateKey(err: unknown): boolean {
  const e = err as { errno?: number; code?: string } | null;
  return e?.errno === MYSQL_DUPLICATE_KEY || e?.code === 'SQLITE_CONSTRAINT_UNIQUE' || e?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/**
 * Inserts unless the unique key `conflict` already holds a row; true when a row was written.
 * Only a duplicate key is tolerated: a foreign-key or any other failure still throws. That rules out
 * MySQL's INSERT IGNORE, which turns those into warnings too, so on MySQL a plain insert whose
 * duplicate-key error is caught (it undoes only the statement, not the transaction). SQLite's
 * ON CONFLICT DO NOTHING covers uniqueness only; its last-insert id is stale after an ignored insert,
 * so it asks RETURNING whether a row was written.
 */
export async function insertIfAbsent(db: Knex, table: string, row: Record<string, unknown>, conflict: string[]): Promise<boolean> {
  if (isSqlite(db)) {
    const returned = (await db(table).insert(row).onConflict(conflict).ignore().returning(conflict[0]!)) as unknown[];
    return returned.length > 0;
  }
  try {
    await db(table).insert(row);
    return true;
  } catch (err) {
    if (isDuplicateKey(err)) return false;
    throw err;
  }
}

const MYSQL_DEADLOCK = 1213;
const DEADLOCK_ATTEMPTS = 3;

/**
 * Runs a whole transaction again when InnoDB chose it as a deadlock's victim: the victim's work is
 * already undone, and the MySQL manual's advice is to retry it. Row locks taken in different orders
 * by two transactions on one learner's rows (a payment notice and a refund, two deliveries of one
 * notice) are otherwise a 500 to WeChat and a retry minutes later. SQLite has one writer and never
 * deadlocks. `run` must be the transaction itself, nothing done outside it.
 */
export async function retryOnDeadlock<T>(run: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (err) {
      if ((err as { errno?: number } | null)?.errno !== MYSQL_DEADLOCK || attempt >= DEADLOCK_ATTEMPTS) throw err;
    }
  }
}
