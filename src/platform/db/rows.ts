import type { Knex } from 'knex';

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

/**
 * Inserts unless the unique key `conflict` already holds a row; true when a row was written.
 * The two drivers report this differently: MySQL's INSERT IGNORE affects no row, while SQLite's
 * last-insert id is stale after an ignored insert, so SQLite asks RETURNING instead.
 */
export async function insertIfAbsent(db: Knex, table: string, row: Record<string, unknown>, conflict: string[]): Promise<boolean> {
  const q = db(table).insert(row).onConflict(conflict).ignore();
  if (db.client.config.client === 'better-sqlite3') {
    const returned = (await q.returning(conflict[0]!)) as unknown[];
    return returned.length > 0;
  }
  // insertId is 0 for tables without an auto-increment key even when a row was written: ask the
  // server how many rows the statement affected instead.
  const { sql, bindings } = q.toSQL().toNative();
  const [header] = (await db.raw(sql, bindings)) as [{ affectedRows: number }];
  return header.affectedRows > 0;
}
