import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MENU_LIMITS } from '../../../src/modules/sandbox/official-account/index.js';
import { APPID, SECRET, startOaSandbox, type RunningOaSandbox } from './official-account-harness.js';

let s: RunningOaSandbox;
beforeAll(async () => {
  s = await startOaSandbox();
});
afterAll(async () => s.close());

const MIN = 60_000;
const token = async () => (await s.get(`/cgi-bin/token?grant_type=client_credential&appid=${APPID}&secret=${SECRET}`)).access_token as string;
const stable = (force = false) => s.post('/cgi-bin/stable_token', { grant_type: 'client_credential', appid: APPID, secret: SECRET, force_refresh: force });
const ticket = (t: string) => s.get(`/cgi-bin/ticket/getticket?access_token=${encodeURIComponent(t)}&type=jsapi`);
const stats = () => s.get('/sandbox/stats');

describe('/cgi-bin/token', () => {
  it('answers a new token on every fetch and counts the fetches', async () => {
    const before = await stats();
    const a = await s.get(`/cgi-bin/token?grant_type=client_credential&appid=${APPID}&secret=${SECRET}`);
    const b = await token();
    expect(a).toEqual({ access_token: expect.stringMatching(/^[\w-]{64,}$/), expires_in: 7200 });
    expect(b).not.toBe(a.access_token);
    expect((await stats()).tokenFetches).toBe((before.tokenFetches as number) + 2);
  });

  it('keeps the previous token valid for five minutes after a new fetch, then answers 40001', async () => {
    const old = await token();
    await token();
    s.clock.advance(5 * MIN - 1000);
    expect(await ticket(old)).toMatchObject({ errcode: 0 });
    s.clock.advance(1000);
    expect(await ticket(old)).toEqual({ errcode: 40001, errmsg: 'invalid credential, access_token is invalid or not latest' });
  });

  it('answers 42001 once the newest token is two hours old', async () => {
    const t = await token();
    s.clock.advance(7200_000 - 1000);
    expect(await ticket(t)).toMatchObject({ errcode: 0 });
    s.clock.advance(1000);
    expect(await ticket(t)).toEqual({ errcode: 42001, errmsg: 'access_token expired' });
  });

  it.each([
    ['a wrong secret', 40125, `appid=${APPID}&secret=${'0'.repeat(32)}&grant_type=client_credential`],
    ['another appid', 40013, `appid=wx0000000000000000&secret=${SECRET}&grant_type=client_credential`],
    ['no grant_type', 40002, `appid=${APPID}&secret=${SECRET}`],
  ])('answers %s with %i and issues nothing', async (_name, errcode, query) => {
    const before = await stats();
    expect(await s.get(`/cgi-bin/token?${query}`)).toMatchObject({ errcode });
    expect((await stats()).tokenFetches).toBe(before.tokenFetches);
  });
});

describe('/cgi-bin/stable_token', () => {
  it('answers the same token until force_refresh, which ends the previous one at once', async () => {
    const before = await stats();
    const a = await stable();
    const b = await stable();
    expect(a).toEqual({ access_token: expect.any(String), expires_in: 7200 });
    expect(b.access_token).toBe(a.access_token);
    const c = await stable(true);
    expect(c.access_token).not.toBe(a.access_token);
    expect(await ticket(a.access_token as string)).toMatchObject({ errcode: 40001 });
    expect(await ticket(c.access_token as string)).toMatchObject({ errcode: 0 });
    expect((await stats()).stableTokenFetches).toBe((before.stableTokenFetches as number) + 3);
  });

  it('counts down expires_in and renews the token in its last five minutes, the old one running out', async () => {
    const a = await stable(true);
    s.clock.advance(3600_000);
    expect(await stable()).toEqual({ access_token: a.access_token, expires_in: 3600 });
    s.clock.advance(3600_000 - 5 * MIN + 1000);
    const renewed = await stable();
    expect(renewed.access_token).not.toBe(a.access_token);
    expect(await ticket(a.access_token as string)).toMatchObject({ errcode: 0 });
  });

  it('is separate from /cgi-bin/token: a new token does not supersede the stable one', async () => {
    const a = await stable(true);
    await token();
    s.clock.advance(6 * MIN);
    expect(await ticket(a.access_token as string)).toMatchObject({ errcode: 0 });
  });

  it('agrees on one token when ten first fetches race', async () => {
    const fresh = await startOaSandbox();
    try {
      const all = await Promise.all(Array.from({ length: 10 }, () => fresh.post('/cgi-bin/stable_token', { grant_type: 'client_credential', appid: APPID, secret: SECRET })));
      expect(new Set(all.map((r) => r.access_token)).size).toBe(1);
      expect(await fresh.db('sandbox_wechat_tokens').where({ kind: 'stable' })).toHaveLength(1);
    } finally {
      await fresh.close();
    }
  });

  it('answers 40125 to a wrong secret and 44002 / 47001 to an empty or broken body', async () => {
    expect(await s.post('/cgi-bin/stable_token', { grant_type: 'client_credential', appid: APPID, secret: 'nope' })).toMatchObject({ errcode: 40125 });
    expect(await s.post('/cgi-bin/stable_token', '')).toMatchObject({ errcode: 44002 });
    expect(await s.post('/cgi-bin/stable_token', '{"grant_type":')).toMatchObject({ errcode: 47001 });
  });
});

