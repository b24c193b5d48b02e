import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../../support/factories.js';
import { csrfFrom } from '../../support/forms.js';
import { startListeningApp, type ListeningApp } from '../../support/listening-app.js';
import { WECHAT_UA, beginWechatLogin, browserFor, consent, headerUser, localPath, wechatLogin, type Agent } from './oa-harness.js';

// WeChat login against the Official Account sandbox mounted in the listening app: the browser goes
// to the sandbox's authorize page, and our server exchanges the code with the sandbox over real HTTP.
let t: ListeningApp;
beforeAll(async () => {
  t = await startListeningApp();
});
afterAll(async () => t?.close());

const userCount = async () => Number((await t.db('users').count({ n: '*' }).first())?.n);
const sandboxUser = (nickname: string) => t.db('sandbox_wechat_users').where({ nickname }).first();
const codeRow = (callback: string) => t.db('sandbox_wechat_codes').where({ code: new URL(callback, t.baseUrl).searchParams.get('code') }).first();

async function passwordUserSignedIn(): Promise<{ agent: Agent; user: { id: number; username: string } }> {
  const user = await createUser(t.db);
  const agent = browserFor(t);
  const form = await agent.get('/login');
  const res = await agent.post('/login').type('form').send({ _csrf: csrfFrom(form.text), username: user.username, password: user.password });
  expect(res.status).toBe(303);
  return { agent, user };
}

async function logOut(agent: Agent) {
  const home = await agent.get('/');
  const res = await agent.post('/logout').type('form').send({ _csrf: csrfFrom(home.text) });
  expect(res.status).toBe(303);
  expect(headerUser((await agent.get('/')).text)).toBeNull();
}

