import { createPrivateKey, sign } from 'node:crypto';
import { realPricing } from '../../support/commerce.js';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuditService } from '../../../src/modules/audit/index.js';
import { createEnrolmentService } from '../../../src/modules/enrolments/index.js';
import { createPaymentService, createWechatPayClient, WechatPayError } from '../../../src/modules/payments/index.js';
import { systemClock } from '../../../src/platform/clock.js';
import { createLogger } from '../../../src/platform/logger.js';
import { createCourse, createUser } from '../../support/factories.js';
import { rejectionOf } from '../../support/rejection.js';
import { startTestApp, type TestApp } from '../../support/test-app.js';
import { createPendingOrder, orderRow } from '../../support/wechat-pay.js';

// A stand-in for api.mch.weixin.qq.com that answers every call with a 404, either unsigned (a proxy,
// a captive portal, an attacker on the path) or signed with the official test key. Only the signed
// one may be read as "WeChat has no such order".
const VECTORS = path.resolve(import.meta.dirname, '../../fixtures/wechat-vectors');
const vector = (f: string) => readFileSync(path.join(VECTORS, f), 'utf8');
const PUBLIC_KEY_ID = 'PUB_KEY_ID_0114232134912410000000000000';

let t: TestApp;
let server: Server;
let base: string;
let signAnswers = false;
beforeAll(async () => {
  t = await startTestApp();
  server = createServer((_req, res) => {
    const body = JSON.stringify({ code: 'ORDER_NOT_EXIST', message: '订单不存在' });
    if (signAnswers) {
      const ts = String(Math.floor(Date.now() / 1000));
      const nonce = 'n0nce' + ts;
      const signature = sign('sha256', Buffer.from(`${ts}\n${nonce}\n${body}\n`), createPrivateKey(vector('wechat_pay_private_key.pem'))).toString('base64');
      res.setHeader('Wechatpay-Timestamp', ts);
      res.setHeader('Wechatpay-Nonce', nonce);
      res.setHeader('Wechatpay-Signature', signature);
      res.setHeader('Wechatpay-Serial', PUBLIC_KEY_ID);
    }
    res.writeHead(404, { 'Content-Type': 'application/json' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await t?.close();
});

function client() {
  return createWechatPayClient({
    clock: systemClock,
    log: createLogger('silent'),
    merchant: {
      appid: 'wx8888888888888888',
      mchid: '1900000109',
      apiV3Key: 'a7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb',
      privateKeyPem: vector('merchant_private_key.pem'),
      serial: '5F1C72E2A8931B72A2E13AF8DEE92471EB397115',
      publicKey: { id: PUBLIC_KEY_ID, pem: vector('wechat_pay_public_key.pem') },
      platformCertificatePems: [],
      apiBase: base,
    },
  });
}

const failure = (p: Promise<unknown>) => rejectionOf(p, WechatPayError);

describe('a WeChat Pay answer whose signature fails', () => {
  it('is a transport failure even when it says 404: the order and refund queries throw instead of answering "no such thing"', async () => {
    signAnswers = false;
    const wechat = client();

    const order = await failure(wechat.query('ZF2026120100000000000001'));
    const refund = await failure(wechat.queryRefund('RF2026120100000000000001'));

    expect(order).toMatchObject({ code: 'RESPONSE_NOT_VERIFIED', verified: false, notFound: false });
    expect(refund).toMatchObject({ code: 'RESPONSE_NOT_VERIFIED', verified: false, notFound: false });
  });

  it('is "not found" only when WeChat signed the 404', async () => {
    signAnswers = true;
    const wechat = client();

    expect(await wechat.query('ZF2026120100000000000002')).toBeNull();
    expect(await wechat.queryRefund('RF2026120100000000000002')).toBeNull();
    signAnswers = false;
  });

  it('does not let reconciliation close an expired order, or a refund, on an unsigned 404', async () => {
    signAnswers = false;
    const log = createLogger('silent');
    const audit = createAuditService({ db: t.db, clock: systemClock });
    const payments = createPaymentService({ db: t.db, clock: systemClock, log, wechat: client(), enrolments: createEnrolmentService({ db: t.db, clock: systemClock, log, audit }), pricing: realPricing(t.db, systemClock, log, audit), audit, notifyUrl: `${base}/wechatpay/notify`, orderExpireMinutes: 30, events: { track: () => undefined } });
    const user = await createUser(t.db, { passwordHash: 'x' });
    const course = await createCourse(t.db, { priceFen: 9900 });
    const long = new Date(Date.now() - 3 * 3600_000);
    const order = await createPendingOrder(t.db, { userId: user.id, courseId: course.id, createdAt: long, expiresAt: new Date(long.getTime() + 30 * 60_000) });
    const paid = await createPendingOrder(t.db, { userId: user.id, courseId: (await createCourse(t.db, { priceFen: 9900 })).id, createdAt: long });
    await t.db('orders').where({ id: paid.id }).update({ status: 'refunding', paid_at: long });
    await t.db('refunds').insert({ out_refund_no: 'RFUNSIGNED0000001', order_id: paid.id, amount_fen: 9900, reason: '测试', status: 'pending', origin: 'merchant', created_at: long, updated_at: long });

    await payments.reconcile();

    expect(await orderRow(t.db, order.out_trade_no)).toMatchObject({ status: 'pending' });
    expect(await t.db('refunds').where({ out_refund_no: 'RFUNSIGNED0000001' }).first()).toMatchObject({ status: 'pending' });
    expect(await orderRow(t.db, paid.out_trade_no)).toMatchObject({ status: 'refunding' });
  });
});
