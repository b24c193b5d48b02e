import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../../support/factories.js';
import { browser, csrfFrom, logIn } from '../../support/forms.js';
import { startTestApp, type TestApp } from '../../support/test-app.js';

const HEADER_USER = /data-testid="current-user">你好，([^<]+)</;

/** The zhifu.sid cookie a response sets (`zhifu.sid=…`), and the session id signed inside it. */
function sessionFrom(res: { headers: Record<string, unknown> }): { cookie: string; sid: string } {
  const setCookie = ((res.headers['set-cookie'] as string[] | undefined) ?? []).find((c) => c.startsWith('zhifu.sid='));
  if (!setCookie) throw new Error('no session cookie set');
  const cookie = setCookie.split(';')[0]!;
  return { cookie, sid: decodeURIComponent(cookie.slice('zhifu.sid='.length)).slice(2).split('.')[0]! };
}

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => t.close());

async function loggedInBrowser() {
  const user = await createUser(t.db);
  const agent = browser(t.app);
  const { cookie, sid } = sessionFrom(await logIn(agent, user.username, user.password));
  const home = await agent.get('/');
  expect(home.text).toMatch(HEADER_USER);
  return { agent, cookie, sid, csrf: csrfFrom(home.text) };
}

describe('logging out', () => {
  it('deletes the session row, clears the cookie and shows 登录 in the header again', async () => {
    const { agent, cookie, sid, csrf } = await loggedInBrowser();
    expect(await t.db('sessions').where({ sid })).toHaveLength(1);

    const res = await agent.post('/logout').type('form').send({ _csrf: csrf });

    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/');
    expect(res.headers['set-cookie']?.[0]).toMatch(/^zhifu\.sid=;.*Expires=Thu, 01 Jan 1970/);
    expect(await t.db('sessions').where({ sid })).toHaveLength(0);
    const home = await agent.get('/');
    expect(home.text).not.toMatch(HEADER_USER);
    expect(home.text).toContain('>登录</a>');
    const replayed = await request(t.app).get('/').set('Cookie', cookie);
    expect(replayed.text).not.toMatch(HEADER_USER);
  });

  it('refuses a logout without the CSRF token with 403 and keeps the person logged in', async () => {
    const { agent, sid } = await loggedInBrowser();

    const res = await agent.post('/logout').type('form').send({});

    expect(res.status).toBe(403);
    expect(await t.db('sessions').where({ sid })).toHaveLength(1);
    expect((await agent.get('/')).text).toMatch(HEADER_USER);
  });

  it('refuses a logout with a forged CSRF token with 403', async () => {
    const { agent, sid } = await loggedInBrowser();

    const res = await agent.post('/logout').type('form').send({ _csrf: 'forged' });

    expect(res.status).toBe(403);
    expect(await t.db('sessions').where({ sid })).toHaveLength(1);
  });
});
