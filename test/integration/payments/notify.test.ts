import { generateKeyPairSync, randomBytes } from 'node:crypto';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCourse, createUser } from '../../support/factories.js';
import { startListeningApp, type ListeningApp } from '../../support/listening-app.js';
import {
  APP_MCHID,
  createPendingOrder,
  notification,
  nowSeconds,
  orderRow,
  paidTransaction,
  payAtSandbox,
  postNotification,
  sandboxKeys,
  sandboxNotifications,
  tick,
  type SandboxKeyFile,
  type SignedNotification,
} from '../../support/wechat-pay.js';

let t: ListeningApp;
let keys: SandboxKeyFile;
beforeAll(async () => {
  t = await startListeningApp();
  keys = sandboxKeys(t);
});
afterAll(async () => t?.close());

type OrderRow = Awaited<ReturnType<typeof createPendingOrder>>;

async function pendingOrder(amountFen = 9900): Promise<OrderRow> {
  const user = await createUser(t.db, { passwordHash: 'x' });
  const course = await createCourse(t.db, { priceFen: amountFen });
  return createPendingOrder(t.db, { userId: user.id, courseId: course.id, amountFen });
}

const entitlementsOf = (o: OrderRow) => t.db('access_grants').where({ user_id: o.user_id, course_id: o.course_id });
const notificationCount = async () => Number((await t.db('payment_notifications').count({ n: '*' }).first())!.n);
const lastNotification = () => t.db('payment_notifications').orderBy('id', 'desc').first();

/** Flips one bit of byte `index` (negative counts from the end) of base64 `b64`. */
function flipByte(b64: string, index: number): string {
  const raw = Buffer.from(b64, 'base64');
  raw[index < 0 ? raw.length + index : index]! ^= 0x01;
  return raw.toString('base64');
}

