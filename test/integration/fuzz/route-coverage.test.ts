import { describe, expect, test } from 'vitest';
import { answerProblems, listRoutes } from '../../support/fuzz/fuzz-app.js';
import { gapsOf, groupOf, NOT_FUZZED, PARAM_FIXTURES, paramsOf } from '../../support/fuzz/fuzz-routes.js';
import type { Answer } from '../../support/fuzz/fuzz-requests.js';

describe('what the fuzz tests cover', () => {
  const routes = listRoutes();

  test('every route the router serves is fuzzed by a group, or listed in NOT_FUZZED with its reason', () => {
    const gaps = routes.flatMap(gapsOf);
    expect(gaps, `\n${gaps.join('\n')}\n`).toEqual([]);
  });

  test('NOT_FUZZED and PARAM_FIXTURES name only routes and parameters that still exist', () => {
    const keys = new Set(routes.map((r) => `${r.method} ${r.path}`));
    expect(Object.keys(NOT_FUZZED).filter((k) => !keys.has(k))).toEqual([]);
    const used = new Set(routes.flatMap((r) => paramsOf(r.path).map((p) => p.key)));
    expect(Object.keys(PARAM_FIXTURES).filter((k) => !used.has(k))).toEqual([]);
  });

  test('a route added later without a fixture for its parameter, or with a method no group takes, is reported with what to add', () => {
    expect(gapsOf({ method: 'POST', path: '/widgets/:widgetId/polish' })).toEqual([expect.stringContaining("add 'widgets/:widgetId' to PARAM_FIXTURES")]);
    expect(gapsOf({ method: 'DELETE', path: '/widgets' })).toEqual([expect.stringContaining('no fuzz group takes DELETE routes')]);
  });

  test('the list comes from the router: the WeChat-facing routes and the sandbox simulators are fuzzed as peers', () => {
    expect(routes.length).toBeGreaterThanOrEqual(138);
    const peers = routes.filter((r) => groupOf(r) === 'peers').map((r) => `${r.method} ${r.path}`);
    expect(peers).toEqual(expect.arrayContaining(['POST /wechatpay/notify', 'GET /wechat', 'POST /wechat', 'POST /__sandbox/wechatpay/v3/pay/transactions/jsapi', 'GET /__sandbox/wechat/sns/userinfo']));
    expect(routes.filter((r) => groupOf(r) === 'admin-forms').map((r) => r.path)).toContain('/admin/courses/:id');
  });
});

describe('the checks every fuzzed answer must pass', () => {
  const page = { method: 'GET', path: '/courses/:slug' };
  const api = { method: 'GET', path: '/api/lessons/:lessonId/comments' };
  const base = 'http://127.0.0.1:1';
  const answer = (status: number, type: string, text: string, headers: Record<string, string> = {}): Answer => ({ status, headers: { 'content-type': type, ...headers }, text });

  test('a calm 404 page and a JSON {code, message} pass', () => {
    expect(answerProblems(page, answer(404, 'text/html; charset=utf-8', '<p>页面不存在</p>'), base)).toEqual([]);
    expect(answerProblems(api, answer(404, 'application/json; charset=utf-8', '{"code":"NOT_FOUND","message":"课时不存在"}'), base)).toEqual([]);
  });

  test('a 500, a stack trace, SQL errors, a JSON error without code and an unescaped script are each caught', () => {
    expect(answerProblems(page, answer(500, 'text/html', 'oops'), base)).toHaveLength(1);
    expect(answerProblems(page, answer(400, 'text/html', 'Error: x\n    at run (/app/src/x.ts:3:9)'), base).length).toBeGreaterThan(0);
    expect(answerProblems(page, answer(400, 'text/html', 'SQLITE_CONSTRAINT: UNIQUE constraint failed'), base).length).toBeGreaterThan(0);
    expect(answerProblems(api, answer(400, 'application/json', '{"error":"bad"}'), base).length).toBeGreaterThan(0);
    expect(answerProblems(api, answer(400, 'text/html', '<p>bad</p>'), base).length).toBeGreaterThan(0);
    expect(answerProblems(page, answer(422, 'text/html', '<input value="<script>zfx(1)</script>">'), base).length).toBeGreaterThan(0);
    expect(answerProblems(page, answer(303, 'text/html', '', { location: 'https://evil.example/' }), base).length).toBeGreaterThan(0);
  });
});
