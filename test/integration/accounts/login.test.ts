import { argon2id, hash } from 'argon2';
import request from 'supertest';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildApp } from '../../../src/app.js';
import { createLogger } from '../../../src/platform/logger.js';
import { createUser } from '../../support/factories.js';
import { browser, csrfFrom, logIn } from '../../support/forms.js';
import { startTestApp, type TestApp } from '../../support/test-app.js';

/** The value of the zhifu.sid cookie a response sets, or null when it sets none. */
function sessionCookie(res: { headers: Record<string, unknown> }): string | null {
  const cookies = (res.headers['set-cookie'] as string[] | undefined) ?? [];
  const sid = cookies.find((c) => c.startsWith('zhifu.sid='));
  return sid ? sid.split(';')[0]!.slice('zhifu.sid='.length) : null;
}

/** The session id inside a signed cookie value (`s:<sid>.<signature>`, URL-encoded). */
function sidOf(cookieValue: string): string {
  return decodeURIComponent(cookieValue).slice(2).split('.')[0]!;
}

const HEADER_USER = /data-testid="current-user">你好，([^<]+)</;

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => t.close());

describe('logging in', () => {
  it('with the right password redirects with 303 and the header then shows the person', async () => {
    const user = await createUser(t.db, { username: 'grace' });
    const agent = browser(t.app);

    const res = await logIn(agent, 'grace', user.password);

    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/');
    const home = await agent.get('/');
    expect(HEADER_USER.exec(home.text)?.[1]).toBe('grace');
    expect(home.text).not.toContain('href="/login"');
  });

  it('accepts the username in any case and with surrounding spaces', async () => {
    const user = await createUser(t.db, { username: 'heidi' });
    const agent = browser(t.app);

    const res = await logIn(agent, '  HEIDI ', user.password);

    expect(res.status).toBe(303);
    expect(HEADER_USER.exec((await agent.get('/')).text)?.[1]).toBe('heidi');
  });

  it('gives a new session id at login, and the id from before login is worth nothing afterwards', async () => {
    const user = await createUser(t.db, { username: 'ivan' });
    const agent = browser(t.app);
    const form = await agent.get('/login');
    const before = sessionCookie(form);
    expect(before).not.toBeNull();
    expect(await t.db('sessions').where({ sid: sidOf(before!) })).toHaveLength(1);

    const res = await agent.post('/login').type('form').send({ _csrf: csrfFrom(form.text), username: 'ivan', password: user.password });

    const after = sessionCookie(res);
    expect(res.status).toBe(303);
    expect(after).not.toBeNull();
    expect(after).not.toBe(before);
    expect(await t.db('sessions').where({ sid: sidOf(before!) })).toHaveLength(0);
    const withOldId = await request(t.app).get('/').set('Cookie', `zhifu.sid=${before}`);
    expect(withOldId.text).not.toMatch(HEADER_USER);
    expect(withOldId.text).toContain('href="/login"');
    const withNewId = await request(t.app).get('/').set('Cookie', `zhifu.sid=${after}`);
    expect(HEADER_USER.exec(withNewId.text)?.[1]).toBe('ivan');
  });

  it('answers a wrong password and an unknown username with the same 422 page', async () => {
    // The same username both times: first it does not exist, then it exists and the password is wrong.
    const unknown = await logIn(browser(t.app), 'judy', 'a guessed password');
    await createUser(t.db, { username: 'judy', password: 'the real password' });
    const wrong = await logIn(browser(t.app), 'judy', 'a guessed password');

    expect(unknown.status).toBe(422);
    expect(wrong.status).toBe(422);
    expect(unknown.text).toContain('用户名或密码错误');
    expect(wrong.text).toContain('用户名或密码错误');
    const withoutToken = (html: string) => html.replace(/name="_csrf" value="[^"]+"/g, 'name="_csrf" value="…"');
    expect(withoutToken(unknown.text)).toBe(withoutToken(wrong.text));
    expect(wrong.text).not.toContain('a guessed password');
    expect(wrong.text).toContain('value="judy"');
  });

  it('takes about as long for an unknown username as for a wrong password', async () => {
    const user = await createUser(t.db, { username: 'karl' });
    const agent = browser(t.app);
    const csrf = csrfFrom((await agent.get('/login')).text);
    const attempt = async (username: string) => {
      const started = process.hrtime.bigint();
      const res = await agent.post('/login').type('form').send({ _csrf: csrf, username, password: 'not the password' });
      expect(res.status).toBe(422);
      return Number(process.hrtime.bigint() - started);
    };
    const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    await attempt(user.username); // warm up both paths (the decoy hash is made lazily at start)
    await attempt('nobody_here');

    const wrongPassword: number[] = [];
    const unknownUser: number[] = [];
    for (let i = 0; i < 7; i++) {
      wrongPassword.push(await attempt(user.username));
      unknownUser.push(await attempt(`nobody_${i}`));
    }

    const ratio = median(unknownUser) / median(wrongPassword);
    expect(ratio).toBeGreaterThan(0.5);
    expect(ratio).toBeLessThan(2);
  });

  it('upgrades a hash made with weaker argon2 parameters to the configured ones at the next login', async () => {
    const weak = await hash('old but good password', { type: argon2id, memoryCost: 4096, timeCost: 3, parallelism: 1 });
    const user = await createUser(t.db, { username: 'laura', password: 'old but good password', passwordHash: weak });

    const res = await logIn(browser(t.app), 'laura', 'old but good password');

    expect(res.status).toBe(303);
    const row = await t.db('users').where({ id: user.id }).first();
    expect(row.password_hash).not.toBe(weak);
    expect(row.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,p=1,t=2\$/);
    expect((await logIn(browser(t.app), 'laura', 'old but good password')).status).toBe(303);
  });

  it('leaves a hash that already has the configured parameters alone', async () => {
    const user = await createUser(t.db, { username: 'mallory' });
    const before = await t.db('users').where({ id: user.id }).first();

    await logIn(browser(t.app), 'mallory', user.password);

    expect((await t.db('users').where({ id: user.id }).first()).password_hash).toBe(before.password_hash);
  });

  it('returns to the same-site path given in ?next=', async () => {
    const user = await createUser(t.db, { username: 'niaj' });
    const agent = browser(t.app);

    const form = await agent.get('/login?next=%2Fcourses%2Fgo%3Fx%3D1');
    expect(form.text).toContain('name="next" value="/courses/go?x=1"');
    const res = await agent
      .post('/login')
      .type('form')
      .send({ _csrf: csrfFrom(form.text), username: 'niaj', password: user.password, next: '/courses/go?x=1' });

    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/courses/go?x=1');
  });

  it.each([['//evil.com'], ['https://evil.com'], ['/\\evil.com'], ['javascript:alert(1)']])(
    'ignores next=%s and goes home instead',
    async (next) => {
      const user = await createUser(t.db);
      const agent = browser(t.app);

      const form = await agent.get(`/login?next=${encodeURIComponent(next)}`);
      const res = await agent.post('/login').type('form').send({ _csrf: csrfFrom(form.text), username: user.username, password: user.password, next });

      expect(form.text).toContain('name="next" value="/"');
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe('/');
    },
  );

  it('refuses a login form without a CSRF token with 403 and logs nobody in', async () => {
    const user = await createUser(t.db, { username: 'olivia' });
    const agent = browser(t.app);
    await agent.get('/login');

    const res = await agent.post('/login').type('form').send({ username: 'olivia', password: user.password });

    expect(res.status).toBe(403);
    expect(res.text).toContain('页面已过期或表单无效');
    expect((await agent.get('/')).text).not.toMatch(HEADER_USER);
  });
});

