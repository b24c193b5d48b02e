import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../../support/factories.js';
import { csrfFrom } from '../../support/forms.js';
import { startListeningApp, type ListeningApp } from '../../support/listening-app.js';
import { browserFor, headerUser, wechatLogin, type Agent } from './oa-harness.js';

// 账号设置 for accounts that came through WeChat: they have no username or password until they set one,
// and unbinding WeChat must never leave an account nobody can log in to.
let t: ListeningApp;
beforeAll(async () => {
  t = await startListeningApp();
});
afterAll(async () => t?.close());

let n = 0;
/** A browser logged in to a fresh account created by WeChat login, and that account's row. */
async function wechatAccount(): Promise<{ agent: Agent; id: number; openid: string; nickname: string }> {
  const nickname = `微信学员${++n}`;
  const agent = browserFor(t);
  const { res } = await wechatLogin(t, agent, { nickname });
  expect(res.status).toBe(303);
  const wx = await t.db('sandbox_wechat_users').where({ nickname }).first();
  const row = await t.db('users').where({ wechat_openid: wx.openid }).first();
  return { agent, id: row.id, openid: wx.openid, nickname };
}

async function postFromSettings(agent: Agent, action: string, fields: Record<string, string> = {}) {
  const page = await agent.get('/me/account');
  expect(page.status).toBe(200);
  return agent.post(action).type('form').send({ _csrf: csrfFrom(page.text), ...fields });
}

describe('account settings for WeChat-created accounts', () => {
  it('sends a visitor to the login page', async () => {
    const res = await browserFor(t).get('/me/account');
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/login?next=%2Fme%2Faccount');
  });

  it('lets a WeChat-created account set a username and password, which then work at /login', async () => {
    const me = await wechatAccount();
    const page = await me.agent.get('/me/account');
    expect(page.text).toContain('设置用户名和密码');

    const res = await postFromSettings(me.agent, '/me/account/credentials', { username: 'Wx_Learner1', password: 'a long secret', password_confirm: 'a long secret' });

    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/me/account');
    const after = await me.agent.get('/me/account');
    expect(after.text).toContain('已设置用户名和密码');
    expect(after.text).not.toContain('action="/me/account/credentials"');
    const row = await t.db('users').where({ id: me.id }).first();
    expect(row).toMatchObject({ username: 'wx_learner1', wechat_openid: me.openid, nickname: me.nickname });
    expect(row.password_hash).toMatch(/^\$argon2id\$/);

    const desktop = browserFor(t);
    const form = await desktop.get('/login');
    const login = await desktop.post('/login').type('form').send({ _csrf: csrfFrom(form.text), username: 'wx_learner1', password: 'a long secret' });
    expect(login.status).toBe(303);
    expect(headerUser((await desktop.get('/')).text)).toBe(me.nickname);
  });

  it.each([
    ['a too short username', { username: 'ab' }, 'username', '用户名至少 3 个字符'],
    ['a username starting with a digit', { username: '9lives' }, 'username', '用户名以字母开头'],
    ['a short password', { password: 'short', password_confirm: 'short' }, 'password', '密码至少 8 位'],
    ['a password containing the username', { username: 'dave', password: 'dave12345', password_confirm: 'dave12345' }, 'password', '密码不能包含用户名'],
    ['passwords that differ', { password: 'one secret', password_confirm: 'two secret' }, 'password_confirm', '两次输入的密码不一致'],
    ['a username someone else has', { username: 'TAKEN_NAME' }, 'username', '这个用户名已被注册'],
  ])('refuses %s with 422 and a message next to the field, changing nothing', async (_name, fields, field, message) => {
    if (!(await t.db('users').where({ username: 'taken_name' }).first())) await createUser(t.db, { username: 'taken_name' });
    const me = await wechatAccount();
    const before = await t.db('users').where({ id: me.id }).first();

    const res = await postFromSettings(me.agent, '/me/account/credentials', { username: 'valid_name', password: 'a good secret', password_confirm: 'a good secret', ...fields });

    expect(res.status).toBe(422);
    expect(res.text).toMatch(new RegExp(`id="e-${field}">${message}`));
    expect(res.text).not.toContain('a good secret');
    expect(await t.db('users').where({ id: me.id }).first()).toEqual(before);
  });

  it('refuses to replace the credentials of an account that already has them', async () => {
    const me = await wechatAccount();
    expect((await postFromSettings(me.agent, '/me/account/credentials', { username: 'first_name', password: 'a long secret', password_confirm: 'a long secret' })).status).toBe(303);
    const before = await t.db('users').where({ id: me.id }).first();
    const home = await me.agent.get('/');

    const res = await me.agent.post('/me/account/credentials').type('form').send({ _csrf: csrfFrom(home.text), username: 'second_name', password: 'another secret', password_confirm: 'another secret' });

    expect(res.status).toBe(409);
    expect(await t.db('users').where({ id: me.id }).first()).toEqual(before);
  });

  it('sets credentials once when two forms are submitted at the same moment', async () => {
    const me = await wechatAccount();
    const page = await me.agent.get('/me/account');
    const csrf = csrfFrom(page.text);
    const submit = (username: string) => me.agent.post('/me/account/credentials').type('form').send({ _csrf: csrf, username, password: 'a long secret', password_confirm: 'a long secret' });

    const [a, b] = await Promise.all([submit('racer_one'), submit('racer_two')]);

    expect([a.status, b.status].sort()).toEqual([303, 409]);
    const winner = a.status === 303 ? 'racer_one' : 'racer_two';
    expect(await t.db('users').where({ id: me.id }).first()).toMatchObject({ username: winner });
  });

  it('refuses to unbind WeChat from an account without a password, saying why', async () => {
    const me = await wechatAccount();

    const res = await postFromSettings(me.agent, '/me/account/unbind-wechat');

    expect(res.status).toBe(303);
    const page = await me.agent.get(res.headers.location!);
    expect(page.text).toContain('请先设置用户名和密码，再解绑微信');
    expect(page.text).toContain('已绑定');
    expect(await t.db('users').where({ id: me.id }).first()).toMatchObject({ wechat_openid: me.openid });
  });

  it('unbinds WeChat once the account has a password, and the password still logs in', async () => {
    const me = await wechatAccount();
    await postFromSettings(me.agent, '/me/account/credentials', { username: 'unbinder', password: 'a long secret', password_confirm: 'a long secret' });

    const res = await postFromSettings(me.agent, '/me/account/unbind-wechat');

    expect(res.status).toBe(303);
    const page = await me.agent.get('/me/account');
    expect(page.text).toContain('已解绑微信');
    expect(page.text).toContain('未绑定');
    expect(await t.db('users').where({ id: me.id }).first()).toMatchObject({ wechat_openid: null, wechat_unionid: null, username: 'unbinder' });

    const desktop = browserFor(t);
    const form = await desktop.get('/login');
    expect((await desktop.post('/login').type('form').send({ _csrf: csrfFrom(form.text), username: 'unbinder', password: 'a long secret' })).status).toBe(303);
  });
});
