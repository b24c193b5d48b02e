import { readFile } from 'node:fs/promises';
import type { Interaction, ItemInfo } from '../engine/types.js';
import { csvRow, parseCsv, type CsvRecord } from './csv.js';
import { DataFileError } from './data-file-error.js';

/** What every offline tool trains on: the engine's own input shapes, read from CSV files. */
export interface OfflineData {
  interactions: Interaction[];
  items: ItemInfo[];
  /** The latest timestamp in the interactions, so time decay means the same on every run. */
  now: Date;
}

/** One line of a ratings file, before repeated (learner, course) lines are merged. */
export interface RatingRow {
  line: number;
  user: string;
  item: string;
  rating: number | null;
  at: Date | null;
}

export const RATINGS_HEADER = ['user_id', 'item_id', 'rating', 'timestamp'] as const;
export const ITEMS_HEADER = ['item_id', 'title', 'tags'] as const;
/** Columns an items file may add after the three required ones, in any order. */
export const ITEMS_OPTIONAL = ['category', 'difficulty', 'summary'] as const;

export function parseRatingsCsv(text: string, file: string): RatingRow[] {
  const records = parseCsv(text, file);
  checkHeader(records[0], RATINGS_HEADER, [], file);
  const rows: RatingRow[] = [];
  for (const r of records.slice(1)) {
    const f = fieldsOf(r, RATINGS_HEADER.length, file);
    const [user, item, rating, timestamp] = f.map((s) => s.trim()) as [string, string, string, string];
    if (user === '') throw new DataFileError(file, r.line, 'user_id is empty');
    if (item === '') throw new DataFileError(file, r.line, 'item_id is empty');
    rows.push({ line: r.line, user, item, rating: parseRating(rating, file, r.line), at: parseTimestamp(timestamp, file, r.line) });
  }
  return rows;
}

export function parseItemsCsv(text: string, file: string): ItemInfo[] {
  const records = parseCsv(text, file);
  const columns = checkHeader(records[0], ITEMS_HEADER, ITEMS_OPTIONAL, file);
  const items: ItemInfo[] = [];
  const seen = new Map<string, number>();
  for (const r of records.slice(1)) {
    const f = fieldsOf(r, columns.length, file);
    const get = (name: string) => f[columns.indexOf(name)];
    const id = f[0]!.trim();
    if (id === '') throw new DataFileError(file, r.line, 'item_id is empty');
    const first = seen.get(id);
    if (first !== undefined) throw new DataFileError(file, r.line, `item_id "${id}" already appears on line ${first}`);
    seen.set(id, r.line);
    const title = f[1]!.trim();
    const item: ItemInfo = {
      id,
      title: title === '' ? id : title,
      tags: f[2]!.split('|').map((t) => t.trim()).filter((t) => t !== ''),
    };
    const category = get('category')?.trim();
    if (category !== undefined) item.category = category === '' ? null : category;
    const difficulty = get('difficulty')?.trim();
    if (difficulty !== undefined) item.difficulty = parseDifficulty(difficulty, file, r.line);
    const summary = get('summary')?.trim();
    if (summary) item.summary = summary;
    items.push(item);
  }
  return items;
}

/**
 * One purchase per (learner, course): repeated lines merge into the latest time and the last rating
 * given, because a second line is usually the same purchase exported twice or a rating added later.
 * Without an items file the catalogue is what the ratings mention, titled by id.
 */
export function toOfflineData(rows: readonly RatingRow[], items: ItemInfo[] | null, ratingsFile: string, itemsFile = 'items.csv'): OfflineData {
  const known = items === null ? null : new Set(items.map((i) => i.id));
  const merged = new Map<string, Interaction>();
  const seenItems = new Map<string, ItemInfo>();
  let latest = Number.NEGATIVE_INFINITY;
  for (const r of rows) {
    if (known !== null && !known.has(r.item)) throw new DataFileError(ratingsFile, r.line, `item_id "${r.item}" is not in ${itemsFile}`);
    if (known === null && !seenItems.has(r.item)) seenItems.set(r.item, { id: r.item, title: r.item, tags: [] });
    if (r.at !== null) latest = Math.max(latest, r.at.getTime());
    const key = `${r.user}\u0000${r.item}`;
    const prev = merged.get(key);
    if (prev === undefined) {
      merged.set(key, { user: r.user, item: r.item, at: r.at, purchased: true, stars: r.rating });
      continue;
    }
    if (r.at !== null && (prev.at === null || r.at > prev.at)) prev.at = r.at;
    if (r.rating !== null) prev.stars = r.rating;
  }
  return {
    interactions: [...merged.values()],
    items: items ?? [...seenItems.values()],
    now: new Date(Number.isFinite(latest) ? latest : 0),
  };
}

