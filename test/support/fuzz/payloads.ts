// Hostile input for the fuzz tests: the values people (and scripts) actually throw at forms and
// JSON endpoints. Everything here is data; fuzz-requests.ts turns it into HTTP requests.
import fc from 'fast-check';

/**
 * A string too big to print: fast-check shows the marker in a counterexample, the request carries
 * the full text. 1,000,000 ASCII characters stay under the 1 MB form limit; 400,000 of a three-byte
 * character are over it (and far over once percent-encoded).
 */
export class BigString {
  constructor(
    readonly unit: string,
    readonly count: number,
  ) {}
  get text(): string {
    return this.unit.repeat(this.count);
  }
  [fc.toStringMethod](): string {
    return `big(${JSON.stringify(this.unit)} × ${this.count})`;
  }
}

export type FuzzValue = string | BigString;
export const textOf = (v: FuzzValue): string => (typeof v === 'string' ? v : v.text);

/** Marks a payload that must never come back unescaped in HTML. */
export const XSS_MARKER = 'zfx';

const UNICODE_EDGES = [
  '',
  ' ',
  '\t\r\n',
  '\u202Eevil\u202C', // right-to-left override
  '\u200F\u200E', // RTL / LTR marks
  '\u200B\u200C\u200D\u2060', // zero-width characters
  '\uFEFF', // byte order mark
  '\uD800', // lone high surrogate
  '\uDFFF', // lone low surrogate
  'a\uD83D', // a cut emoji
  '１２３', // full-width digits
  '９９.９', // full-width price
  '٣٤', // Arabic-Indic digits
  '\u0000',
  'a\u0000b',
  '\u0007\u001b[31m', // bell and an ANSI escape
  '👨‍👩‍👧‍👦🏳️‍🌈',
  'e\u0301\u0301\u0301\u0301', // stacked combining marks
  'İıßﬀ', // case-mapping traps
  '\u00A0\u3000', // no-break and ideographic spaces
  '𠀀𪚥', // astral-plane CJK
  '\uFFFD\uFFFF',
];

const NUMBER_LIKE = ['0', '-1', '1.5', '1e309', 'NaN', 'Infinity', '-0', '0x1F', '9007199254740993', '99999999999999999999', ' 1 ', '1,000', '¥99', '+1', '00001', '1_000'];

const SQL = [
  "' OR '1'='1",
  "1; DROP TABLE users; --",
  '" OR 1=1 -- ',
  "1' UNION SELECT password_hash FROM users --",
  "admin'--",
  "'); DELETE FROM orders; --",
  '%%',
  '\\',
  "\\'",
  '`',
];

const XSS = [
  `<script>${XSS_MARKER}(1)</script>`,
  `"><img src=x onerror=${XSS_MARKER}(1)>`,
  `'><svg onload=${XSS_MARKER}(1)>`,
  `javascript:${XSS_MARKER}(1)`,
  '<%= process.env %>', // EJS
  '${7*7}{{7*7}}#{7*7}', // other template syntaxes
  '](javascript:alert(1))',
  '<a href="javascript:alert(1)">x</a>',
  '<!--',
];

const PATHS = ['../../etc/passwd', '..%2f..%2f', '/\\evil.example', '//evil.example', 'https://evil.example/', 'data:text/html,hi', 'file:///etc/passwd', '\\\\host\\share'];

const PROTO_WORDS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf'];

export const hostileConstant: fc.Arbitrary<string> = fc.constantFrom(...UNICODE_EDGES, ...NUMBER_LIKE, ...SQL, ...XSS, ...PATHS, ...PROTO_WORDS);

/** Any string, hostile strings preferred; rarely a 1 MB one. */
export const hostileValue: fc.Arbitrary<FuzzValue> = fc.oneof(
  { weight: 6, arbitrary: hostileConstant },
  { weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
  { weight: 2, arbitrary: fc.array(hostileConstant, { minLength: 2, maxLength: 4 }).map((a) => a.join('')) },
  { weight: 1, arbitrary: fc.constantFrom(2_000, 20_000, 100_001).map((n) => 'x'.repeat(n)) },
  { weight: 1, arbitrary: fc.constantFrom(new BigString('a', 1_000_000), new BigString('字', 400_000)) },
);

/** Field names the app's forms read, so random values reach real validation. */
export const FORM_FIELDS = [
  'username', 'password', 'password_confirm', 'current_password', 'nickname', 'next',
  'title', 'slug', 'summary', 'description', 'price', 'category', 'tags', 'difficulty', 'cover_url', 'intent',
  'body_md', 'media_url', 'duration', 'is_free_preview', 'direction', 'user_id', 'learners',
  'body', 'parent_id', 'form_key', 'stars', 'review', 'reply', 'reason', 'hide_past', 'confirm',
  'name', 'code', 'kind', 'amount_off', 'threshold', 'rate', 'scope', 'valid_from', 'valid_until', 'quantity', 'per_learner',
  'period_days', 'status', 'course_id', 'plan_id', 'coupon_code', 'amount', 'request_key', 'mode', 'course_ids', 'course',
  'channel', 'outcome', 'token', 'from', 'to', 'by', 'page', 'q', 'sort', 's', 'state', 'return_to',
];

/** Keys that trip naive parsers: prototype pollution, bracket syntax, empty and odd names. */
const HOSTILE_KEYS = [
  '__proto__', '__proto__[polluted]', 'constructor', 'constructor[prototype][polluted]', 'prototype',
  'a[]', 'a[b]', 'a[b][c]', 'title[]', 'price[yuan]', '', '[]', '=', '\u0000', '.', 'toString', 'hasOwnProperty',
];

export const fieldName: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...FORM_FIELDS) },
  { weight: 2, arbitrary: fc.constantFrom(...HOSTILE_KEYS) },
  { weight: 1, arbitrary: fc.constantFrom(...FORM_FIELDS).map((f) => `${f}[]`) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 12 }) },
);