describe('the per-account login limit', () => {
  it('refuses an account guessed at from many IPs once its own limit (five times the per-IP one) is used up', async () => {
    const proxied = await startTestApp({ LOGIN_RATE_LIMIT: '2', TRUST_PROXY: 'true' });
    try {
      const user = await createUser(proxied.db);
      const statuses: number[] = [];
      for (let i = 0; i < 11; i++) {
        const agent = browser(proxied.app);
        const form = await agent.get('/login');
        const res = await agent.post('/login').set('X-Forwarded-For', `203.0.113.${i + 1}`).type('form').send({ _csrf: csrfFrom(form.text), username: user.username, password: 'wrong password' });
        statuses.push(res.status);
      }

      expect(statuses).toEqual([...Array(10).fill(422), 429]);
    } finally {
      await proxied.close();
    }
  });
});

describe('the login rate limit', () => {
  let rl: TestApp;
  beforeAll(async () => {
    rl = await startTestApp({ LOGIN_RATE_LIMIT: '3' });
  });
  afterAll(async () => rl.close());
  beforeEach(async () => {
    await rl.db('rate_limits').delete();
  });

  const failTimes = async (app: TestApp['app'], n: number, username: string) => {
    const statuses: number[] = [];
    for (let i = 0; i < n; i++) statuses.push((await logIn(browser(app), username, 'wrong password')).status);
    return statuses;
  };

  it('refuses the fourth attempt after three failures with 429 in Chinese, even with the right password', async () => {
    const user = await createUser(rl.db);

    const failures = await failTimes(rl.app, 3, user.username);
    const fourth = await logIn(browser(rl.app), user.username, 'wrong password');
    const correct = await logIn(browser(rl.app), user.username, user.password);

    expect(failures).toEqual([422, 422, 422]);
    expect(fourth.status).toBe(429);
    expect(fourth.text).toContain('登录失败次数过多，请 15 分钟后再试');
    expect(fourth.text).not.toMatch(/at .*\.ts:\d+/);
    expect(correct.status).toBe(429);
    expect(sessionCookie(correct)).toBeNull();
  });

  it('keeps the counters in the rate_limits table, so another app process on the database refuses too', async () => {
    const user = await createUser(rl.db);
    await failTimes(rl.app, 3, user.username);

    const rows = await rl.db('rate_limits').where('bucket', 'like', 'login:%');
    const secondProcess = buildApp({ config: rl.config, db: rl.db, clock: rl.clock, logger: createLogger('silent') }).app;
    const refused = await logIn(browser(secondProcess), user.username, user.password);

    expect(rows).toHaveLength(1);
    expect(Number(rows[0].hits)).toBe(3);
    expect(refused.status).toBe(429);
  });

  it('lets the person in again once the counters are gone', async () => {
    const user = await createUser(rl.db);
    await failTimes(rl.app, 4, user.username);

    await rl.db('rate_limits').delete();

    expect((await logIn(browser(rl.app), user.username, user.password)).status).toBe(303);
  });

  it('lets the person try again when the window has passed', async () => {
    const user = await createUser(rl.db);
    await failTimes(rl.app, 4, user.username);

    rl.clock.advance(15 * 60_000 + 1);

    expect((await logIn(browser(rl.app), user.username, user.password)).status).toBe(303);
  });

  it('counts attempts that arrive at the same moment: of ten at once, exactly three are let through and none fails', async () => {
    // A fresh app, so its MySQL pool opens connections for the burst and the requests really overlap.
    const burst = await startTestApp({ LOGIN_RATE_LIMIT: '3' });
    try {
      const user = await createUser(burst.db);
      const forms = [];
      for (let i = 0; i < 10; i++) {
        const agent = browser(burst.app);
        forms.push({ agent, csrf: csrfFrom((await agent.get('/login')).text) });
      }

      const replies = await Promise.all(
        forms.map(({ agent, csrf }) => agent.post('/login').type('form').send({ _csrf: csrf, username: user.username, password: 'wrong password' })),
      );

      const statuses = replies.map((r) => r.status).sort();
      expect(statuses).toEqual([...Array(3).fill(422), ...Array(7).fill(429)]);
      expect(Number((await burst.db('rate_limits').where('bucket', 'like', 'login:%').first()).hits)).toBe(10);
    } finally {
      await burst.close();
    }
  });

  it('keeps what was typed on the 429 page, but never the password', async () => {
    const user = await createUser(rl.db);
    await failTimes(rl.app, 3, user.username);

    const refused = await logIn(browser(rl.app), user.username, 'my secret guess 1');

    expect(refused.status).toBe(429);
    expect(refused.text).toContain(`value="${user.username}"`);
    expect(refused.text).toContain('<form');
    expect(refused.text).not.toContain('my secret guess 1');
  });

  it('does not lock the creator out because someone behind the same IP failed on other accounts', async () => {
    const creator = await createUser(rl.db);
    const others = [await createUser(rl.db), await createUser(rl.db), await createUser(rl.db)];
    for (const o of others) await failTimes(rl.app, 3, o.username);

    const creatorLogin = await logIn(browser(rl.app), creator.username, creator.password);
    const otherAgain = await logIn(browser(rl.app), others[0]!.username, others[0]!.password);

    expect(creatorLogin.status).toBe(303);
    expect(otherAgain.status).toBe(429);
  });

  it('does not count successful logins', async () => {
    const user = await createUser(rl.db);

    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await logIn(browser(rl.app), user.username, user.password)).status);

    expect(statuses).toEqual([303, 303, 303, 303, 303]);
    expect(await failTimes(rl.app, 3, user.username)).toEqual([422, 422, 422]);
  });
});
