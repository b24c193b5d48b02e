import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browser, csrfFrom, register } from '../../support/forms.js';
import { startTestApp, type TestApp } from '../../support/test-app.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => t.close());

describe('registration', () => {
  it('creates a learner with an argon2id hash, logs them in and shows them in the header', async () => {
    const agent = browser(t.app);
    const res = await register(agent, 'Alice_01');

    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/');
    const row = await t.db('users').where({ username: 'alice_01' }).first();
    expect(row).toMatchObject({ role: 'learner', nickname: 'alice_01' });
    expect(row.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,p=1,t=2\$/);
    const home = await agent.get('/');
    expect(home.text).toContain('你好，alice_01');
    expect(home.text).toContain('欢迎加入知付');
  });

  it('uses the nickname when one is given', async () => {
    const agent = browser(t.app);
    const form = await agent.get('/register');
    await agent.post('/register').type('form').send({ _csrf: csrfFrom(form.text), username: 'bob', nickname: '小鲍', password: 'a long secret', password_confirm: 'a long secret' });
    expect((await agent.get('/')).text).toContain('你好，小鲍');
  });

  it('refuses a username that is taken, whatever its case, keeping the typed values but not the password', async () => {
    await register(browser(t.app), 'carol');
    const agent = browser(t.app);
    const res = await register(agent, 'CAROL', 'another secret 1');

    expect(res.status).toBe(422);
    expect(res.text).toContain('这个用户名已被注册');
    expect(res.text).toContain('value="CAROL"');
    expect(res.text).not.toContain('another secret 1');
    expect(await t.db('users').where({ username: 'carol' })).toHaveLength(1);
  });

  it.each([
    ['a too short username', { username: 'ab' }, 'username', '用户名至少 3 个字符'],
    ['a too long username', { username: 'a'.repeat(21) }, 'username', '用户名最多 20 个字符'],
    ['a username with other characters', { username: 'bad name!' }, 'username', '用户名以字母开头'],
    ['a username starting with a digit', { username: '9lives' }, 'username', '用户名以字母开头'],
    ['a short password', { password: 'short', password_confirm: 'short' }, 'password', '密码至少 8 位'],
    ['a password containing the username', { username: 'dave', password: 'dave12345', password_confirm: 'dave12345' }, 'password', '密码不能包含用户名'],
    ['passwords that differ', { password: 'one secret', password_confirm: 'two secret' }, 'password_confirm', '两次输入的密码不一致'],
    ['a too long nickname', { nickname: '名'.repeat(21) }, 'nickname', '昵称最多 20 个字'],
  ])('refuses %s with a message next to the field', async (_name, fields, field, message) => {
    const agent = browser(t.app);
    const form = await agent.get('/register');
    const before = await t.db('users').count({ n: '*' }).first();
    const res = await agent
      .post('/register')
      .type('form')
      .send({ _csrf: csrfFrom(form.text), username: 'valid_name', password: 'a good secret', password_confirm: 'a good secret', ...fields });

    expect(res.status).toBe(422);
    expect(res.text).toMatch(new RegExp(`id="e-${field}">${message}`));
    expect(await t.db('users').count({ n: '*' }).first()).toEqual(before);
  });

  it('rejects a form without a CSRF token or with a wrong one with 403', async () => {
    const agent = browser(t.app);
    await agent.get('/register');
    const missing = await agent.post('/register').type('form').send({ username: 'eve', password: 'a good secret', password_confirm: 'a good secret' });
    const wrong = await agent.post('/register').type('form').send({ _csrf: 'forged', username: 'eve', password: 'a good secret', password_confirm: 'a good secret' });

    expect(missing.status).toBe(403);
    expect(wrong.status).toBe(403);
    expect(wrong.text).toContain('页面已过期或表单无效');
    expect(await t.db('users').where({ username: 'eve' })).toHaveLength(0);
  });

  it('ignores non-string form fields instead of failing', async () => {
    const agent = browser(t.app);
    const form = await agent.get('/register');
    const res = await agent.post('/register').type('form').send(`_csrf=${csrfFrom(form.text)}&username=frank&username=again&password=x`);
    expect(res.status).toBe(422);
  });
});
