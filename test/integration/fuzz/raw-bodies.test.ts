// The hostile bodies worth sending to every route on purpose rather than by chance: over the 1 MB
// form limit, every field at once far over its length, invalid UTF-8, and broken multipart for the
// one form that parses files.
import { describe, expect, test } from 'vitest';
import { checkedExchange, fuzzApp, listRoutes, type FuzzApp } from '../../support/fuzz/fuzz-app.js';
import { groupOf, paramValues, type PersonaName } from '../../support/fuzz/fuzz-routes.js';
import type { Wire } from '../../support/fuzz/fuzz-requests.js';
import { FORM_FIELDS, encodeSegment } from '../../support/fuzz/payloads.js';
import type { AppRoute } from '../../support/route-list.js';

const posts = listRoutes().filter((r) => r.method === 'POST');
const browserPosts = posts.filter((r) => groupOf(r) === 'forms' || groupOf(r) === 'admin-forms');

/** The person who gets furthest into a route: an admin for /admin, a learner for the rest, nobody for peers. */
const personaOf = (r: AppRoute): PersonaName => (groupOf(r) === 'admin-forms' ? 'admin' : groupOf(r) === 'peers' ? 'anonymous' : 'learner');

/** The route's path with the first fixture for each parameter. */
function pathOf(f: FuzzApp, r: AppRoute): string {
  const values = paramValues(r.path, f.fixtures);
  return r.path.replace(/:([A-Za-z]\w*)/g, (_m, name: string) => values[name]?.[0] ?? 'x');
}

function form(f: FuzzApp, r: AppRoute, body: string | Buffer, contentType = 'application/x-www-form-urlencoded'): Wire {
  const who = f.personas[personaOf(r)];
  const csrf = who.csrf ? `_csrf=${who.csrf}&` : '';
  return {
    method: 'POST',
    path: pathOf(f, r),
    headers: { 'content-type': contentType, ...(who.cookie ? { cookie: who.cookie } : {}) },
    body: Buffer.concat([Buffer.from(csrf), Buffer.isBuffer(body) ? body : Buffer.from(body, 'latin1')]),
  };
}

describe('hostile bodies sent to every POST route on purpose', () => {
  const app = fuzzApp();

  test.each(browserPosts.map((r) => [`${r.method} ${r.path}`, r] as const))('a form over the 1 MB limit to %s is a 413 with a message', async (_name, route) => {
    const f = app.current;
    const a = await checkedExchange(f, route, personaOf(route), form(f, route, `title=${'a'.repeat(1_100_000)}`));
    expect(a.status).toBe(413);
    expect(a.text).toContain('提交的内容太大');
  });

  test.each(browserPosts.map((r) => [`${r.method} ${r.path}`, r] as const))('every known field at 3,000 characters at once to %s is refused or kept whole, never a 500', async (_name, route) => {
    const f = app.current;
    const body = FORM_FIELDS.map((name) => `${name}=${encodeSegment(`字${'a'.repeat(2_999)}`)}`).join('&');
    await checkedExchange(f, route, personaOf(route), form(f, route, Buffer.from(body, 'latin1')));
  });

  test.each(posts.map((r) => [`${r.method} ${r.path}`, r] as const))('invalid UTF-8 in a form body to %s is handled like any other bad value', async (_name, route) => {
    const f = app.current;
    const bytes = Buffer.from([...Buffer.from('title='), 0xff, 0xfe, ...Buffer.from('&body='), 0xed, 0xa0, 0x80, ...Buffer.from('&nickname='), 0xc3]);
    await checkedExchange(f, route, personaOf(route), form(f, route, bytes));
    await checkedExchange(f, route, personaOf(route), { ...form(f, route, bytes, 'application/json'), body: Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d]) });
  });

  describe('broken multipart to the admin course forms (the one upload multer parses)', () => {
    const boundary = 'zhifuFuzzBoundary';
    const part = (headers: string, content: string | Buffer) => Buffer.concat([Buffer.from(`--${boundary}\r\n${headers}\r\n\r\n`), Buffer.isBuffer(content) ? content : Buffer.from(content), Buffer.from('\r\n')]);
    const field = (name: string, value: string) => part(`Content-Disposition: form-data; name="${name}"`, value);
    const cover = (name: string, bytes: Buffer) => part(`Content-Disposition: form-data; name="${name}"; filename="c.png"\r\nContent-Type: image/png`, bytes);
    const end = Buffer.from(`--${boundary}--\r\n`);
    const courseFields = (csrf: string) => [field('_csrf', csrf), field('title', '模糊测试课程'), field('slug', 'fuzz-course'), field('summary', '简介'), field('description', '介绍'), field('price', '9'), field('category', 'backend'), field('difficulty', '2'), field('intent', 'save')];

    const cases: Array<[string, (csrf: string) => { body: Buffer; contentType?: string }, number | null]> = [
      ['a body cut off halfway', (c) => ({ body: Buffer.concat(courseFields(c)).subarray(0, 200) }), 400],
      ['no closing boundary', (c) => ({ body: Buffer.concat(courseFields(c)) }), 400],
      ['a boundary that does not match the header', (c) => ({ body: Buffer.concat([...courseFields(c), end]), contentType: 'multipart/form-data; boundary=other' }), 400],
      ['no boundary in the header', (c) => ({ body: Buffer.concat([...courseFields(c), end]), contentType: 'multipart/form-data' }), 400],
      ['a part header with a NUL byte', (c) => ({ body: Buffer.concat([...courseFields(c), part('Content-Disposition: form-data; name="a\u0000"', 'x'), end]) }), null],
      ['a cover over 2 MB', (c) => ({ body: Buffer.concat([...courseFields(c), cover('cover_file', Buffer.alloc(2 * 1024 * 1024 + 1)), end]) }), 422],
      ['two covers', (c) => ({ body: Buffer.concat([...courseFields(c), cover('cover_file', Buffer.from('x')), cover('cover_file', Buffer.from('y')), end]) }), 422],
      ['a file in a field that takes none', (c) => ({ body: Buffer.concat([...courseFields(c), cover('title', Buffer.from('x')), end]) }), 422],
      ['a field of 200,001 characters', (c) => ({ body: Buffer.concat([...courseFields(c), field('description', 'a'.repeat(200_001)), end]) }), 422],
      ['61 parts', (c) => ({ body: Buffer.concat([...courseFields(c), ...Array.from({ length: 52 }, (_, i) => field(`f${i}`, 'x')), end]) }), 422],
      ['a __proto__ field', (c) => ({ body: Buffer.concat([...courseFields(c), field('__proto__', 'x'), field('constructor[prototype][polluted]', 'x'), end]) }), null],
    ];

    for (const target of ['/admin/courses', '/admin/courses/:id']) {
      test.each(cases)(`POST ${target} with %s: never a 5xx, and a refusal writes nothing`, async (_name, make, expected) => {
        const f = app.current;
        const route = { method: 'POST', path: target };
        const admin = f.personas.admin;
        const { body, contentType } = make(admin.csrf!);
        const a = await checkedExchange(f, route, 'admin', { method: 'POST', path: pathOf(f, route), headers: { cookie: admin.cookie!, 'content-type': contentType ?? `multipart/form-data; boundary=${boundary}` }, body });
        if (expected === null) expect(a.status).toBeLessThan(500);
        else expect(a.status).toBe(expected);
      });
    }
  });
});
