import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APPID, MOUNT, authorize, authorizeQuery, consentAsNewUser, exchange, startOaSandbox, type RunningOaSandbox } from './official-account-harness.js';

let s: RunningOaSandbox;
beforeAll(async () => {
  s = await startOaSandbox();
});
afterAll(async () => s.close());

const authorizeUrl = (over: Record<string, string> = {}) => `${s.base}/connect/oauth2/authorize?${new URLSearchParams(authorizeQuery(over))}#wechat_redirect`;
const codeCount = async () => Number(((await s.db('sandbox_wechat_codes').count({ n: '*' }).first()) as { n: number }).n);

describe('the authorize page', () => {
  it('renders a Chinese consent page with the scope, the callback host and the link parameters, and no inline script or style', async () => {
    const res = await fetch(authorizeUrl(), { redirect: 'manual' });
    const html = await res.text();
    expect(res.status).toBe(200);
    expect(html).toContain('<html lang="zh-CN">');
    expect(html).toContain('获取你的昵称、头像');
    expect(html).toContain('127.0.0.1:3000');
    expect(html).toMatch(/<button[^>]*value="allow"[^>]*>同意<\/button>/);
    expect(html).toMatch(/<button[^>]*value="deny"[^>]*>拒绝<\/button>/);
    expect(html).toContain('name="state" value="abc123"');
    expect(html).toContain(`action="${MOUNT}/connect/oauth2/authorize"`);
    expect(html).toContain('快照页用户');
    expect(html).not.toMatch(/<script|style=|<style/);
  });

  it('offers a browser only its own test user from last time, and never shows an openid', async () => {
    const { openid, cookie } = await consentAsNewUser(s, { nickname: '上次的我' });
    await consentAsNewUser(s, { nickname: '别人' });

    const mine = await (await fetch(authorizeUrl(), { headers: { Cookie: cookie } })).text();
    const stranger = await (await fetch(authorizeUrl())).text();

    expect(mine).toContain('上次的我');
    expect(mine).toContain('value="remembered"');
    expect(mine).not.toContain('别人');
    expect(mine).not.toContain(openid);
    expect(stranger).not.toContain('上次的我');
    expect(stranger).not.toContain('别人');
    expect(stranger).not.toMatch(/value="o[A-Za-z0-9_-]{20,}"/);
  });

  it('authorises as the remembered test user when the form says remembered', async () => {
    const first = await consentAsNewUser(s, { nickname: '记得我' });

    const res = await authorize(s, { ...authorizeQuery(), user: 'remembered', decision: 'allow' }, first.cookie);
    const code = new URL(res.headers.get('location')!).searchParams.get('code');

    expect(res.status).toBe(302);
    expect(await s.db('sandbox_wechat_codes').where({ code }).first()).toMatchObject({ openid: first.openid });
  });

  it.each([
    ['another appid', { appid: 'wx0000000000000000' }, 'appid'],
    ['a relative redirect_uri', { redirect_uri: '/auth/wechat/callback' }, 'redirect_uri'],
    ['a javascript: redirect_uri', { redirect_uri: 'javascript:alert(1)' }, 'redirect_uri'],
    ['response_type token', { response_type: 'token' }, 'response_type'],
    ['scope snsapi_login', { scope: 'snsapi_login' }, 'Scope'],
    ['a state of 129 characters', { state: 'a'.repeat(129) }, 'state'],
    ['a state with a hyphen', { state: 'abc-123' }, 'state'],
  ])('shows an error page and never redirects for %s', async (_name, over, word) => {
    const res = await fetch(authorizeUrl(over), { redirect: 'manual' });
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
    expect(await res.text()).toContain(word);
  });

  it('accepts a state of exactly 128 letters and digits', async () => {
    const res = await fetch(authorizeUrl({ state: 'aZ9'.repeat(42) + 'xy' }), { redirect: 'manual' });
    expect(res.status).toBe(200);
  });
});