describe('/cgi-bin/ticket/getticket', () => {
  it('answers a jsapi_ticket for a valid token and counts it', async () => {
    const before = await stats();
    const body = await ticket(await token());
    expect(body).toEqual({ errcode: 0, errmsg: 'ok', ticket: expect.stringMatching(/^[A-Za-z0-9-]{40,}$/), expires_in: 7200 });
    expect((await stats()).ticketFetches).toBe((before.ticketFetches as number) + 1);
  });

  it('answers 40001 to an unknown token and 41001 to none, and counts neither', async () => {
    const before = await stats();
    expect(await ticket('nosuchtoken')).toMatchObject({ errcode: 40001 });
    expect(await s.get('/cgi-bin/ticket/getticket?type=jsapi')).toMatchObject({ errcode: 41001 });
    expect((await stats()).ticketFetches).toBe(before.ticketFetches);
  });

  it('refuses an OAuth (user) token', async () => {
    await s.db('sandbox_wechat_tokens').insert({ kind: 'oauth', token: 'useroauthtoken', appid: APPID, openid: 'oX', scope: 'snsapi_base', is_snapshotuser: false, expires_at: new Date(s.clock.now().getTime() + 3600_000), created_at: s.clock.now() });
    expect(await ticket('useroauthtoken')).toMatchObject({ errcode: 40001 });
  });
});

describe('POST /sandbox/expire-tokens', () => {
  it('makes every current access token answer 40001, and a new fetch works again', async () => {
    const t = await token();
    const st = (await stable()).access_token as string;
    const res = await fetch(`${s.base}/sandbox/expire-tokens`, { method: 'POST' });
    expect(res.status).toBe(200);
    expect(await ticket(t)).toMatchObject({ errcode: 40001 });
    expect(await ticket(st)).toMatchObject({ errcode: 40001 });
    const st2 = (await stable()).access_token as string;
    expect(st2).not.toBe(st);
    expect(await ticket(st2)).toMatchObject({ errcode: 0 });
    expect(await ticket(await token())).toMatchObject({ errcode: 0 });
  });
});

