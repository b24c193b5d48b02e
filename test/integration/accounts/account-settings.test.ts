import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../../support/factories.js';
import { browser, logIn, register, submitForm } from '../../support/forms.js';
import { startTestApp, type TestApp } from '../../support/test-app.js';

const HEADER_USER = /data-testid="current-user">你好，([^<]+)</;

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => t.close());

async function loggedIn(username: string, password: string) {
  const agent = browser(t.app);
  expect((await logIn(agent, username, password)).status).toBe(303);
  return agent;
}

describe('账号设置: nickname', () => {
  it('changes the nickname shown in the header', async () => {
    const user = await createUser(t.db);
    const agent = await loggedIn(user.username, user.password);

    const res = await submitForm(agent, '/me/account', '/me/account/nickname', { nickname: '  新昵称  ' });
    const home = await agent.get('/');

    expect(res.status).toBe(303);
    expect(HEADER_USER.exec(home.text)?.[1]).toBe('新昵称');
    expect(await t.db('users').where({ id: user.id }).first()).toMatchObject({ nickname: '新昵称' });
  });

  it('refuses an empty or too long nickname with 422 and a message, changing nothing', async () => {
    const user = await createUser(t.db);
    const agent = await loggedIn(user.username, user.password);

    const empty = await submitForm(agent, '/me/account', '/me/account/nickname', { nickname: '   ' });
    const long = await submitForm(agent, '/me/account', '/me/account/nickname', { nickname: '长'.repeat(21) });
    const invisible = await submitForm(agent, '/me/account', '/me/account/nickname', { nickname: '\u200b\u200b\u202e\t' });

    expect([empty.status, long.status, invisible.status]).toEqual([422, 422, 422]);
    expect(empty.text).toContain('请填写昵称');
    expect(long.text).toContain('昵称最多 20 个字');
    expect(await t.db('users').where({ id: user.id }).first()).toMatchObject({ nickname: user.username });
  });
});

describe('账号设置: password', () => {
  it('needs the current password, changes it, and ends every other session of the account but this one', async () => {
    const user = await createUser(t.db);
    const here = await loggedIn(user.username, user.password);
    const phone = await loggedIn(user.username, user.password);
    const stranger = await createUser(t.db);
    const strangerAgent = await loggedIn(stranger.username, stranger.password);

    const res = await submitForm(here, '/me/account', '/me/account/password', { current_password: user.password, password: 'a brand new secret', password_confirm: 'a brand new secret' });
    const page = await here.get('/me/account');

    expect(res.status).toBe(303);
    expect(page.text).toContain('密码已修改，其他 1 个设备已退出登录');
    expect(HEADER_USER.exec((await here.get('/')).text)?.[1]).toBe(user.username);
    expect(HEADER_USER.exec((await phone.get('/')).text)).toBeNull();
    expect(HEADER_USER.exec((await strangerAgent.get('/')).text)?.[1]).toBe(stranger.username);
    expect((await logIn(browser(t.app), user.username, user.password)).status).not.toBe(303);
    expect((await logIn(browser(t.app), user.username, 'a brand new secret')).status).toBe(303);
  });

  it('refuses a wrong current password, a mismatch and a password of spaces, with 422 and no change', async () => {
    const user = await createUser(t.db);
    const agent = await loggedIn(user.username, user.password);
    const before = (await t.db('users').where({ id: user.id }).first()).password_hash;

    const wrong = await submitForm(agent, '/me/account', '/me/account/password', { current_password: 'not it at all', password: 'another secret 1', password_confirm: 'another secret 1' });
    const mismatch = await submitForm(agent, '/me/account', '/me/account/password', { current_password: user.password, password: 'another secret 1', password_confirm: 'another secret 2' });
    const spaces = await submitForm(agent, '/me/account', '/me/account/password', { current_password: user.password, password: '          ', password_confirm: '          ' });

    expect([wrong.status, mismatch.status, spaces.status]).toEqual([422, 422, 422]);
    expect(wrong.text).toContain('当前密码不正确');
    expect(mismatch.text).toContain('两次输入的密码不一致');
    expect(spaces.text).toContain('密码不能只由空格组成');
    expect((await t.db('users').where({ id: user.id }).first()).password_hash).toBe(before);
  });
});

describe('registration', () => {
  it('refuses a password made only of spaces', async () => {
    const res = await register(browser(t.app), 'spacey', '            ');

    expect(res.status).toBe(422);
    expect(res.text).toContain('密码不能只由空格组成');
    expect(await t.db('users').where({ username: 'spacey' })).toHaveLength(0);
  });
});
