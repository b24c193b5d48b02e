import WxPay from 'wechatpay-node-v3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APPID, MCHID, control, outTradeNo, startSandbox, wechatSignatureValid, type RunningSandbox } from './sandbox-harness.js';

// The real npm client the app will use, talking to the sandbox over real HTTP. Its host is hard-coded,
// so createHttp swaps the transport: the same signed request goes to the sandbox base URL.

const WECHAT_HOST = 'https://api.mch.weixin.qq.com';

interface Sent {
  status: number;
  data: Record<string, unknown> | undefined;
  text: string;
  signatureValid: boolean;
  serial: string | null;
}

let s: RunningSandbox;
let pay: WxPay;
const responses: Sent[] = [];

function httpTo(base: string) {
  async function send(method: 'GET' | 'POST', url: string, headers: Record<string, string>, params?: Record<string, unknown>) {
    expect(url.startsWith(WECHAT_HOST)).toBe(true);
    const res = await fetch(base + url.slice(WECHAT_HOST.length), { method, headers, body: params === undefined ? undefined : JSON.stringify(params) });
    const text = await res.text();
    const sent: Sent = {
      status: res.status,
      data: text ? (JSON.parse(text) as Record<string, unknown>) : undefined,
      text,
      signatureValid: wechatSignatureValid(s.keys, res.headers, text),
      serial: res.headers.get('wechatpay-serial'),
    };
    responses.push(sent);
    return { status: sent.status, data: sent.data, error: sent.status >= 400 ? text : undefined };
  }
  return {
    post: (url: string, params: Record<string, unknown>, headers: Record<string, string>) => send('POST', url, headers, params),
    get: (url: string, headers: Record<string, string>) => send('GET', url, headers),
    upload: () => Promise.reject(new Error('not used')),
  };
}

const last = () => responses[responses.length - 1]!;

beforeAll(async () => {
  s = await startSandbox({ refundDelayMs: 0 });
  pay = new WxPay({
    appid: APPID,
    mchid: MCHID,
    serial_no: s.keys.merchant.serial,
    publicKey: Buffer.from(s.keys.merchant.certificatePem),
    privateKey: Buffer.from(s.keys.merchant.privateKeyPem),
    key: s.keys.apiV3Key,
  });
  pay.createHttp(httpTo(s.base));
});
afterAll(async () => s.close());

