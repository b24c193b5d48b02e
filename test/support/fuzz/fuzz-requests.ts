// Random requests, and how they go on the wire. Requests are sent with node:http, not supertest, so
// a test controls every byte: broken escapes in the path, invalid UTF-8 bodies, lying Content-Types.
import http from 'node:http';
import fc from 'fast-check';
import { encodeSegment, formPairs, hostileConstant, hostileQuery, hostileValue, jsonText, textOf, type FormPair, type FuzzValue } from './payloads.js';

export type MultipartDamage = 'none' | 'no-boundary' | 'wrong-boundary' | 'truncated' | 'no-closing' | 'garbage-headers' | 'two-files';

export interface FilePart {
  field: string;
  filename: string;
  contentType: string;
  bytes: Uint8Array;
}

export type BodySpec =
  | { kind: 'none' }
  | { kind: 'form'; pairs: FormPair[]; contentType: string }
  | { kind: 'json'; text: string; contentType: string }
  | { kind: 'multipart'; fields: Array<{ name: string; value: FuzzValue }>; file: FilePart | null; damage: MultipartDamage }
  | { kind: 'raw'; contentType: string | null; contentEncoding: string | null; bytes: Uint8Array };

export type CsrfChoice = 'valid' | 'missing' | 'hostile';

export interface FuzzRequest {
  /** Path parameters as they go on the wire (already encoded, possibly malformed). */
  params: Record<string, string>;
  query: string;
  body: BodySpec;
  csrf: CsrfChoice;
  accept: string | null;
}

const INVALID_UTF8 = [
  Uint8Array.from([0xff, 0xfe, 0x41]),
  Uint8Array.from([0xc0, 0xaf]),
  Uint8Array.from([0xed, 0xa0, 0x80]), // an encoded surrogate
  Uint8Array.from([0x80, 0x80, 0x80]),
  Uint8Array.from([0xe5, 0xad]), // a cut 字
  Uint8Array.from([0x74, 0x69, 0x74, 0x6c, 0x65, 0x3d, 0xff, 0x26, 0x62, 0x6f, 0x64, 0x79, 0x3d, 0xc3]), // title=\xff&body=\xc3
];

const formContentType = fc.constantFrom(
  'application/x-www-form-urlencoded',
  'application/x-www-form-urlencoded; charset=utf-8',
  'application/x-www-form-urlencoded; charset=ISO-8859-1',
  'application/x-www-form-urlencoded; charset=koi8-r',
  'Application/X-WWW-Form-Urlencoded',
);

const jsonContentType = fc.constantFrom('application/json', 'application/json; charset=utf-8', 'application/json; charset=utf-16', 'application/merge-patch+json', 'text/json');

const wrongContentType = fc.constantFrom(
  null,
  'text/plain',
  'text/xml',
  'application/xml',
  'application/octet-stream',
  'image/png',
  'multipart/form-data',
  'multipart/mixed; boundary=x',
  'application/x-www-form-urlencoded',
  'application/json',
  '',
  ';;;',
  'application/x-www-form-urlencoded; charset=',
);

const multipartFile: fc.Arbitrary<FilePart> = fc.record({
  field: fc.constantFrom('cover_file', 'cover_file', 'file', 'cover_file[]', '__proto__'),
  filename: fc.oneof(fc.constantFrom('cover.png', '../../../etc/passwd', 'a\u0000.png', '封面.jpg', '.htaccess', 'x.svg', ''), hostileConstant),
  contentType: fc.constantFrom('image/png', 'image/jpeg', 'image/svg+xml', 'text/html', 'application/x-msdownload', ''),
  bytes: fc.oneof(
    fc.uint8Array({ maxLength: 64 }),
    fc.constant(Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00])), // a PNG header and nothing else
    fc.constant(Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" onload="zfx(1)"/>`)),
  ),
});

export const bodyArbitrary: fc.Arbitrary<BodySpec> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('form' as const), pairs: formPairs, contentType: formContentType }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('json' as const), text: jsonText, contentType: jsonContentType }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('multipart' as const),
      fields: fc.array(fc.record({ name: fc.oneof(fc.constantFrom('title', 'slug', 'price', 'intent', 'summary', 'description'), fc.constantFrom('__proto__', 'constructor[prototype][polluted]', 'a[]', '')), value: hostileValue }), { maxLength: 6 }),
      file: fc.option(multipartFile, { nil: null }),
      damage: fc.constantFrom<MultipartDamage>('none', 'none', 'no-boundary', 'wrong-boundary', 'truncated', 'no-closing', 'garbage-headers', 'two-files'),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('raw' as const),
      contentType: wrongContentType,
      contentEncoding: fc.constantFrom(null, null, null, 'gzip', 'deflate', 'br', 'x-unknown'),
      bytes: fc.oneof(fc.constantFrom(...INVALID_UTF8), fc.uint8Array({ maxLength: 200 }), fc.constant(new Uint8Array(0))),
    }),
  },
);