describe('the custom menu', () => {
  const view = (name: string, url = 'https://zhifu.example.com/') => ({ type: 'view', name, url });
  const click = (name: string, key = 'K1') => ({ type: 'click', name, key });
  const create = async (menu: unknown) => s.post(`/cgi-bin/menu/create?access_token=${encodeURIComponent(await token())}`, menu);

  it('accepts a menu at the limits and reads it back', async () => {
    const more = { name: '更多', sub_button: [view('我'.repeat(13)), click('a'), click('b', 'k'.repeat(MENU_LIMITS.keyBytes)), view('d', `https://e.com/${'x'.repeat(256 - 14)}`), click('e')] };
    const menu = { button: [view('课'.repeat(5)) /* 15 bytes */, more, click('最近课程', 'RECENT')] };
    expect(await create(menu)).toEqual({ errcode: 0, errmsg: 'ok' });
    expect(await s.get('/sandbox/menu')).toEqual({ menu });
    const t = await token();
    expect(await s.get(`/cgi-bin/menu/get?access_token=${t}`)).toEqual({ menu });
    const self = await s.get(`/cgi-bin/get_current_selfmenu_info?access_token=${t}`);
    expect(self).toMatchObject({ is_menu_open: 1, selfmenu_info: { button: [menu.button[0], { name: '更多', sub_button: { list: more.sub_button } }, menu.button[2]] } });
  });

  it.each([
    ['no buttons', 40016, { button: [] }],
    ['four top-level buttons', 40016, { button: [click('a'), click('b'), click('c'), click('d')] }],
    ['an unknown type', 40017, { button: [{ type: 'jump', name: 'a', key: 'k' }] }],
    ['a button with neither type nor sub-buttons', 40017, { button: [{ name: 'a', sub_button: [] }] }],
    ['a top-level name of 17 bytes', 40018, { button: [click('a'.repeat(17))] }],
    ['a top-level name of six Chinese characters (18 bytes)', 40018, { button: [click('课'.repeat(6))] }],
    ['an empty name', 40018, { button: [click('')] }],
    ['a click without key', 40019, { button: [{ type: 'click', name: 'a' }] }],
    ['a key of 129 bytes', 40019, { button: [click('a', 'k'.repeat(129))] }],
    ['a view without url', 40020, { button: [{ type: 'view', name: 'a' }] }],
    ['a top-level url of 257 bytes', 40020, { button: [view('a', `https://e.com/${'x'.repeat(257 - 14)}`)] }],
    ['a third menu level', 40022, { button: [{ name: 'a', sub_button: [{ name: 'b', sub_button: [click('c')] }] }] }],
    ['six sub-buttons', 40023, { button: [{ name: 'a', sub_button: [1, 2, 3, 4, 5, 6].map((i) => click(`s${i}`)) }] }],
    ['a sub-button of an unknown type', 40024, { button: [{ name: 'a', sub_button: [{ type: 'jump', name: 'b' }] }] }],
    ['a sub-button name of 41 bytes', 40025, { button: [{ name: 'a', sub_button: [click('a'.repeat(41))] }] }],
    ['a sub-button click without key', 40026, { button: [{ name: 'a', sub_button: [{ type: 'click', name: 'b' }] }] }],
    ['a sub-button url of 257 bytes', 40027, { button: [{ name: 'a', sub_button: [view('b', `https://e.com/${'x'.repeat(257 - 14)}`)] }] }],
    ['a sub-button url that is not http(s)', 40027, { button: [{ name: 'a', sub_button: [view('b', 'ftp://e.com/')] }] }],
  ])('refuses %s with %i and keeps the previous menu', async (_name, errcode, menu) => {
    const before = await s.get('/sandbox/menu');
    const res = await create(menu);
    expect(res.errcode).toBe(errcode);
    expect(typeof res.errmsg).toBe('string');
    expect(await s.get('/sandbox/menu')).toEqual(before);
  });

  it('answers 40001 to an invalid token before looking at the body, and 47001 to broken JSON', async () => {
    expect(await s.post('/cgi-bin/menu/create?access_token=nosuchtoken', '{broken')).toMatchObject({ errcode: 40001 });
    expect(await s.post(`/cgi-bin/menu/create?access_token=${await token()}`, '{broken')).toMatchObject({ errcode: 47001 });
  });

  it('deletes the menu; menu/get then answers 46003', async () => {
    await create({ button: [click('a')] });
    const t = await token();
    expect(await s.get(`/cgi-bin/menu/delete?access_token=${t}`)).toEqual({ errcode: 0, errmsg: 'ok' });
    expect(await s.get('/sandbox/menu')).toEqual({ menu: null });
    expect(await s.get(`/cgi-bin/menu/get?access_token=${t}`)).toMatchObject({ errcode: 46003 });
    expect(await s.get(`/cgi-bin/get_current_selfmenu_info?access_token=${t}`)).toMatchObject({ is_menu_open: 0 });
  });
});