describe('the WeChat Pay notify webhook', () => {
  it('answers 204 to a valid payment notification, marks the order paid and grants the course', async () => {
    const order = await pendingOrder();
    const tx = paidTransaction(order);
    const n = notification(keys, tx);

    const res = await postNotification(t, n);

    expect(res.status).toBe(204);
    expect(res.text).toBe('');
    expect(await orderRow(t.db, order.out_trade_no)).toMatchObject({ status: 'paid', transaction_id: tx.transaction_id, payer_openid: 'oTestPayer000000000000000001' });
    expect(await entitlementsOf(order)).toEqual([expect.objectContaining({ source: 'purchase', order_id: order.id, revoked_at: null })]);
    expect(await t.db('payment_notifications').where({ notification_id: n.id })).toEqual([
      expect.objectContaining({ event_type: 'TRANSACTION.SUCCESS', outcome: 'paid', out_trade_no: order.out_trade_no }),
    ]);
  });

  it('answers 204 again to a repeated notification and changes nothing', async () => {
    const order = await pendingOrder();
    const n = notification(keys, paidTransaction(order));
    await postNotification(t, n);
    const paid = await orderRow(t.db, order.out_trade_no);

    const again = await postNotification(t, n);
    const laterCopy = await postNotification(t, notification(keys, paidTransaction(order, { transaction_id: paid.transaction_id })));

    expect(again.status).toBe(204);
    expect(laterCopy.status).toBe(204);
    expect(await orderRow(t.db, order.out_trade_no)).toEqual(paid);
    expect(await entitlementsOf(order)).toHaveLength(1);
    // The record of the notification that paid the order keeps saying so.
    expect(await t.db('payment_notifications').where({ notification_id: n.id }).first()).toMatchObject({ outcome: 'paid' });
  });

  it('grants access once when the same notification arrives twenty times at once', async () => {
    const order = await pendingOrder();
    const n = notification(keys, paidTransaction(order));

    const replies = await Promise.all(Array.from({ length: 20 }, () => postNotification(t, n)));

    expect(replies.map((r) => r.status)).toEqual(Array(20).fill(204));
    expect(await entitlementsOf(order)).toHaveLength(1);
    expect(await orderRow(t.db, order.out_trade_no)).toMatchObject({ status: 'paid' });
    expect(await t.db('payment_notifications').where({ out_trade_no: order.out_trade_no })).toEqual([expect.objectContaining({ notification_id: n.id, outcome: 'paid' })]);
  });

  it('moves the order to paid exactly once when twenty notifications of one payment race', async () => {
    const order = await pendingOrder();
    const tx = paidTransaction(order);

    const replies = await Promise.all(Array.from({ length: 20 }, () => postNotification(t, notification(keys, tx))));

    expect(replies.map((r) => r.status)).toEqual(Array(20).fill(204));
    const outcomes = (await t.db('payment_notifications').where({ out_trade_no: order.out_trade_no })).map((r) => r.outcome as string).sort();
    expect(outcomes).toEqual(['paid', ...Array(19).fill('unchanged')]);
    expect(await entitlementsOf(order)).toHaveLength(1);
  });

  it('refuses the sandbox sign probe, then accepts the real notification and its parallel duplicates', async () => {
    const order = await pendingOrder();
    // A sandbox transaction for this order: create it through the app's client, then pay it.
    await t.db('orders').where({ id: order.id }).delete();
    const user = await t.db('users').where({ id: order.user_id }).first();
    const course = await t.db('courses').where({ id: order.course_id }).first();
    const created = await t.payments.checkout({ userId: user.id, openid: null, inWechat: false, h5: false, clientIp: '127.0.0.1', product: { kind: 'course', id: course.id, title: course.title, priceFen: course.price_fen, onSale: true }, couponCode: null });

    await payAtSandbox(t, created.outTradeNo, { sign_probe: true, duplicates: 5 });
    await tick(t);

    expect(await sandboxNotifications(t, created.outTradeNo)).toEqual([expect.objectContaining({ status: 'delivered', probe_http_status: 401, last_http_status: 204 })]);
    expect(await t.db('payment_notifications').where({ outcome: 'rejected_probe' }).andWhere('received_at', '>', new Date(Date.now() - 60_000))).not.toHaveLength(0);
    expect(await orderRow(t.db, created.outTradeNo)).toMatchObject({ status: 'paid' });
    expect(await t.db('access_grants').where({ user_id: user.id, course_id: course.id })).toHaveLength(1);
  });

  const otherKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;

  const refusedBeforeDecryption: Array<[string, (o: OrderRow) => SignedNotification, string]> = [
    ['signed with another key', (o) => notification(keys, paidTransaction(o), { signingKeyPem: otherKey }), 'rejected_bad_signature'],
    ['signed with the merchant key instead of WeChat Pay’s', (o) => notification(keys, paidTransaction(o), { signingKeyPem: keys.merchant.privateKeyPem }), 'rejected_bad_signature'],
    ['whose signature is not base64 of anything', (o) => notification(keys, paidTransaction(o), { signature: 'bm90IGEgc2lnbmF0dXJl' }), 'rejected_bad_signature'],
    ['a WECHATPAY/SIGNTEST/ probe', (o) => notification(keys, paidTransaction(o), { signature: `WECHATPAY/SIGNTEST/${randomBytes(48).toString('base64')}` }), 'rejected_probe'],
    ['300 s old', (o) => notification(keys, paidTransaction(o), { timestamp: nowSeconds() - 300 }), 'rejected_stale_timestamp'],
    ['300 s in the future', (o) => notification(keys, paidTransaction(o), { timestamp: nowSeconds() + 300 }), 'rejected_stale_timestamp'],
    ['with an unknown Wechatpay-Serial', (o) => notification(keys, paidTransaction(o), { serial: 'PUB_KEY_ID_0114232134912410000000000000000' }), 'rejected_unknown_serial'],
    ['with a platform certificate serial we were never given', (o) => notification(keys, paidTransaction(o), { serial: '5DEA10EF55877E3CF6C33255C2E7DEFFF7E427EC' }), 'rejected_unknown_serial'],
    [
      'whose body was changed after signing',
      (o) => {
        const n = notification(keys, paidTransaction(o));
        return { ...n, body: n.body.replace('"支付成功"', '"支付失败"') };
      },
      'rejected_bad_signature',
    ],
    [
      'without signature headers',
      (o) => {
        const n = notification(keys, paidTransaction(o));
        return { ...n, headers: { 'Content-Type': 'application/json' } };
      },
      'rejected_missing_headers',
    ],
  ];

  it.each(refusedBeforeDecryption)('refuses a notification %s with 401 SIGN_ERROR, records it and changes nothing', async (_name, build, outcome) => {
    const order = await pendingOrder();
    const before = await notificationCount();

    const res = await postNotification(t, build(order));

    expect(res.status).toBe(401);
    expect(res.body).toEqual({ code: 'SIGN_ERROR', message: expect.stringMatching(/^签名验证失败/) });
    expect(await orderRow(t.db, order.out_trade_no)).toMatchObject({ status: 'pending', transaction_id: null });
    expect(await entitlementsOf(order)).toHaveLength(0);
    expect(await notificationCount()).toBe(before + 1);
    expect(await lastNotification()).toMatchObject({ outcome, notification_id: null, out_trade_no: null });
  });

  it('accepts a notification 290 s old or ahead, inside the window', async () => {
    const late = await pendingOrder();
    const early = await pendingOrder();

    const lateRes = await postNotification(t, notification(keys, paidTransaction(late), { timestamp: nowSeconds() - 290 }));
    const earlyRes = await postNotification(t, notification(keys, paidTransaction(early), { timestamp: nowSeconds() + 290 }));

    expect([lateRes.status, earlyRes.status]).toEqual([204, 204]);
    expect(await orderRow(t.db, late.out_trade_no)).toMatchObject({ status: 'paid' });
    expect(await orderRow(t.db, early.out_trade_no)).toMatchObject({ status: 'paid' });
  });

  const refusedAfterVerification: Array<[string, (o: OrderRow) => SignedNotification, string]> = [
    ['a tampered ciphertext', (o) => notification(keys, paidTransaction(o), { alterCiphertext: (c) => flipByte(c, 3) }), 'rejected_decrypt'],
    ['a tampered GCM tag', (o) => notification(keys, paidTransaction(o), { alterCiphertext: (c) => flipByte(c, -1) }), 'rejected_decrypt'],
    ['a ciphertext cut short', (o) => notification(keys, paidTransaction(o), { alterCiphertext: (c) => c.slice(0, 12) }), 'rejected_decrypt'],
    ['another app’s appid', (o) => notification(keys, paidTransaction(o, { appid: 'wx0000000000000000' })), 'rejected'],
    ['another merchant’s mchid', (o) => notification(keys, paidTransaction(o, { mchid: '1900000999' })), 'rejected_mchid'],
    ['an amount one fen short', (o) => notification(keys, paidTransaction(o, { amount: { total: o.amount_fen - 1, payer_total: o.amount_fen - 1, currency: 'CNY' } })), 'rejected'],
    ['no amount at all', (o) => notification(keys, paidTransaction(o, { amount: undefined })), 'rejected'],
    ['the right total in US dollars', (o) => notification(keys, paidTransaction(o, { amount: { total: o.amount_fen, payer_total: o.amount_fen, currency: 'USD', payer_currency: 'USD' } })), 'rejected'],
    ['no currency', (o) => notification(keys, paidTransaction(o, { amount: { total: o.amount_fen, payer_total: o.amount_fen } })), 'rejected'],
    ['an order number we never issued', () => notification(keys, paidTransaction({ out_trade_no: 'ZF20261125000000NOSUCHORDER1', amount_fen: 9900 })), 'rejected'],
    ['a body that is not JSON', () => notification(keys, {}, { rawBody: 'id=1&event_type=TRANSACTION.SUCCESS' }), 'rejected_decrypt'],
    ['an empty body', () => notification(keys, {}, { rawBody: '' }), 'rejected_decrypt'],
    ['JSON without a resource', () => notification(keys, {}, { rawBody: '{"id":"EV-1","event_type":"TRANSACTION.SUCCESS"}' }), 'rejected_decrypt'],
    ['JSON that is an array', () => notification(keys, {}, { rawBody: '[1,2,3]' }), 'rejected_decrypt'],
  ];

  it.each(refusedAfterVerification)('refuses a correctly signed notification with %s with a 4xx, records it and changes nothing', async (_name, build, outcome) => {
    const order = await pendingOrder();
    const before = await notificationCount();

    const res = await postNotification(t, build(order));

    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(res.body).toEqual({ code: 'FAIL', message: expect.any(String) });
    expect(await orderRow(t.db, order.out_trade_no)).toMatchObject({ status: 'pending', transaction_id: null });
    expect(await entitlementsOf(order)).toHaveLength(0);
    expect(await notificationCount()).toBe(before + 1);
    expect((await lastNotification()).outcome).toBe(outcome);
  });

  it('answers a body too large for the webhook with a 4xx, not a 500', async () => {
    const res = await request(t.baseUrl).post('/wechatpay/notify').set('Content-Type', 'application/json').send(`{"pad":"${'x'.repeat(70_000)}"}`);
    expect(res.status).toBe(413);
  });

  it('needs no session or CSRF token, and does not set a session cookie', async () => {
    const order = await pendingOrder();
    const res = await postNotification(t, notification(keys, paidTransaction(order)));
    expect(res.status).toBe(204);
    expect(res.headers['set-cookie']).toBeUndefined();
  });

  it('changes nothing for a notification whose transaction is not SUCCESS, answering 204 so it is not re-sent', async () => {
    const order = await pendingOrder();
    const res = await postNotification(t, notification(keys, paidTransaction(order, { mchid: APP_MCHID, trade_state: 'NOTPAY' })));
    expect(res.status).toBe(204);
    expect(await orderRow(t.db, order.out_trade_no)).toMatchObject({ status: 'pending' });
    expect(await entitlementsOf(order)).toHaveLength(0);
  });
});
