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
