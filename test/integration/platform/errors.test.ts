import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browser, csrfFrom } from '../../support/forms.js';
import { startTestApp, type TestApp } from '../../support/test-app.js';

// NODE_ENV=development shows stacks on unexpected errors, so a stack trace would show here if a client
// mistake were ever treated as one.
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ NODE_ENV: 'development', LOG_LEVEL: 'silent' });
});
afterAll(async () => t.close());

// Well over the form body limit (1 MB since lesson bodies arrived; it was 64 KB before).
const OVERSIZED = 2 * 1024 * 1024;
const hugeForm = (fields: Record<string, string> = {}) =>
  new URLSearchParams({ ...fields, username: 'someone', password: 'x'.repeat(OVERSIZED) }).toString();

describe('error pages', () => {
  it('answers an unknown URL with a 404 page in Chinese', async () => {
    const res = await request(t.app).get('/no/such/page');

    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.text).toContain('<html lang="zh-CN">');
    expect(res.text).toContain('页面不存在');
    expect(res.text).toContain('返回首页');
  });

  it('answers a JSON client with {code, message} for an unknown URL', async () => {
    const res = await request(t.app).get('/no/such/page').set('Accept', 'application/json');

    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body).toEqual({ code: 'NOT_FOUND', message: '页面不存在' });
  });

  it('refuses an oversized form with 413 and a Chinese message, without a stack trace', async () => {
    const agent = browser(t.app);
    const csrf = csrfFrom((await agent.get('/login')).text);

    const res = await agent.post('/login').type('form').send(hugeForm({ _csrf: csrf }));

    expect(res.status).toBe(413);
    expect(res.text).toContain('提交的内容太大');
    expect(res.text).not.toContain('error-stack');
    expect(res.text).not.toMatch(/PayloadTooLargeError|node_modules|at \S+ \(/);
  });

  it('answers a JSON client sending an oversized form with {code, message}', async () => {
    const res = await request(t.app).post('/login').type('form').set('Accept', 'application/json').send(hugeForm());

    expect(res.status).toBe(413);
    expect(res.body).toEqual({ code: expect.any(String), message: '提交的内容太大' });
  });

  it('answers a JSON client with {code, message} when the CSRF token is missing', async () => {
    const res = await request(t.app).post('/login').type('form').set('Accept', 'application/json').send({ username: 'a', password: 'b' });

    expect(res.status).toBe(403);
    expect(res.body).toEqual({ code: 'CSRF_INVALID', message: '页面已过期或表单无效，请刷新页面后重新提交' });
  });
});