/** Reads the ratings file and the optional items file the way every offline CLI does. */
export async function readOfflineData(ratingsPath: string, itemsPath?: string): Promise<OfflineData> {
  const items = itemsPath === undefined ? null : parseItemsCsv(await readText(itemsPath), itemsPath);
  return toOfflineData(parseRatingsCsv(await readText(ratingsPath), ratingsPath), items, ratingsPath, itemsPath);
}

export async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory, not a file' : `cannot read (${code ?? (err as Error).message})`;
    throw new DataFileError(path, null, why);
  }
}

/** The ratings file the generator writes and `recs:offline` reads back. */
export function formatRatingsCsv(rows: readonly { user: string; item: string; rating: number | null; timestamp: number | null }[]): string {
  const out = [csvRow(RATINGS_HEADER)];
  for (const r of rows) out.push(csvRow([r.user, r.item, r.rating ?? '', r.timestamp ?? '']));
  return out.join('');
}

export function formatItemsCsv(items: readonly ItemInfo[]): string {
  const out = [csvRow([...ITEMS_HEADER, ...ITEMS_OPTIONAL])];
  for (const i of items) out.push(csvRow([i.id, i.title, i.tags.join('|'), i.category ?? '', i.difficulty ?? '', i.summary ?? '']));
  return out.join('');
}

function checkHeader(record: CsvRecord | undefined, required: readonly string[], optional: readonly string[], file: string): string[] {
  const expected = required.join(',');
  if (record === undefined) throw new DataFileError(file, null, `the file is empty; the first line must be the header "${expected}"`);
  const names = record.fields.map((f) => f.trim());
  const extra = names.slice(required.length);
  const ok =
    required.every((name, i) => names[i] === name) &&
    extra.every((name, i) => optional.includes(name) && extra.indexOf(name) === i);
  if (!ok) {
    const allowed = optional.length > 0 ? ` (optionally followed by ${optional.join(', ')})` : '';
    throw new DataFileError(file, record.line, `the header must be "${expected}"${allowed}, got "${names.join(',')}"`);
  }
  return names;
}

function fieldsOf(r: CsvRecord, count: number, file: string): string[] {
  if (r.fields.length !== count) throw new DataFileError(file, r.line, `expected ${count} fields, got ${r.fields.length}`);
  return r.fields;
}

function parseRating(s: string, file: string, line: number): number | null {
  if (s === '') return null;
  const v = /^\d+(\.\d+)?$/.test(s) ? Number(s) : Number.NaN;
  if (!(v >= 1 && v <= 5)) throw new DataFileError(file, line, `rating must be 1–5 or empty, got "${s}"`);
  return v;
}

function parseDifficulty(s: string, file: string, line: number): number | null {
  if (s === '') return null;
  if (!/^[1-5]$/.test(s)) throw new DataFileError(file, line, `difficulty must be a whole number 1–5 or empty, got "${s}"`);
  return Number(s);
}

const ISO_8601 = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?(Z|[+-]\d{2}(?::?\d{2})?)?)?$/i;
// Later than this in seconds is year 5000+: almost certainly milliseconds.
const MAX_UNIX_SECONDS = 1e11;

/**
 * Unix seconds or ISO 8601, checked field by field: `Date.parse` alone would accept 30 February and
 * read a time without an offset as local time, so the same file would mean different things on
 * different machines. A time without an offset is UTC.
 */
export function parseTimestamp(s: string, file: string, line: number): Date | null {
  if (s === '') return null;
  const bad = (why = '') => new DataFileError(file, line, `timestamp must be unix seconds, ISO 8601 or empty, got "${s}"${why}`);
  if (/^\d+(\.\d+)?$/.test(s)) {
    const seconds = Number(s);
    if (seconds > MAX_UNIX_SECONDS) throw bad(' (milliseconds? use seconds)');
    return new Date(Math.round(seconds * 1000));
  }
  const m = ISO_8601.exec(s);
  if (!m) throw bad();
  const [year, month, day, hour = 0, minute = 0, second = 0] = m.slice(1, 7).map((x) => (x === undefined ? undefined : Number(x))) as number[];
  const fraction = m[7] === undefined ? 0 : Number(`0.${m[7]}`);
  const daysInMonth = new Date(Date.UTC(year!, month!, 0)).getUTCDate();
  if (month! < 1 || month! > 12 || day! < 1 || day! > daysInMonth || hour > 23 || minute > 59 || second > 59) throw bad(' (no such date or time)');
  let offsetMinutes = 0;
  const zone = m[8];
  if (zone !== undefined && zone.toUpperCase() !== 'Z') {
    const zm = /^([+-])(\d{2}):?(\d{2})?$/.exec(zone)!;
    const hours = Number(zm[2]);
    const minutes = Number(zm[3] ?? 0);
    if (hours > 23 || minutes > 59) throw bad(' (no such offset)');
    offsetMinutes = (zm[1] === '-' ? -1 : 1) * (hours * 60 + minutes);
  }
  const utc = Date.UTC(year!, month! - 1, day!, hour, minute, second) + Math.round(fraction * 1000) - offsetMinutes * 60_000;
  return new Date(utc);
}
