import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCourse } from '../../support/factories.js';
import { startTestApp, type TestApp } from '../../support/test-app.js';

/** The Set-Cookie line for zhifu.sid, split into its lower-cased attributes. */
function sessionCookieAttributes(res: { headers: Record<string, unknown> }): string[] | null {
  const line = ((res.headers['set-cookie'] as string[] | undefined) ?? []).find((c) => c.startsWith('zhifu.sid='));
  return line ? line.split(';').slice(1).map((a) => a.trim().toLowerCase()) : null;
}

const countSessions = async (t: TestApp) => Number((await t.db('sessions').count({ n: '*' }).first())?.n);

describe('the session cookie in development and test', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => t.close());

  it('is HttpOnly, SameSite=Lax, on path / and not Secure, so it works on http://127.0.0.1', async () => {
    const res = await request(t.app).get('/login');

    const attrs = sessionCookieAttributes(res);
    expect(attrs).not.toBeNull();
    expect(attrs).toContain('httponly');
    expect(attrs).toContain('samesite=lax');
    expect(attrs).toContain('path=/');
    expect(attrs).not.toContain('secure');
    expect(attrs!.some((a) => a.startsWith('expires='))).toBe(true);
  });
});

describe('the session cookie in production', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({
      NODE_ENV: 'production',
      WECHATPAY_SANDBOX_IN_PRODUCTION: 'true',
      WECHAT_SANDBOX_IN_PRODUCTION: 'true',
      SESSION_SECRET: 'a-production-secret-that-is-long-enough-0123',
      ALLOW_SQLITE_IN_PRODUCTION: 'true',
      TRUST_PROXY: 'true',
      LOG_LEVEL: 'silent',
    });
  });
  afterAll(async () => t.close());

  it('is Secure as well as HttpOnly and SameSite=Lax when the proxy says the request came over https', async () => {
    const res = await request(t.app).get('/login').set('X-Forwarded-Proto', 'https');

    const attrs = sessionCookieAttributes(res);
    expect(attrs).toContain('secure');
    expect(attrs).toContain('httponly');
    expect(attrs).toContain('samesite=lax');
    expect(attrs).toContain('path=/');
  });

  it('is never sent over plain http', async () => {
    const res = await request(t.app).get('/login');

    expect(res.status).toBe(200);
    expect(sessionCookieAttributes(res)).toBeNull();
  });
});

describe('anonymous browsing', () => {
  let t: TestApp;
  let slug: string;
  beforeAll(async () => {
    t = await startTestApp();
    for (let i = 0; i < 14; i++) await createCourse(t.db, { category: i % 2 === 0 ? 'frontend' : 'backend' });
    slug = (await createCourse(t.db, { title: '匿名可读的课程' })).slug;
  });
  afterAll(async () => t.close());

  it.each([['/'], ['/?page=2'], ['/?category=frontend'], ['/?category=backend&page=2'], ['course page']])(
    'GET %s stores no session; a first visit gets only the first-party visitor and visit cookies, a returning one no cookie',
    async (path) => {
      const url = path === 'course page' ? `/courses/${slug}` : path;
      const first = await request(t.app).get(url);
      const cookies = (first.headers['set-cookie'] as unknown as string[]) ?? [];
      const again = await request(t.app).get(url).set('Cookie', cookies.map((c) => c.split(';')[0]).join('; '));

      expect(first.status).toBe(200);
      expect(cookies).toHaveLength(2);
      expect(cookies[0]).toMatch(/^zf_vid=[A-Za-z0-9_-]{16}; Max-Age=31536000; Path=\/; Expires=[^;]+; HttpOnly; SameSite=Lax$/);
      expect(cookies[1]).toMatch(/^zf_vs=1; Max-Age=1800; Path=\/; Expires=[^;]+; HttpOnly; SameSite=Lax$/);
      expect(cookies.join(';')).not.toContain('zhifu.sid');
      expect(again.headers['set-cookie']).toBeUndefined();
      expect(await countSessions(t)).toBe(0);
    },
  );

  it('sets no cookie at all on a 404 page', async () => {
    const res = await request(t.app).get('/no-such-page');

    expect(res.status).toBe(404);
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(await countSessions(t)).toBe(0);
  });

  it('starts a session only once a page with a form is opened', async () => {
    const res = await request(t.app).get('/login');

    expect(sessionCookieAttributes(res)).not.toBeNull();
    expect(await countSessions(t)).toBe(1);
  });
});