/**
 * A form body as ordered pairs: repeated names become arrays in the parser, bracketed names stay
 * literal (the parser is not `extended`), and a `raw` pair is written without percent-encoding
 * (broken escapes like `%E0%A4%A` or a bare `%`).
 */
export type FormPair = { name: string; value: FuzzValue } | { raw: string };
const brokenEscapes = fc.constantFrom('%', '%%', '%ZZ', '%E0%A4%A', '%FF%FE', '%C0%AF', '%ED%A0%80', 'a=%', '=&=&', '&&&', 'a&b&c', '%00=%00', 'x=1&x=2&x[]=3');

export const formPairs: fc.Arbitrary<FormPair[]> = fc.array(
  fc.oneof(
    { weight: 8, arbitrary: fc.record({ name: fieldName, value: hostileValue }) },
    { weight: 1, arbitrary: fc.record({ raw: brokenEscapes }) },
  ),
  { maxLength: 12 },
);

/** JSON-ish values: wrong types, arrays and objects where strings go, deep nesting, pollution keys. */
const jsonLeaf: fc.Arbitrary<unknown> = fc.oneof(
  hostileConstant,
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom(1e308, -1, 0, Number.MAX_SAFE_INTEGER + 2, 0.1),
);
const { jsonTree } = fc.letrec((tie) => ({
  jsonTree: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    jsonLeaf,
    fc.array(tie('jsonTree'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(fc.constantFrom(...FORM_FIELDS), fc.constantFrom(...HOSTILE_KEYS)), tie('jsonTree'), { maxKeys: 5 }),
  ),
}));

export const jsonText: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.dictionary(fc.constantFrom(...FORM_FIELDS), jsonTree, { maxKeys: 8 }).map((o) => JSON.stringify(o)) },
  { weight: 2, arbitrary: jsonTree.map((v) => JSON.stringify(v) ?? 'null') },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '{"__proto__":{"polluted":"yes"}}',
      '{"constructor":{"prototype":{"polluted":"yes"}}}',
      '{"a":1,"a":2}',
      '[]',
      '""',
      'null',
      '{',
      '{"a":',
      '{"a":"\\ud800"}',
      "{'single':'quotes'}",
      '{"a":1}garbage',
      `${'['.repeat(5_000)}${']'.repeat(5_000)}`,
      `${'{"a":'.repeat(2_000)}1${'}'.repeat(2_000)}`,
      'NaN',
      '\uFEFF{"a":1}',
    ),
  },
);

/** A path segment value, already as it goes on the wire: encoded hostile text or a raw malformed escape. */
export const hostilePathSegment: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.oneof(hostileConstant, fc.string({ unit: 'binary', minLength: 1, maxLength: 30 })).map((s) => encodeSegment(s)) },
  { weight: 1, arbitrary: fc.constantFrom('%', '%E0%A4%A', '%00', '..', '%2e%2e', '%2F', 'a%2Fb', '%C0%AE', 'x'.repeat(5_000), '-1', '0', '1e3', '%EF%BC%91', '99999999999999', '1.0', '+1') },
);

/** A query string (without `?`): hostile names and values, repeats, brackets, broken escapes. */
export const hostileQuery: fc.Arbitrary<string> = fc
  .array(
    fc.oneof(
      { weight: 4, arbitrary: fc.tuple(fieldName, fc.oneof(hostileConstant, fc.string({ unit: 'binary', maxLength: 30 }), fc.constant('x'.repeat(2_000)))).map(([k, v]) => `${encodeSegment(k)}=${encodeSegment(v)}`) },
      { weight: 1, arbitrary: brokenEscapes },
    ),
    { maxLength: 6 },
  )
  .map((parts) => parts.join('&'));

/** Percent-encodes UTF-8 bytes (lone surrogates become U+FFFD, as a browser sends them). */
export function encodeSegment(s: string): string {
  let out = '';
  for (const byte of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-_.~]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}