describe('consent and refusal', () => {
  it('redirects a consent to redirect_uri with a code and the state, keeping its query, and remembers the user in a cookie', async () => {
    const before = await codeCount();
    const res = await authorize(s, { ...authorizeQuery(), user: 'new', nickname: '小明', headimgurl: 'https://example.com/a.png', decision: 'allow' });

    expect(res.status).toBe(302);
    const location = new URL(res.headers.get('location')!);
    expect(`${location.origin}${location.pathname}`).toBe('http://127.0.0.1:3000/auth/wechat/callback');
    expect(location.searchParams.get('next')).toBe('/courses');
    expect(location.searchParams.get('state')).toBe('abc123');
    expect(location.searchParams.get('code')).toMatch(/^[A-Za-z0-9]{32}$/);
    const cookie = res.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^sandbox_wx_user=o[\w-]{27};/);
    expect(cookie).toContain(`Path=${MOUNT}`);
    expect(cookie).toContain('HttpOnly');
    const code = (await s.db('sandbox_wechat_codes').where({ code: location.searchParams.get('code') }).first()) as Record<string, unknown>;
    expect(code).toMatchObject({ appid: APPID, scope: 'snsapi_userinfo', used_at: null });
    expect(await s.db('sandbox_wechat_users').where({ openid: code.openid, nickname: '小明', headimgurl: 'https://example.com/a.png' })).toHaveLength(1);
    expect(await codeCount()).toBe(before + 1);
  });

  it('redirects a refusal with the state and no code, and issues no code', async () => {
    const before = await codeCount();
    const res = await authorize(s, { ...authorizeQuery({ state: 'refused1' }), user: 'new', nickname: '不同意', decision: 'deny' });
    expect(res.status).toBe(302);
    const location = new URL(res.headers.get('location')!);
    expect(location.searchParams.get('state')).toBe('refused1');
    expect(location.searchParams.has('code')).toBe(false);
    expect(await codeCount()).toBe(before);
  });

  it('re-renders with 422 and creates no user when a new user has no nickname', async () => {
    const users = (await s.db('sandbox_wechat_users')).length;
    const res = await authorize(s, { ...authorizeQuery(), user: 'new', nickname: '  ', decision: 'allow' });
    expect(res.status).toBe(422);
    expect(await res.text()).toContain('请填写昵称');
    expect((await s.db('sandbox_wechat_users')).length).toBe(users);
  });

  it('re-renders with 422 for an unknown existing user', async () => {
    const res = await authorize(s, { ...authorizeQuery(), user: 'oNOBODYxxxxxxxxxxxxxxxxxxxxx', decision: 'allow' });
    expect(res.status).toBe(422);
    expect(await res.text()).toContain('请选择一个测试用户');
  });

  it('lets an existing user consent again without creating another', async () => {
    const first = await consentAsNewUser(s, { nickname: '老用户' });
    const users = (await s.db('sandbox_wechat_users')).length;
    const res = await authorize(s, { ...authorizeQuery(), user: first.openid, decision: 'allow' });
    expect(res.status).toBe(302);
    const token = await exchange(s, new URL(res.headers.get('location')!).searchParams.get('code')!);
    expect(token.openid).toBe(first.openid);
    expect((await s.db('sandbox_wechat_users')).length).toBe(users);
  });
});

describe('snsapi_base is silent once the browser has picked a user', () => {
  it('redirects at once with a code for the remembered user', async () => {
    const { cookie, openid } = await consentAsNewUser(s, { nickname: '静默用户' });
    const res = await fetch(authorizeUrl({ scope: 'snsapi_base', state: 'silent' }), { redirect: 'manual', headers: { Cookie: cookie } });
    expect(res.status).toBe(302);
    const location = new URL(res.headers.get('location')!);
    expect(location.searchParams.get('state')).toBe('silent');
    const token = await exchange(s, location.searchParams.get('code')!);
    expect(token).toMatchObject({ openid, scope: 'snsapi_base' });
  });

  it('shows the page without the cookie, with a cookie for an unknown user, and for snsapi_userinfo', async () => {
    const { cookie } = await consentAsNewUser(s);
    const none = await fetch(authorizeUrl({ scope: 'snsapi_base' }), { redirect: 'manual' });
    const unknown = await fetch(authorizeUrl({ scope: 'snsapi_base' }), { redirect: 'manual', headers: { Cookie: 'sandbox_wx_user=oUnknownUserxxxxxxxxxxxxxxxx' } });
    const userinfo = await fetch(authorizeUrl({ scope: 'snsapi_userinfo' }), { redirect: 'manual', headers: { Cookie: cookie } });
    expect([none.status, unknown.status, userinfo.status]).toEqual([200, 200, 200]);
    expect(await none.text()).toContain('获取你的身份标识');
  });
});