describe('wechatpay-node-v3 against the sandbox', () => {
  it('creates a Native order and gets a weixin:// code_url in a response signed with the PUB_KEY_ID', async () => {
    const no = outTradeNo('N');
    const res = await pay.transactions_native({ description: '知付课程：TypeScript 入门', out_trade_no: no, notify_url: 'https://example.com/notify', amount: { total: 1990 } });

    expect(res.status).toBe(200);
    expect(res.data.code_url).toMatch(/^weixin:\/\/wxpay\/bizpayurl\?pr=[\w-]{20,}$/);
    expect(last().signatureValid).toBe(true);
    expect(last().serial).toBe(s.keys.platform.publicKeyId);
    const row = await s.db('sandbox_wechatpay_transactions').where({ out_trade_no: no }).first();
    expect(row).toMatchObject({ trade_type: 'NATIVE', trade_state: 'NOTPAY', total_fen: 1990, mchid: MCHID });
  });

  it('answers an identical re-send with the same code_url and no second order', async () => {
    const no = outTradeNo('R');
    const order = { description: '重复提交', out_trade_no: no, notify_url: 'https://example.com/notify', amount: { total: 100 } };
    const a = await pay.transactions_native(order);
    const b = await pay.transactions_native(order);
    expect(b.status).toBe(200);
    expect(b.data.code_url).toBe(a.data.code_url);
    expect(await s.db('sandbox_wechatpay_transactions').where({ out_trade_no: no })).toHaveLength(1);
  });

  it('creates a JSAPI order whose paySign the sandbox bridge accepts, and refuses a forged one', async () => {
    const no = outTradeNo('J');
    const res = await pay.transactions_jsapi({ description: '知付课程：Vue 3', out_trade_no: no, notify_url: 'https://example.com/notify', amount: { total: 2990 }, payer: { openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o' } });

    expect(res.status).toBe(200);
    expect(res.data.package).toMatch(/^prepay_id=wx\d{14}\w+$/);
    const ok = await control(s, '/sandbox/jsapi/session', res.data);
    expect(ok.status).toBe(200);
    expect(ok.json).toMatchObject({ description: '知付课程：Vue 3', amount: '¥29.90', trade_state: 'NOTPAY' });
    const forged = await control(s, '/sandbox/jsapi/session', { ...res.data, nonceStr: `${res.data.nonceStr}x` });
    expect(forged.status).toBe(401);
    expect(forged.json.code).toBe('SIGN_ERROR');

    const outcome = await control(s, '/sandbox/jsapi/outcome', { token: ok.json.token, outcome: 'success' });
    expect(outcome.json.trade_state).toBe('SUCCESS');
  });

  it('queries an order by out_trade_no before and after payment, and by transaction_id', async () => {
    const no = outTradeNo('Q');
    await pay.transactions_native({ description: '查询测试', out_trade_no: no, notify_url: 'https://example.com/notify', amount: { total: 500 } });

    const before = await pay.query({ out_trade_no: no });
    expect(before.status).toBe(200);
    expect(before.data).toMatchObject({ out_trade_no: no, trade_state: 'NOTPAY', amount: { total: 500, currency: 'CNY' } });
    expect(last().signatureValid).toBe(true);

    expect((await control(s, `/sandbox/transactions/${no}/pay`)).status).toBe(200);
    const after = await pay.query({ out_trade_no: no });
    expect(after.data).toMatchObject({ trade_state: 'SUCCESS', trade_type: 'NATIVE', appid: APPID, mchid: MCHID, amount: { total: 500, payer_total: 500 } });
    expect(after.data.transaction_id).toMatch(/^\d{28}$/);
    expect(after.data.success_time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00$/);

    const byId = await pay.query({ transaction_id: after.data.transaction_id });
    expect(byId.status).toBe(200);
    expect(byId.data.out_trade_no).toBe(no);
  });

  it('closes an unpaid order with a signed 204, again with 204, and the order reads CLOSED', async () => {
    const no = outTradeNo('C');
    await pay.transactions_native({ description: '关单测试', out_trade_no: no, notify_url: 'https://example.com/notify', amount: { total: 300 } });

    const first = await pay.close(no);
    expect(first.status).toBe(204);
    expect(last().text).toBe('');
    expect(last().signatureValid).toBe(true);
    expect((await pay.close(no)).status).toBe(204);
    expect((await pay.query({ out_trade_no: no })).data.trade_state).toBe('CLOSED');
    const payClosed = await control(s, `/sandbox/transactions/${no}/pay`);
    expect(payClosed.status).toBe(400);
    expect(payClosed.json.code).toBe('ORDER_CLOSED');
  });

  it('refunds part of a paid order, finds the refund, and refuses to refund more than is left', async () => {
    const no = outTradeNo('F');
    await pay.transactions_native({ description: '退款测试', out_trade_no: no, notify_url: 'https://example.com/notify', amount: { total: 1000 } });
    await control(s, `/sandbox/transactions/${no}/pay`);

    const refund = await pay.refunds({ out_trade_no: no, out_refund_no: `${no}R1`, reason: '学员申请退款', amount: { refund: 600, total: 1000, currency: 'CNY' } });
    expect(refund.status).toBe(200);
    // This sandbox settles refunds at once (refundDelayMs 0), so the answer may already say SUCCESS.
    expect(refund.data).toMatchObject({ out_refund_no: `${no}R1`, out_trade_no: no, amount: { refund: 600, total: 1000 } });
    expect(['PROCESSING', 'SUCCESS']).toContain(refund.data!.status);
    expect(last().signatureValid).toBe(true);

    const found = await pay.find_refunds(`${no}R1`);
    expect(found.status).toBe(200);
    expect(found.data).toMatchObject({ refund_id: refund.data!.refund_id, status: 'SUCCESS' });

    const again = await pay.refunds({ out_trade_no: no, out_refund_no: `${no}R1`, amount: { refund: 600, total: 1000, currency: 'CNY' } });
    expect(again.data!.refund_id).toBe(refund.data!.refund_id);

    const tooMuch = await pay.refunds({ out_trade_no: no, out_refund_no: `${no}R2`, amount: { refund: 401, total: 1000, currency: 'CNY' } });
    expect(tooMuch.status).toBe(400);
    expect(JSON.parse(tooMuch.error as string)).toMatchObject({ code: 'INVALID_REQUEST' });
    expect(last().signatureValid).toBe(true);
    const rest = await pay.refunds({ out_trade_no: no, out_refund_no: `${no}R3`, amount: { refund: 400, total: 1000, currency: 'CNY' } });
    expect(rest.status).toBe(200);
    expect((await pay.query({ out_trade_no: no })).data.trade_state).toBe('REFUND');
    expect(await s.db('sandbox_wechatpay_transactions').where({ out_trade_no: no }).first()).toMatchObject({ refunded_fen: 1000 });
  });

  it('downloads the platform certificate, which the client decrypts with the APIv3 key and parses', async () => {
    const certs = await pay.get_certificates(s.keys.apiV3Key);
    expect(certs).toHaveLength(1);
    expect(certs[0]!.serial_no).toBe(s.sandbox.signer.certificateSerial);
    expect(certs[0]!.publicKey?.replace(/\r/g, '').trim()).toBe(s.keys.platform.publicKeyPem.trim());
  });
});
