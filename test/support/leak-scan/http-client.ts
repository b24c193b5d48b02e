// A bare HTTP client for the leak scan: no redirects followed (a Location header is scanned like a
// body), a cookie jar per person, and every header kept, so nothing a browser or a proxy sees is
// left unread.

export interface Person {
  /** otherOwner: a second buyer (held comments are not theirs); lapsed: a buyer whose access was taken back (a refund). */
  name: 'anonymous' | 'nonBuyer' | 'owner' | 'otherOwner' | 'lapsed' | 'admin';
  /** Cookie name → value; empty for a visitor who never got one. */
  jar: Map<string, string>;
  /** Strings that identify this person (username, CSRF token): never in a response a shared cache may keep. */
  markers: string[];
  csrf: string;
}

export interface Exchange {
  method: string;
  url: string;
  requestHeaders: Record<string, string>;
  status: number;
  headers: Record<string, string>;
  setCookies: string[];
  body: string;
}

export function person(name: Person['name']): Person {
  return { name, jar: new Map(), markers: [], csrf: '' };
}

export const cookieHeader = (p: Person) => [...p.jar].map(([k, v]) => `${k}=${v}`).join('; ');

export async function send(
  baseUrl: string,
  p: Person | null,
  method: string,
  url: string,
  opts: { form?: Record<string, string>; body?: string; contentType?: string; keepCookies?: boolean } = {},
): Promise<Exchange> {
  const requestHeaders: Record<string, string> = { Accept: 'text/html,application/xhtml+xml,application/json;q=0.9,*/*;q=0.8' };
  const cookie = p ? cookieHeader(p) : '';
  if (cookie) requestHeaders.Cookie = cookie;
  let body: string | undefined;
  if (opts.form) {
    requestHeaders['Content-Type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(opts.form).toString();
  } else if (opts.body !== undefined) {
    requestHeaders['Content-Type'] = opts.contentType ?? 'text/plain';
    body = opts.body;
  }
  const res = await fetch(baseUrl + url, { method, headers: requestHeaders, body, redirect: 'manual' });
  const text = await res.text();
  const headers: Record<string, string> = {};
  res.headers.forEach((v, k) => {
    headers[k] = v;
  });
  const setCookies = res.headers.getSetCookie();
  if (p && opts.keepCookies !== false) {
    for (const c of setCookies) {
      const [pair] = c.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      if (/expires=Thu, 01 Jan 1970/i.test(c) || value === '') p.jar.delete(name);
      else p.jar.set(name, value);
    }
  }
  return { method, url, requestHeaders, status: res.status, headers, setCookies, body: text };
}

/** The CSRF token of the first form on a page. */
export function csrfIn(html: string): string | null {
  return /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? null;
}

/** Signs `p` in through the login form, as a browser would, and keeps the session's CSRF token. */
export async function logIn(baseUrl: string, p: Person, username: string, password: string): Promise<void> {
  const form = await send(baseUrl, p, 'GET', '/login');
  const res = await send(baseUrl, p, 'POST', '/login', { form: { _csrf: csrfIn(form.body) ?? '', username, password } });
  if (res.status !== 303) throw new Error(`login of ${p.name} answered ${res.status}`);
  const page = await send(baseUrl, p, 'GET', '/me/account');
  const csrf = csrfIn(page.body);
  if (!csrf) throw new Error(`no CSRF token for ${p.name}`);
  p.csrf = csrf;
  p.markers.push(username, csrf);
}
