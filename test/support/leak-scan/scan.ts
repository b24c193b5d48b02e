// Reads every byte a person (or a proxy) receives, headers included, for canaries and for the
// strings that identify the person asking.
import { allowed, type Place } from './allowed.js';
import type { Exchange, Person } from './http-client.js';
import { sharedCacheMayStore } from './proxy-cache.js';
import type { Canary } from './world.js';

/** Everything received, as one text: status line, every header (Location, Set-Cookie…), the body. */
export function received(x: Exchange): string {
  const headers = Object.entries(x.headers).map(([k, v]) => `${k}: ${v}`);
  const text = [`${x.status}`, ...headers, ...x.setCookies.map((c) => `set-cookie: ${c}`), x.body].join('\n');
  // A Location or a cookie may carry text percent-encoded; the scan reads it decoded too.
  const decoded = text.replace(/%[0-9a-f]{2}/gi, (m) => String.fromCharCode(parseInt(m.slice(1), 16)));
  return `${text}\n${decoded}`.toLowerCase();
}

export function canariesIn(x: Exchange, canaries: Canary[]): Canary[] {
  const text = received(x);
  return canaries.filter((c) => text.includes(c.token.toLowerCase()));
}

const where = (p: Place, x: Exchange) => `${p.person} ${x.method} ${x.url} → ${x.status}`;

/** Canaries this person may not see at this place. */
export function leaks(x: Exchange, p: Place, canaries: Canary[]): string[] {
  return canariesIn(x, canaries)
    .filter((c) => !allowed(c, p))
    .map((c) => `${where(p, x)}: ${c.kind} canary from ${c.field} (${c.token})`);
}

/** Pages that depend on who is asking, whoever asks: never stored by anyone but the browser, and not there either. */
export const PERSONAL_ROUTE = /^\/(me|orders|admin)(\/|\.|$)|^\/courses\/:slug\/lessons\//;

/** What a shared cache could do wrong with this response. */
export function cacheProblems(x: Exchange, p: Place, who: Person, canaries: Canary[]): string[] {
  const problems: string[] = [];
  const cc = x.headers['cache-control'] ?? '(none)';
  if (x.method === 'GET' && PERSONAL_ROUTE.test(p.route) && !/\bno-store\b/.test(cc)) problems.push(`${where(p, x)}: a personal page with Cache-Control ${cc}`);
  if (!sharedCacheMayStore(x)) return problems;
  if (who.name !== 'anonymous' && !/\bpublic\b/.test(cc)) problems.push(`${where(p, x)}: rendered for a signed-in person, yet a shared cache may store it (Cache-Control ${cc}, Vary ${x.headers.vary ?? '(none)'})`);
  if (x.setCookies.length > 0) problems.push(`${where(p, x)}: sets a cookie, yet a shared cache may store it`);
  const text = received(x);
  for (const m of who.markers) if (text.includes(m.toLowerCase())) problems.push(`${where(p, x)}: a shared cache may store it and it names the person (${m})`);
  for (const c of canariesIn(x, canaries)) if (c.kind !== 'preview') problems.push(`${where(p, x)}: a shared cache may store it and it holds a ${c.kind} canary (${c.token})`);
  return problems;
}
