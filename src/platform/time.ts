// Times are stored in UTC and read by people in Beijing time: every page formats through here, so a
// "day" on a page is a Beijing day and nothing formats a date by hand.
const PARTS = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'Asia/Shanghai',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
});

function parts(d: Date): Record<string, string> {
  return Object.fromEntries(PARTS.formatToParts(d).map((p) => [p.type, p.value]));
}

/** `2026-12-01 16:59` in Beijing time. */
export function beijingDateTime(d: Date): string {
  const p = parts(d);
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`;
}

/** `2026-12-01`, the Beijing day. */
export function beijingDate(d: Date): string {
  const p = parts(d);
  return `${p.year}-${p.month}-${p.day}`;
}

/** `16:59` in Beijing time. */
export function beijingClock(d: Date): string {
  const p = parts(d);
  return `${p.hour}:${p.minute}`;
}
