import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCourseWithLessons } from '../../support/catalog-factories.js';
import { tagsIn } from '../../support/html.js';
import { startListeningApp, type ListeningApp } from '../../support/listening-app.js';
import {
  APP_APPID,
  buy,
  nowSeconds,
  orderRow,
  outTradeNoOf,
  sandboxControl,
  sandboxKeys,
  signedInLearner,
  tick,
  verifyWithPublicKey,
  WECHAT_UA,
} from '../../support/wechat-pay.js';

let t: ListeningApp;
beforeAll(async () => {
  t = await startListeningApp();
});
afterAll(async () => t?.close());

const openid = () => `oJsapi${randomBytes(11).toString('hex')}`;

async function payParamsOn(html: string): Promise<Record<string, string>> {
  const button = tagsIn(html).find((tag) => tag.attrs.id === 'pay-button');
  if (!button) throw new Error('no pay button on the page');
  return JSON.parse(button.attrs['data-pay-params']!) as Record<string, string>;
}

describe('paying inside WeChat (JSAPI)', () => {
  it('creates a JSAPI order with a prepay_id for a learner whose openid is known, posting from the WeChat browser', async () => {
    const course = await createCourseWithLessons(t.db, 1, { priceFen: 4900 });
    const { agent } = await signedInLearner(t, { wechatOpenid: openid() });

    const res = await buy(agent, course, {}, WECHAT_UA);

    expect(res.status).toBe(303);
    const order = await orderRow(t.db, outTradeNoOf(res.headers.location));
    expect(order).toMatchObject({ channel: 'jsapi', status: 'pending', amount_fen: 4900, code_url: null });
    expect(order.prepay_id).toMatch(/^wx\w{20,}$/);
  });

  it('puts pay parameters on the order page whose paySign verifies with the merchant public key', async () => {
    const course = await createCourseWithLessons(t.db, 1, { priceFen: 4900 });
    const { agent } = await signedInLearner(t, { wechatOpenid: openid() });
    const no = outTradeNoOf((await buy(agent, course, {}, WECHAT_UA)).headers.location);
    const order = await orderRow(t.db, no);

    const page = await agent.get(`/orders/${no}`).set('User-Agent', WECHAT_UA);

    expect(page.status).toBe(200);
    const params = await payParamsOn(page.text);
    expect(params).toMatchObject({ appId: APP_APPID, package: `prepay_id=${order.prepay_id}`, signType: 'RSA' });
    expect(Math.abs(Number(params.timeStamp) - nowSeconds())).toBeLessThan(60);
    expect(params.nonceStr).toMatch(/^[0-9a-f]{32}$/);
    const keys = sandboxKeys(t);
    const message = `${params.appId}\n${params.timeStamp}\n${params.nonceStr}\n${params.package}\n`;
    expect(verifyWithPublicKey(keys.merchant.publicKeyPem, message, params.paySign!)).toBe(true);
    expect(verifyWithPublicKey(keys.merchant.publicKeyPem, message.replace(params.nonceStr!, 'x' + params.nonceStr!.slice(1)), params.paySign!)).toBe(false);
    expect(verifyWithPublicKey(keys.platform.publicKeyPem, message, params.paySign!)).toBe(false);
    expect(page.text).toContain('src="/static/js/sandbox-wxbridge.js"');
    expect(page.text).not.toContain('class="qr"');
  });

  it('is paid through the sandbox WeixinJSBridge stand-in, which accepts the page paySign', async () => {
    const course = await createCourseWithLessons(t.db, 1, { priceFen: 4900 });
    const { agent, user } = await signedInLearner(t, { wechatOpenid: openid() });
    const no = outTradeNoOf((await buy(agent, course, {}, WECHAT_UA)).headers.location);
    const params = await payParamsOn((await agent.get(`/orders/${no}`)).text);

    const session = await sandboxControl(t, '/sandbox/jsapi/session', params);
    const outcome = await sandboxControl(t, '/sandbox/jsapi/outcome', { token: session.json.token, outcome: 'success' });
    await tick(t);

    expect(session.status).toBe(200);
    expect(outcome.json).toEqual({ trade_state: 'SUCCESS' });
    expect(await orderRow(t.db, no)).toMatchObject({ status: 'paid' });
    expect(await t.db('access_grants').where({ user_id: user.id, course_id: course.id })).toHaveLength(1);
  });

  it('falls back to a Native QR code outside WeChat, or inside WeChat when the openid is unknown', async () => {
    const course = await createCourseWithLessons(t.db, 1, { priceFen: 4900 });
    const { agent: withOpenid } = await signedInLearner(t, { wechatOpenid: openid() });
    const { agent: withoutOpenid } = await signedInLearner(t);

    const desktop = await buy(withOpenid, course);
    const inWechat = await buy(withoutOpenid, course, {}, WECHAT_UA);

    expect(await orderRow(t.db, outTradeNoOf(desktop.headers.location))).toMatchObject({ channel: 'native', prepay_id: null });
    expect(await orderRow(t.db, outTradeNoOf(inWechat.headers.location))).toMatchObject({ channel: 'native', prepay_id: null });
  });
});