/** A request to a route: valid fixtures or hostile values in its parameters, hostile query and body. */
export function requestArbitrary(method: string, paramValues: Record<string, readonly string[]>, hostileParam: fc.Arbitrary<string>): fc.Arbitrary<FuzzRequest> {
  const params = fc.record(
    Object.fromEntries(
      Object.entries(paramValues).map(([name, valid]) => [name, valid.length > 0 ? fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...valid) }, { weight: 2, arbitrary: hostileParam }) : hostileParam]),
    ),
  ) as fc.Arbitrary<Record<string, string>>;
  return fc.record({
    params,
    query: fc.oneof({ weight: method === 'GET' ? 1 : 3, arbitrary: fc.constant('') }, { weight: 3, arbitrary: hostileQuery }),
    body: method === 'GET' ? fc.constant<BodySpec>({ kind: 'none' }) : bodyArbitrary,
    csrf: fc.constantFrom<CsrfChoice>('valid', 'valid', 'valid', 'missing', 'hostile'),
    accept: fc.constantFrom(null, null, 'text/html,application/xhtml+xml', 'application/json', '*/*', 'image/png', ''),
  });
}

export interface Wire {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: Buffer | null;
}

function formBytes(pairs: FormPair[], csrf: string | null): Buffer {
  const parts: string[] = csrf === null ? [] : [`_csrf=${encodeSegment(csrf)}`];
  for (const p of pairs) parts.push('raw' in p ? p.raw : `${encodeSegment(p.name)}=${encodeSegment(textOf(p.value))}`);
  return Buffer.from(parts.join('&'), 'latin1');
}

function multipartBytes(body: Extract<BodySpec, { kind: 'multipart' }>, csrf: string | null): { contentType: string; bytes: Buffer } {
  const boundary = '----zhifufuzz7MA4YWxkTrZu0gW';
  const chunks: Buffer[] = [];
  const field = (name: string, value: string) => chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name.replace(/"/g, '%22')}"\r\n\r\n${value}\r\n`));
  if (csrf !== null) field('_csrf', csrf);
  for (const f of body.fields) field(f.name, textOf(f.value));
  const files = body.file ? (body.damage === 'two-files' ? [body.file, body.file] : [body.file]) : [];
  for (const f of files) {
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${f.field.replace(/"/g, '%22')}"; filename="${f.filename.replace(/"/g, '%22')}"\r\nContent-Type: ${f.contentType}\r\n\r\n`));
    chunks.push(Buffer.from(f.bytes), Buffer.from('\r\n'));
  }
  if (body.damage === 'garbage-headers') chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data\r\nX: \u0000\u00ff\r\n\r\nno name\r\n`, 'latin1'));
  if (body.damage !== 'no-closing') chunks.push(Buffer.from(`--${boundary}--\r\n`));
  let bytes = Buffer.concat(chunks);
  if (body.damage === 'truncated') bytes = bytes.subarray(0, Math.floor(bytes.length / 2));
  const contentType = body.damage === 'no-boundary' ? 'multipart/form-data' : `multipart/form-data; boundary=${body.damage === 'wrong-boundary' ? 'not-the-boundary' : boundary}`;
  return { contentType, bytes };
}

/** The bytes of one fuzz request, sent as `persona` (cookie and CSRF token, if any). */
export function toWire(method: string, pathPattern: string, r: FuzzRequest, persona: { cookie: string | null; csrf: string | null }, hostileCsrf: string): Wire {
  const path = pathPattern.replace(/:([A-Za-z]\w*)/g, (_m, name: string) => r.params[name] ?? '');
  const headers: Record<string, string> = {};
  if (persona.cookie) headers.cookie = persona.cookie;
  if (r.accept !== null) headers.accept = r.accept;
  const token = r.csrf === 'valid' ? persona.csrf : r.csrf === 'hostile' ? hostileCsrf : null;
  let body: Buffer | null = null;
  switch (r.body.kind) {
    case 'none':
      break;
    case 'form':
      headers['content-type'] = r.body.contentType;
      body = formBytes(r.body.pairs, token);
      break;
    case 'json':
      headers['content-type'] = r.body.contentType;
      if (token !== null) headers['x-csrf-token'] = token;
      body = Buffer.from(r.body.text, 'utf8');
      break;
    case 'multipart': {
      const m = multipartBytes(r.body, token);
      headers['content-type'] = m.contentType;
      if (token !== null) headers['x-csrf-token'] = token;
      body = m.bytes;
      break;
    }
    case 'raw':
      if (r.body.contentType !== null) headers['content-type'] = r.body.contentType;
      if (r.body.contentEncoding !== null) headers['content-encoding'] = r.body.contentEncoding;
      if (token !== null) headers['x-csrf-token'] = token;
      body = Buffer.from(r.body.bytes);
      break;
  }
  if (method !== 'GET' && body === null) body = Buffer.alloc(0);
  return { method, path: r.query === '' ? path : `${path}?${r.query}`, headers, body };
}

export interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

/**
 * One request on a fresh connection. The server may answer before reading the whole body (413) and
 * close the socket; the answer counts, the write error after it does not.
 */
export function send(baseUrl: string, w: Wire): Promise<Answer> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = http.request(
      { host: url.hostname, port: url.port, method: w.method, path: w.path, agent: false, headers: { ...w.headers, ...(w.body ? { 'content-length': String(w.body.length) } : {}) } },
      (res) => {
        answered = true;
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', (err) => {
      if (!answered) reject(err);
    });
    req.end(w.body ?? undefined);
  });
}
