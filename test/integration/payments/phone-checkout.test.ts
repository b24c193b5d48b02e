import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCourseWithLessons } from '../../support/catalog-factories.js';
import { startListeningApp, type ListeningApp } from '../../support/listening-app.js';
import { buy, orderRow, outTradeNoOf, signedInLearner, WECHAT_UA } from '../../support/wechat-pay.js';

const PHONE_UA = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1';
const DESKTOP_UA = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36';

describe('paying on a phone outside WeChat, in sandbox mode (H5 on by default)', () => {
  let t: ListeningApp;
  beforeAll(async () => {
    t = await startListeningApp();
  });
  afterAll(async () => t?.close());

  it('gives a phone browser H5 pay that comes back to the order page, not a QR code it cannot scan', async () => {
    const course = await createCourseWithLessons(t.db, 1, { priceFen: 2990 });
    const { agent } = await signedInLearner(t);

    const res = await buy(agent, course, {}, PHONE_UA);
    const no = outTradeNoOf(res.headers.location);
    const page = await agent.get(`/orders/${no}`).set('User-Agent', PHONE_UA);

    expect(await orderRow(t.db, no)).toMatchObject({ channel: 'h5', status: 'pending' });
    expect(page.text).toContain('前往微信支付');
    expect(page.text).not.toContain('微信扫码支付二维码');
    const href = /data-testid="h5-pay"/.test(page.text) ? /href="([^"]+)" data-testid="h5-pay"/.exec(page.text)![1]!.replace(/&amp;/g, '&') : '';
    expect(new URL(href).searchParams.get('redirect_url')).toBe(`${t.baseUrl}/orders/${no}`);
  });

  it('keeps the Native QR code for a desktop browser', async () => {
    const course = await createCourseWithLessons(t.db, 1, { priceFen: 2990 });
    const { agent } = await signedInLearner(t);

    const no = outTradeNoOf((await buy(agent, course, {}, DESKTOP_UA)).headers.location);

    expect(await orderRow(t.db, no)).toMatchObject({ channel: 'native' });
  });
});

describe('paying on a phone when the merchant has no H5 pay', () => {
  let t: ListeningApp;
  beforeAll(async () => {
    t = await startListeningApp({ WECHATPAY_H5_ENABLED: 'false' });
  });
  afterAll(async () => t?.close());

  it('explains the way out: copy the link into WeChat, or scan from another device', async () => {
    const course = await createCourseWithLessons(t.db, 1, { priceFen: 2990 });
    const { agent } = await signedInLearner(t);
    const no = outTradeNoOf((await buy(agent, course, {}, PHONE_UA)).headers.location);

    const page = await agent.get(`/orders/${no}`).set('User-Agent', PHONE_UA);

    expect(await orderRow(t.db, no)).toMatchObject({ channel: 'native' });
    expect(page.text).toContain('在手机浏览器里无法扫描自己屏幕上的二维码');
    expect(page.text).toContain('复制链接');
    expect(page.text).toContain(`value="${t.baseUrl}/orders/${no}"`);
    expect(page.text).toContain('/static/js/copy-link.js');
  });

  it('tells a WeChat user without a linked openid to long-press the QR code', async () => {
    const course = await createCourseWithLessons(t.db, 1, { priceFen: 2990 });
    const { agent } = await signedInLearner(t);
    const no = outTradeNoOf((await buy(agent, course, {}, WECHAT_UA)).headers.location);

    const page = await agent.get(`/orders/${no}`).set('User-Agent', WECHAT_UA);

    expect(page.text).toContain('长按二维码');
    expect(page.text).not.toContain('在手机浏览器里无法扫描');
  });
});
