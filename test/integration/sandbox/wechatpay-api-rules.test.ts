import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MCHID, MOUNT, callApi, control, nativeOrder, outTradeNo, startSandbox, wechatSignatureValid, type RunningSandbox } from './sandbox-harness.js';

let s: RunningSandbox;
beforeAll(async () => {
  s = await startSandbox();
});
afterAll(async () => s.close());

const count = async (no: string) => (await s.db('sandbox_wechatpay_transactions').where({ out_trade_no: no })).length;

describe('request signatures', () => {
  it('accepts a correctly signed request and signs its answer', async () => {
    const res = await callApi(s, 'POST', '/v3/pay/transactions/native', nativeOrder(outTradeNo()));
    expect(res.status).toBe(200);
    expect(wechatSignatureValid(s.keys, res.headers, res.text)).toBe(true);
    expect(res.headers.get('wechatpay-signature-type')).toBe('WECHATPAY2-SHA256-RSA2048');
    expect(res.headers.get('request-id')).toMatch(/^[0-9A-F]{32}$/);
  });

  it.each([
    ['a signature over another body', { signedBody: '{"amount":{"total":1}}' }],
    ['a timestamp six minutes old', { timestamp: Math.floor(Date.now() / 1000) - 360 }],
    ['a timestamp six minutes ahead', { timestamp: Math.floor(Date.now() / 1000) + 360 }],
    ['another merchant key', { privateKeyPem: undefined as unknown as string, usePlatformKey: true }],
    ['a path that still carries the mount prefix', { signedPath: `${MOUNT}/v3/pay/transactions/native` }],
    ['an unknown certificate serial', { serial: '0123456789ABCDEF' }],
  ])('answers 401 SIGN_ERROR, signed, to %s', async (_name, o) => {
    const no = outTradeNo();
    const opts = 'usePlatformKey' in o ? { privateKeyPem: s.keys.platform.privateKeyPem } : o;
    const res = await callApi(s, 'POST', '/v3/pay/transactions/native', nativeOrder(no), opts);
    expect(res.status).toBe(401);
    expect(res.json).toMatchObject({ code: 'SIGN_ERROR' });
    expect(wechatSignatureValid(s.keys, res.headers, res.text)).toBe(true);
    expect(await count(no)).toBe(0);
  });

  it('answers 401 SIGN_ERROR without an Authorization header, and to a GET signed with another query', async () => {
    const bare = await fetch(`${s.base}/v3/pay/transactions/out-trade-no/ABCDEF123?mchid=${MCHID}`);
    expect(bare.status).toBe(401);
    expect(((await bare.json()) as { code: string }).code).toBe('SIGN_ERROR');
    const res = await callApi(s, 'GET', `/v3/pay/transactions/out-trade-no/ABCDEF123?mchid=${MCHID}`, undefined, { signedPath: '/v3/pay/transactions/out-trade-no/ABCDEF123?mchid=1' });
    expect(res.status).toBe(401);
  });
});