describe('exchanging the code', () => {
  it('answers the access_token, refresh_token, openid and scope, without unionid for a plain account', async () => {
    const { code, openid } = await consentAsNewUser(s);
    const body = await exchange(s, code);
    expect(body).toEqual({ access_token: expect.stringMatching(/^[\w-]{64,}$/), expires_in: 7200, refresh_token: expect.stringMatching(/^[\w-]{64,}$/), openid, scope: 'snsapi_userinfo' });
    expect(await s.db('sandbox_wechat_tokens').where({ token: body.access_token, kind: 'oauth', openid })).toHaveLength(1);
  });

  it('adds is_snapshotuser: 1 when the tester ticked 快照页用户', async () => {
    const { code } = await consentAsNewUser(s, { snapshot: '1' });
    expect(await exchange(s, code)).toMatchObject({ is_snapshotuser: 1 });
  });

  it('answers 40163 to a code used a second time', async () => {
    const { code } = await consentAsNewUser(s);
    expect((await exchange(s, code)).access_token).toBeDefined();
    expect(await exchange(s, code)).toEqual({ errcode: 40163, errmsg: 'code been used' });
  });

  it('lets exactly one of ten racing exchanges of one code succeed', async () => {
    const { code } = await consentAsNewUser(s);
    const all = await Promise.all(Array.from({ length: 10 }, () => exchange(s, code)));
    expect(all.filter((b) => typeof b.access_token === 'string')).toHaveLength(1);
    expect(all.filter((b) => b.errcode === 40163)).toHaveLength(9);
  });

  it('answers 40029 to an unknown code', async () => {
    expect(await exchange(s, 'NOSUCHCODE0000000000000000000000')).toEqual({ errcode: 40029, errmsg: 'invalid code' });
  });

  it('answers 40029 to a code older than five minutes, and accepts it just before', async () => {
    const late = await consentAsNewUser(s);
    const inTime = await consentAsNewUser(s);
    s.clock.advance(5 * 60_000 - 1);
    expect((await exchange(s, inTime.code)).access_token).toBeDefined();
    s.clock.advance(1);
    expect(await exchange(s, late.code)).toMatchObject({ errcode: 40029 });
    expect((await s.db('sandbox_wechat_codes').where({ code: late.code }).first()).used_at).toBeNull();
  });

  it.each([
    ['a wrong secret', 40125, { secret: '0'.repeat(32) }],
    ['another appid', 40013, { appid: 'wx0000000000000000' }],
    ['grant_type client_credential', 40002, { grant_type: 'client_credential' }],
  ])('answers %s with %i and leaves the code usable', async (_name, errcode, over) => {
    const { code } = await consentAsNewUser(s);
    expect(await exchange(s, code, over)).toMatchObject({ errcode });
    expect((await exchange(s, code)).access_token).toBeDefined();
  });
});

describe('userinfo', () => {
  it('answers the profile for a snsapi_userinfo token', async () => {
    const { code, openid } = await consentAsNewUser(s, { nickname: '资料用户', headimgurl: 'https://example.com/me.jpg' });
    const t = await exchange(s, code);
    const info = await s.get(`/sns/userinfo?access_token=${t.access_token as string}&openid=${openid}&lang=zh_CN`);
    expect(info).toMatchObject({ openid, nickname: '资料用户', sex: 0, province: '', city: '', country: '', headimgurl: 'https://example.com/me.jpg', privilege: [] });
    expect(info).not.toHaveProperty('unionid');
  });

  it('answers 48001 for a snsapi_base token', async () => {
    const { code, openid } = await consentAsNewUser(s, { ...authorizeQuery({ scope: 'snsapi_base' }) });
    const t = await exchange(s, code);
    expect(t.scope).toBe('snsapi_base');
    expect(await s.get(`/sns/userinfo?access_token=${t.access_token as string}&openid=${openid}&lang=zh_CN`)).toMatchObject({ errcode: 48001 });
  });

  it('answers 40001 to an unknown token, 40003 to another openid and 42001 after two hours', async () => {
    const { code, openid } = await consentAsNewUser(s);
    const t = await exchange(s, code);
    expect(await s.get(`/sns/userinfo?access_token=nosuchtoken&openid=${openid}`)).toMatchObject({ errcode: 40001 });
    expect(await s.get(`/sns/userinfo?access_token=${t.access_token as string}&openid=oSomeoneElsexxxxxxxxxxxxxxxx`)).toMatchObject({ errcode: 40003 });
    s.clock.advance(7200_000);
    expect(await s.get(`/sns/userinfo?access_token=${t.access_token as string}&openid=${openid}`)).toMatchObject({ errcode: 42001 });
  });

  it('refreshes an OAuth token with its refresh_token', async () => {
    const { code, openid } = await consentAsNewUser(s);
    const t = await exchange(s, code);
    s.clock.advance(7200_000);
    const r = await s.get(`/sns/oauth2/refresh_token?appid=${APPID}&grant_type=refresh_token&refresh_token=${t.refresh_token as string}`);
    expect(r).toMatchObject({ openid, scope: 'snsapi_userinfo', expires_in: 7200, refresh_token: t.refresh_token });
    expect(r.access_token).not.toBe(t.access_token);
    expect(await s.get(`/sns/userinfo?access_token=${r.access_token as string}&openid=${openid}`)).toMatchObject({ openid });
  });
});

describe('an account bound to the Open Platform', () => {
  it('answers unionid in the exchange and in userinfo', async () => {
    const u = await startOaSandbox({ unionid: true });
    try {
      const { code, openid } = await consentAsNewUser(u);
      const t = await exchange(u, code);
      const { unionid } = (await u.db('sandbox_wechat_users').where({ openid }).first()) as { unionid: string };
      expect(t.unionid).toBe(unionid);
      expect(await u.get(`/sns/userinfo?access_token=${t.access_token as string}&openid=${openid}`)).toMatchObject({ unionid });
    } finally {
      await u.close();
    }
  });
});
