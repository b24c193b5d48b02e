// Times are stored in UTC and read by people in Beijing time: every page formats through here, so a
// "day" on a page is a Beijing day and nothing formats a date by hand.
const BEIJING_OFFSET_MS = 8 * 3600_000;

/** `2026-12-01T16:59:00.000Z`, read as the Beijing wall clock (see beijingDate for why arithmetic is enough). */
const beijingIso = (d: Date) => new Date(d.getTime() + BEIJING_OFFSET_MS).toISOString();

/** `2026-12-01 16:59` in Beijing time. */
export function beijingDateTime(d: Date): string {
  const iso = beijingIso(d);
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)}`;
}

/**
 * `2026-12-01`, the Beijing day. China has kept UTC+8 without daylight saving since 1991, so plain
 * arithmetic gives the same answer as the time-zone database, many times faster: reports call this
 * once per order and event.
 */
export function beijingDate(d: Date): string {
  return beijingIso(d).slice(0, 10);
}

/** `16:59` in Beijing time. */
export function beijingClock(d: Date): string {
  return beijingIso(d).slice(11, 16);
}

/**
 * A Beijing calendar day (`2026-12-01`) as the UTC instant it starts at, `plusDays` later; an
 * impossible day (02-30) or anything not shaped like a day is an invalid Date. Beijing keeps UTC+8
 * all year, so a day is always 24 hours.
 */
export function beijingDayStart(day: string, plusDays = 0): Date {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) return new Date(NaN);
  const start = new Date(`${day}T00:00:00+08:00`);
  // Date rolls 2026-02-30 over into March: only a day that reads back the same is a real one.
  if (Number.isNaN(start.getTime()) || new Date(start.getTime() + 8 * 3600_000).toISOString().slice(0, 10) !== day) return new Date(NaN);
  return new Date(start.getTime() + plusDays * 86_400_000);
}

/**
 * The first Beijing midnight at or after `d`. A membership runs to a midnight, so "有效期至 12 月 31 日"
 * means the whole of that day.
 */
export function beijingMidnightAtOrAfter(d: Date): Date {
  const day = 86_400_000;
  const local = d.getTime() + BEIJING_OFFSET_MS;
  return new Date(Math.ceil(local / day) * day - BEIJING_OFFSET_MS);
}
