// A shared cache (a CDN, a corporate or carrier proxy) reduced to its rules (RFC 9111): it keeps a
// GET response unless the response forbids it, and serves it to whoever asks for the same URL with
// the same values of the headers the response varies on.
import type { Exchange } from './http-client.js';

/** Status codes a cache may store without explicit freshness (RFC 9110 §15.1). */
const HEURISTIC = new Set([200, 203, 204, 206, 300, 301, 308, 404, 405, 410, 414, 501]);

const directives = (cc: string) => new Set(cc.toLowerCase().split(',').map((d) => d.trim().split('=')[0]!).filter((d) => d !== ''));

/** Whether a shared cache may store this response. */
export function sharedCacheMayStore(x: Pick<Exchange, 'method' | 'status' | 'headers'>): boolean {
  if (x.method !== 'GET') return false;
  const cc = directives(x.headers['cache-control'] ?? '');
  if (cc.has('no-store') || cc.has('private')) return false;
  if ((x.headers.vary ?? '').includes('*')) return false;
  const explicit = cc.has('public') || cc.has('s-maxage') || cc.has('max-age') || x.headers.expires !== undefined;
  return explicit || HEURISTIC.has(x.status);
}

const varied = (x: Pick<Exchange, 'headers'>) => (x.headers.vary ?? '').split(',').map((h) => h.trim().toLowerCase()).filter((h) => h !== '');

export function createProxyCache() {
  const entries = new Map<string, Exchange[]>();
  const header = (h: Record<string, string>, name: string) => Object.entries(h).find(([k]) => k.toLowerCase() === name)?.[1] ?? '';
  return {
    /** Keeps the response if its headers let a shared cache keep it. */
    offer(x: Exchange): boolean {
      if (!sharedCacheMayStore(x)) return false;
      entries.set(x.url, [...(entries.get(x.url) ?? []), x]);
      return true;
    },
    /** What the cache would answer this request with instead of asking the app, if anything. */
    lookup(url: string, requestHeaders: Record<string, string>): Exchange | null {
      for (const x of entries.get(url) ?? []) {
        if (varied(x).every((h) => header(x.requestHeaders, h) === header(requestHeaders, h))) return x;
      }
      return null;
    },
    get size() {
      return [...entries.values()].reduce((n, xs) => n + xs.length, 0);
    },
  };
}