describe('order validation', () => {
  const jsapi = (no: string, over: Record<string, unknown> = {}) => ({ ...nativeOrder(no), payer: { openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o' }, ...over });
  const h5 = (no: string, over: Record<string, unknown> = {}) => ({ ...nativeOrder(no), scene_info: { payer_client_ip: '127.0.0.1', h5_info: { type: 'Wap' } }, ...over });

  it.each([
    ['an out_trade_no of 5 characters', 'native', { out_trade_no: 'AB123' }, '/out_trade_no'],
    ['an out_trade_no of 33 characters', 'native', { out_trade_no: 'A'.repeat(33) }, '/out_trade_no'],
    ['an out_trade_no with a dot', 'native', { out_trade_no: 'ORDER.12345' }, '/out_trade_no'],
    ['amount.total of 0', 'native', { amount: { total: 0 } }, '/amount/total'],
    ['a fractional amount.total', 'native', { amount: { total: 9.9 } }, '/amount/total'],
    ['amount.total as a string', 'native', { amount: { total: '990' } }, '/amount/total'],
    ['a missing amount', 'native', { amount: undefined }, '/amount'],
    ['a description of 128 characters', 'native', { description: '课'.repeat(128) }, '/description'],
    ['a time_expire that is not RFC 3339', 'native', { time_expire: '2030-01-01 10:00:00' }, '/time_expire'],
    ['a time_expire in the past', 'native', { time_expire: '2020-01-01T10:00:00+08:00' }, '/time_expire'],
    ['a notify_url with a query', 'native', { notify_url: 'https://example.com/notify?a=1' }, '/notify_url'],
    ['a JSAPI order without payer.openid', 'jsapi', { payer: {} }, '/payer/openid'],
    ['a JSAPI order without payer', 'jsapi', { payer: undefined }, '/payer'],
    ['an H5 order without scene_info', 'h5', { scene_info: undefined }, '/scene_info'],
    ['an H5 order without h5_info', 'h5', { scene_info: { payer_client_ip: '127.0.0.1' } }, '/scene_info/h5_info'],
  ])('answers 400 PARAM_ERROR to %s', async (_name, kind, over, field) => {
    const no = outTradeNo('P');
    const body = kind === 'jsapi' ? jsapi(no, over) : kind === 'h5' ? h5(no, over) : nativeOrder(no, over);
    const res = await callApi(s, 'POST', `/v3/pay/transactions/${kind}`, body);
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ code: 'PARAM_ERROR', detail: { field } });
    expect(wechatSignatureValid(s.keys, res.headers, res.text)).toBe(true);
    expect(await count(no)).toBe(0);
  });

  it('accepts the limits themselves: 127 characters, 32-character order number, 1 fen', async () => {
    const no = `A-_${'9'.repeat(29)}`;
    const res = await callApi(s, 'POST', '/v3/pay/transactions/h5', h5(no, { description: '课'.repeat(127), amount: { total: 1 } }));
    expect(res.status).toBe(200);
    expect(res.json!.h5_url).toBe(`${s.base}/pay/${(await s.db('sandbox_wechatpay_transactions').where({ out_trade_no: no }).first()).pay_token}`);
  });

  it('answers 400 MCH_NOT_EXISTS for another mchid and 400 APPID_MCHID_NOT_MATCH for another appid', async () => {
    const [noA, noB] = [outTradeNo(), outTradeNo()];
    const a = await callApi(s, 'POST', '/v3/pay/transactions/native', nativeOrder(noA, { mchid: '1900000999' }));
    const b = await callApi(s, 'POST', '/v3/pay/transactions/native', nativeOrder(noB, { appid: 'wx0000000000000000' }));
    expect([a.status, a.json!.code]).toEqual([400, 'MCH_NOT_EXISTS']);
    expect([b.status, b.json!.code]).toEqual([400, 'APPID_MCHID_NOT_MATCH']);
    // Refused orders leave nothing behind that could later be paid.
    expect([await count(noA), await count(noB)]).toEqual([0, 0]);
  });
});

describe('out_trade_no reuse and order states', () => {
  it('refuses the same out_trade_no with another amount with 403 OUT_TRADE_NO_USED', async () => {
    const no = outTradeNo('D');
    const first = await callApi(s, 'POST', '/v3/pay/transactions/native', nativeOrder(no));
    const other = await callApi(s, 'POST', '/v3/pay/transactions/native', nativeOrder(no, { amount: { total: 1 } }));
    const asJsapi = await callApi(s, 'POST', '/v3/pay/transactions/jsapi', { ...nativeOrder(no), payer: { openid: 'o1' } });
    expect(first.status).toBe(200);
    expect([other.status, other.json!.code]).toEqual([403, 'OUT_TRADE_NO_USED']);
    expect([asJsapi.status, asJsapi.json!.code]).toEqual([403, 'OUT_TRADE_NO_USED']);
  });

  it('creates one order when ten identical requests race, and all get the same prepay_id', async () => {
    const no = outTradeNo('X');
    const body = { ...nativeOrder(no), payer: { openid: 'oRace' } };
    const all = await Promise.all(Array.from({ length: 10 }, () => callApi(s, 'POST', '/v3/pay/transactions/jsapi', body)));
    expect(all.map((r) => r.status)).toEqual(Array(10).fill(200));
    expect(new Set(all.map((r) => r.json!.prepay_id)).size).toBe(1);
    expect(await count(no)).toBe(1);
  });

  it('answers 403 ORDERPAID to a re-send or a close of a paid order', async () => {
    const no = outTradeNo('O');
    await callApi(s, 'POST', '/v3/pay/transactions/native', nativeOrder(no));
    await control(s, `/sandbox/transactions/${no}/pay`);
    const resend = await callApi(s, 'POST', '/v3/pay/transactions/native', nativeOrder(no));
    const close = await callApi(s, 'POST', `/v3/pay/transactions/out-trade-no/${no}/close`, { mchid: MCHID });
    const payAgain = await control(s, `/sandbox/transactions/${no}/pay`);
    expect([resend.status, resend.json!.code]).toEqual([403, 'ORDERPAID']);
    expect([close.status, close.json!.code]).toEqual([403, 'ORDERPAID']);
    expect([payAgain.status, payAgain.json.code]).toEqual([403, 'ORDERPAID']);
    expect(await s.db('sandbox_wechatpay_notifications').where({ out_trade_no: no, event_type: 'TRANSACTION.SUCCESS' })).toHaveLength(1);
  });

  it('answers 400 ORDER_CLOSED to a re-send of a closed order', async () => {
    const no = outTradeNo('L');
    await callApi(s, 'POST', '/v3/pay/transactions/native', nativeOrder(no));
    expect((await callApi(s, 'POST', `/v3/pay/transactions/out-trade-no/${no}/close`, { mchid: MCHID })).status).toBe(204);
    const resend = await callApi(s, 'POST', '/v3/pay/transactions/native', nativeOrder(no));
    expect([resend.status, resend.json!.code]).toEqual([400, 'ORDER_CLOSED']);
  });

  it('answers 404 for unknown orders, transactions and refunds', async () => {
    const a = await callApi(s, 'GET', `/v3/pay/transactions/out-trade-no/NOSUCHORDER1?mchid=${MCHID}`);
    const b = await callApi(s, 'GET', `/v3/pay/transactions/id/4200000000202611250000000000?mchid=${MCHID}`);
    const c = await callApi(s, 'GET', '/v3/refund/domestic/refunds/NOSUCHREFUND');
    const d = await callApi(s, 'POST', '/v3/pay/transactions/out-trade-no/NOSUCHORDER1/close', { mchid: MCHID });
    const e = await callApi(s, 'POST', '/v3/refund/domestic/refunds', { out_trade_no: 'NOSUCHORDER1', out_refund_no: 'R1', amount: { refund: 1, total: 1, currency: 'CNY' } });
    expect([a, b, c, d, e].map((r) => r.status)).toEqual([404, 404, 404, 404, 404]);
    expect(a.json!.code).toBe('ORDER_NOT_EXIST');
    expect(wechatSignatureValid(s.keys, c.headers, c.text)).toBe(true);
  });

  it('answers 400 when the query has no mchid', async () => {
    const res = await callApi(s, 'GET', '/v3/pay/transactions/out-trade-no/ABCDEF123');
    expect([res.status, res.json!.code]).toEqual([400, 'PARAM_ERROR']);
  });
});

describe('refund rules', () => {
  async function paidOrder(total: number) {
    const no = outTradeNo('B');
    await callApi(s, 'POST', '/v3/pay/transactions/native', nativeOrder(no, { amount: { total } }));
    await control(s, `/sandbox/transactions/${no}/pay`);
    return no;
  }
  const refund = (no: string, outRefundNo: string, fen: number, total: number) =>
    callApi(s, 'POST', '/v3/refund/domestic/refunds', { out_trade_no: no, out_refund_no: outRefundNo, amount: { refund: fen, total, currency: 'CNY' } });

  it('never refunds more than was paid when refunds race', async () => {
    const no = await paidOrder(100);
    const all = await Promise.all(Array.from({ length: 5 }, (_, i) => refund(no, `${no}-${i}`, 30, 100)));
    expect(all.filter((r) => r.status === 200)).toHaveLength(3);
    expect(all.filter((r) => r.status === 400).every((r) => r.json!.code === 'INVALID_REQUEST')).toBe(true);
    expect(await s.db('sandbox_wechatpay_refunds').where({ out_trade_no: no })).toHaveLength(3);
    expect(await s.db('sandbox_wechatpay_transactions').where({ out_trade_no: no }).first()).toMatchObject({ refunded_fen: 90 });
  });

  it('refuses a refund of an unpaid order, a wrong order total, and a reused out_refund_no with another amount', async () => {
    const unpaid = outTradeNo('U');
    await callApi(s, 'POST', '/v3/pay/transactions/native', nativeOrder(unpaid, { amount: { total: 100 } }));
    expect((await refund(unpaid, `${unpaid}R`, 10, 100)).json!.code).toBe('INVALID_REQUEST');
    const no = await paidOrder(100);
    expect((await refund(no, `${no}R`, 10, 99)).json!.code).toBe('INVALID_REQUEST');
    expect((await refund(no, `${no}R`, 10, 100)).status).toBe(200);
    const reused = await refund(no, `${no}R`, 20, 100);
    expect([reused.status, reused.json!.code]).toEqual([400, 'INVALID_REQUEST']);
    expect((await refund(no, `${no}Z`, 0, 100)).json!.code).toBe('PARAM_ERROR');
  });
});

describe('the sandbox cashier page', () => {
  it('shows merchant, description and amount, and a 支付成功 choice pays the order (PRG)', async () => {
    const no = outTradeNo('W');
    const created = await callApi(s, 'POST', '/v3/pay/transactions/native', nativeOrder(no, { description: '知付课程：<Node.js>', amount: { total: 12345 } }));
    const token = new URL(String(created.json!.code_url)).searchParams.get('pr')!;

    const bridge = await fetch(`${s.base}/bizpayurl?pr=${token}`, { redirect: 'manual' });
    expect(bridge.headers.get('location')).toBe(`${MOUNT}/pay/${token}`);
    const page = await fetch(`${s.base}/pay/${token}`);
    const html = await page.text();
    expect(page.status).toBe(200);
    expect(html).toContain('知付（沙箱商户）');
    expect(html).toContain('知付课程：&lt;Node.js&gt;');
    expect(html).toContain('¥123.45');
    expect(html).toContain('支付成功');
    expect(html).not.toMatch(/<script|style=|<style/);

    const posted = await fetch(`${s.base}/pay/${token}`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'outcome=success', redirect: 'manual' });
    expect(posted.status).toBe(303);
    expect(posted.headers.get('location')).toBe(`${MOUNT}/pay/${token}?done=success`);
    expect(await s.db('sandbox_wechatpay_transactions').where({ out_trade_no: no }).first()).toMatchObject({ trade_state: 'SUCCESS' });
    expect(await (await fetch(`${s.base}/pay/${token}`)).text()).toContain('已支付');
  });

  it('a 支付失败 choice leaves the order PAYERROR with no notification; an unknown token is 404', async () => {
    const no = outTradeNo('V');
    const created = await callApi(s, 'POST', '/v3/pay/transactions/native', nativeOrder(no));
    const token = new URL(String(created.json!.code_url)).searchParams.get('pr')!;
    await fetch(`${s.base}/pay/${token}`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'outcome=fail', redirect: 'manual' });
    expect(await s.db('sandbox_wechatpay_transactions').where({ out_trade_no: no }).first()).toMatchObject({ trade_state: 'PAYERROR' });
    expect(await s.db('sandbox_wechatpay_notifications').where({ out_trade_no: no })).toHaveLength(0);
    expect((await fetch(`${s.base}/pay/nosuchtoken`)).status).toBe(404);
  });
});
