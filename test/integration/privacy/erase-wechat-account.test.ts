import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../../src/platform/clock.js';
import { csrfFrom } from '../../support/forms.js';
import { startListeningApp, type ListeningApp } from '../../support/listening-app.js';
import { browserFor, wechatLogin } from '../wechat/oa-harness.js';

// An account that came through WeChat has no password: erasing it asks for a fresh WeChat authorisation.
const clock = fixedClock(new Date());
let t: ListeningApp;
beforeAll(async () => {
  t = await startListeningApp({}, { clock });
});
afterAll(async () => t?.close());

describe('erasing an account that has only WeChat', () => {
  it('is refused once the last WeChat authorisation is over 10 minutes old, and done after a new one', async () => {
    const agent = browserFor(t);
    const nickname = `只有微信${Date.now() % 10000}`;
    await wechatLogin(t, agent, { nickname });
    const wx = await t.db('sandbox_wechat_users').where({ nickname }).first();
    const user = await t.db('users').where({ wechat_openid: wx.openid }).first();
    clock.advance(11 * 60_000);

    const page = await agent.get('/me/privacy');
    const refused = await agent.post('/me/privacy/erase').type('form').send({ _csrf: csrfFrom(page.text) });
    expect(page.text).toContain('通过微信确认');
    expect(refused.status).toBe(403);
    expect(refused.text).toContain('请先通过微信重新授权');
    expect((await t.db('users').where({ id: user.id }).first()).wechat_openid).toBe(wx.openid);

    const { res } = await wechatLogin(t, agent, { user: wx.openid, next: '/me/privacy' });
    expect(res.status).toBe(303);
    const again = await agent.get('/me/privacy');
    const erased = await agent.post('/me/privacy/erase').type('form').send({ _csrf: csrfFrom(again.text) });

    expect(erased.status).toBe(303);
    expect(await t.db('users').where({ id: user.id }).first()).toMatchObject({ wechat_openid: null, nickname: '已注销用户', username: null });
  });
});