describe('WeChat login (web OAuth against the sandbox)', () => {
  it('creates a learner named after the WeChat nickname, stores the openid, logs them in and lands on next', async () => {
    const before = await userCount();
    const agent = browserFor(t);

    const { res, authorize } = await wechatLogin(t, agent, { nickname: '小明同学', next: '/me/courses' });

    expect(authorize.searchParams.get('scope')).toBe('snsapi_userinfo');
    expect(authorize.searchParams.get('redirect_uri')).toBe(`${t.baseUrl}/auth/wechat/callback`);
    expect(authorize.searchParams.get('state')).toMatch(/^[a-zA-Z0-9]{16,128}$/);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/me/courses');
    const wx = await sandboxUser('小明同学');
    const row = await t.db('users').where({ wechat_openid: wx.openid }).first();
    expect(row).toMatchObject({ nickname: '小明同学', role: 'learner', username: null, password_hash: null });
    expect(await userCount()).toBe(before + 1);
    const page = await agent.get('/me/courses');
    expect(page.status).toBe(200);
    expect(headerUser(page.text)).toBe('小明同学');
    expect(page.text).toContain('欢迎加入知付，小明同学');
  });

  it('logs the account bound to an openid back in on the next login instead of creating a second one', async () => {
    await wechatLogin(t, browserFor(t), { nickname: '回头客' });
    const wx = await sandboxUser('回头客');
    const before = await userCount();

    const other = browserFor(t);
    const { res } = await wechatLogin(t, other, { user: wx.openid, next: '/courses' });

    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/courses');
    expect(await userCount()).toBe(before);
    expect(await t.db('users').where({ wechat_openid: wx.openid })).toHaveLength(1);
    expect(headerUser((await other.get('/')).text)).toBe('回头客');
  });

  describe('admins in sandbox mode, where anyone can be any test WeChat user', () => {
    it('refuses WeChat login into an admin account bound to that openid, with a Chinese message', async () => {
      await wechatLogin(t, browserFor(t), { nickname: '老板的微信' });
      const wx = await sandboxUser('老板的微信');
      await t.db('users').where({ wechat_openid: wx.openid }).update({ role: 'admin' });

      const visitor = browserFor(t);
      const { res } = await wechatLogin(t, visitor, { user: wx.openid });

      expect(res.status).toBe(403);
      expect(res.text).toContain('管理员账号不能使用微信登录或绑定微信');
      expect(headerUser((await visitor.get('/')).text)).toBeNull();
      expect((await visitor.get('/admin')).status).not.toBe(200);
    });

    it('refuses to bind a WeChat identity to a logged-in admin', async () => {
      const { agent, user } = await passwordUserSignedIn();
      await t.db('users').where({ id: user.id }).update({ role: 'admin' });

      const { res } = await wechatLogin(t, agent, { nickname: '想绑定的管理员' });

      expect(res.status).toBe(403);
      expect(await t.db('users').where({ id: user.id }).first()).toMatchObject({ wechat_openid: null });
    });
  });

  describe('silent login inside WeChat (snsapi_base)', () => {
    it('sends a WeChat browser opening /me/courses through snsapi_base and back, logged in as the account it had', async () => {
      const agent = browserFor(t);
      await wechatLogin(t, agent, { nickname: '静默用户' });
      const wx = await sandboxUser('静默用户');
      await logOut(agent);
      const before = await userCount();

      const first = await agent.get('/me/courses?tab=all').set('User-Agent', WECHAT_UA);
      expect(first.status).toBe(302);
      const authorize = new URL(first.headers.location!);
      expect(authorize.searchParams.get('scope')).toBe('snsapi_base');
      // The sandbox remembers which test user this browser picked, so it answers without a page, as WeChat does.
      const silent = await agent.get(localPath(t, authorize.toString())).set('User-Agent', WECHAT_UA);
      expect(silent.status).toBe(302);
      const back = await agent.get(localPath(t, silent.headers.location)).set('User-Agent', WECHAT_UA);

      expect(back.status).toBe(303);
      expect(back.headers.location).toBe('/me/courses?tab=all');
      const page = await agent.get('/me/courses').set('User-Agent', WECHAT_UA);
      expect(page.status).toBe(200);
      expect(headerUser(page.text)).toBe('静默用户');
      expect(await userCount()).toBe(before);
      expect(await t.db('users').where({ wechat_openid: wx.openid })).toHaveLength(1);
    });

    it('creates an account named 微信用户 when a new WeChat user arrives through snsapi_base', async () => {
      const before = await userCount();
      const agent = browserFor(t);
      const first = await agent.get('/me/courses').set('User-Agent', WECHAT_UA);
      expect(first.status).toBe(302);
      const back = await consent(t, agent, new URL(first.headers.location!), { nickname: '基础授权新人' });
      const res = await agent.get(localPath(t, back.headers.location)).set('User-Agent', WECHAT_UA);

      expect(res.status).toBe(303);
      expect(res.headers.location).toBe('/me/courses');
      const wx = await sandboxUser('基础授权新人');
      // snsapi_base gives no profile: the nickname is not ours to know.
      expect(await t.db('users').where({ wechat_openid: wx.openid }).first()).toMatchObject({ nickname: '微信用户' });
      expect(await userCount()).toBe(before + 1);
    });

    it('leaves other browsers, other pages and other methods alone', async () => {
      const desktop = await browserFor(t).get('/me/courses');
      expect(desktop.status).toBe(303);
      expect(desktop.headers.location).toBe('/login?next=%2Fme%2Fcourses');

      const home = await browserFor(t).get('/').set('User-Agent', WECHAT_UA);
      expect(home.status).toBe(200);

      // A POST is never turned into a redirect to WeChat (it would lose its body): it meets the CSRF check as usual.
      const post = await browserFor(t).post('/me/account/unbind-wechat').set('User-Agent', WECHAT_UA);
      expect(post.status).toBe(403);
    });
  });

  describe('binding WeChat to a password account', () => {
    it('binds the openid to the logged-in account without creating another', async () => {
      const { agent, user } = await passwordUserSignedIn();
      const before = await userCount();

      const { res } = await wechatLogin(t, agent, { nickname: '要绑定的微信', next: '/me/account' });

      expect(res.status).toBe(303);
      expect(res.headers.location).toBe('/me/account');
      const wx = await sandboxUser('要绑定的微信');
      expect(await t.db('users').where({ id: user.id }).first()).toMatchObject({ wechat_openid: wx.openid, username: user.username });
      expect(await userCount()).toBe(before);
      const page = await agent.get('/me/account');
      expect(page.text).toContain('已绑定微信');
      expect(headerUser(page.text)).toBe(user.username);
    });

    it('refuses with a 409 page to bind an openid that belongs to another account, changing nothing', async () => {
      await wechatLogin(t, browserFor(t), { nickname: '别人的微信' });
      const wx = await sandboxUser('别人的微信');
      const owner = await t.db('users').where({ wechat_openid: wx.openid }).first();
      const { agent, user } = await passwordUserSignedIn();
      const before = await t.db('users').whereIn('id', [owner.id, user.id]).orderBy('id');

      const { res } = await wechatLogin(t, agent, { user: wx.openid });

      expect(res.status).toBe(409);
      expect(res.text).toContain('这个微信已绑定另一个知付账号');
      expect(await t.db('users').whereIn('id', [owner.id, user.id]).orderBy('id')).toEqual(before);
      expect(headerUser((await agent.get('/')).text)).toBe(user.username);
    });
  });

  describe('the state parameter', () => {
    it('answers 400 when the callback has no state, without exchanging the code', async () => {
      const agent = browserFor(t);
      const authorize = await beginWechatLogin(t, agent, 'scope=snsapi_userinfo&next=/me/courses');
      const back = await consent(t, agent, authorize, { nickname: '无状态' });
      const url = new URL(back.headers.location!);
      url.searchParams.delete('state');

      const res = await agent.get(url.pathname + url.search);

      expect(res.status).toBe(400);
      expect(res.text).toContain('登录链接已失效');
      expect((await codeRow(url.toString())).used_at).toBeNull();
      expect(headerUser((await agent.get('/')).text)).toBeNull();
    });

    it('answers 400 when the same callback URL is opened again after a successful login', async () => {
      const agent = browserFor(t);
      const { res, callback } = await wechatLogin(t, agent, { nickname: '重放者' });
      expect(res.status).toBe(303);
      await logOut(agent);
      const before = await userCount();

      const replay = await agent.get(callback);

      expect(replay.status).toBe(400);
      expect(replay.text).toContain('登录链接已失效');
      expect(headerUser((await agent.get('/')).text)).toBeNull();
      expect(await userCount()).toBe(before);
    });

    it("answers 400 to another browser's callback, even one with its own login under way, and never uses the code", async () => {
      const victim = browserFor(t);
      const authorize = await beginWechatLogin(t, victim, 'scope=snsapi_userinfo&next=/me/courses');
      const back = await consent(t, victim, authorize, { nickname: '被劫持的' });
      const stolen = localPath(t, back.headers.location);

      const stranger = browserFor(t);
      const none = await stranger.get(stolen);
      const attacker = browserFor(t);
      await beginWechatLogin(t, attacker, 'scope=snsapi_userinfo&next=/');
      const own = await attacker.get(stolen);

      expect(none.status).toBe(400);
      expect(own.status).toBe(400);
      expect(own.text).toContain('登录链接已失效');
      expect((await codeRow(stolen)).used_at).toBeNull();
      expect(headerUser((await attacker.get('/')).text)).toBeNull();
      // The rightful browser can still finish.
      const finish = await victim.get(stolen);
      expect(finish.status).toBe(303);
      expect(headerUser((await victim.get('/')).text)).toBe('被劫持的');
    });
  });

  it('starts over once when the code was already used, then shows a clear message instead of looping', async () => {
    const first = browserFor(t);
    const { callback } = await wechatLogin(t, first, { nickname: '用过的码' });
    const usedCode = new URL(callback, t.baseUrl).searchParams.get('code')!;
    const before = await userCount();

    // WeChat's browser may load the callback twice: the second load brings a used code with a valid state.
    const agent = browserFor(t);
    const authorize = await beginWechatLogin(t, agent, 'scope=snsapi_userinfo&next=/me/orders');
    const retry = await agent.get(`/auth/wechat/callback?code=${usedCode}&state=${authorize.searchParams.get('state')}`);

    expect(retry.status).toBe(302);
    const again = new URL(retry.headers.location!);
    expect(again.pathname).toBe(authorize.pathname);
    expect(again.searchParams.get('scope')).toBe('snsapi_userinfo');
    expect(again.searchParams.get('state')).not.toBe(authorize.searchParams.get('state'));

    const giveUp = await agent.get(`/auth/wechat/callback?code=${usedCode}&state=${again.searchParams.get('state')}`);
    expect(giveUp.status).toBe(400);
    expect(giveUp.text).toContain('微信授权已失效');
    expect(headerUser((await agent.get('/')).text)).toBeNull();
    expect(await userCount()).toBe(before);
  });

  it('answers 403 with a way forward when the user refuses, creating nobody', async () => {
    const before = await userCount();
    const agent = browserFor(t);
    const authorize = await beginWechatLogin(t, agent, 'scope=snsapi_userinfo&next=/me/courses');
    const back = await consent(t, agent, authorize, { decision: 'deny' });
    expect(back.status).toBe(302);
    const callback = new URL(back.headers.location!);
    expect(callback.searchParams.has('code')).toBe(false);

    const res = await agent.get(localPath(t, back.headers.location));

    expect(res.status).toBe(403);
    expect(res.text).toContain('你取消了微信授权');
    // The way on keeps where the learner was going.
    expect(res.text).toContain(`href="/login?next=${encodeURIComponent('/me/courses')}"`);
    expect(res.text).toContain('用账号密码登录');
    expect(await userCount()).toBe(before);
    expect(headerUser((await agent.get('/')).text)).toBeNull();
  });

  it('creates no account for a snapshot-page user (is_snapshotuser=1)', async () => {
    const before = await userCount();
    const agent = browserFor(t);

    const { res } = await wechatLogin(t, agent, { nickname: '快照用户', snapshot: true });

    expect(res.status).toBe(403);
    expect(res.text).toContain('使用完整服务');
    const wx = await sandboxUser('快照用户');
    expect(await t.db('users').where({ wechat_openid: wx.openid })).toHaveLength(0);
    expect(await userCount()).toBe(before);
    expect(headerUser((await agent.get('/')).text)).toBeNull();
  });

  it.each([['//evil.com'], ['https://evil.com'], ['/\\evil.com'], ['/\\/evil.com'], ['javascript:alert(1)']])('lands on / when next is %s', async (next) => {
    const agent = browserFor(t);
    const { res } = await wechatLogin(t, agent, { next });

    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/');
  });

  it('keeps a local next with its query string', async () => {
    const { res } = await wechatLogin(t, browserFor(t), { next: '/courses?category=ai&page=2' });
    expect(res.headers.location).toBe('/courses?category=ai&page=2');
  });
});
