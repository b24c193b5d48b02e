import express from 'express';
import type { Server } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MCHID, callApi, closeServer, control, decryptResource, listen, nativeOrder, outTradeNo, startSandbox, waitFor, wechatSignatureValid, type RunningSandbox } from './sandbox-harness.js';

// A merchant's notify endpoint in miniature: it verifies the signature with the sandbox public key and
// decrypts with the APIv3 key, answering whatever the test scripts.

interface Received {
  headers: Record<string, string | string[] | undefined>;
  body: string;
  signatureValid: boolean;
  envelope: Record<string, unknown>;
  resource: Record<string, unknown> | null;
}

let s: RunningSandbox;
let receiver: { server: Server; url: string };
let received: Received[] = [];
let answers: number[] = [];

beforeAll(async () => {
  // 1000× faster: the 15 s, 15 s, 30 s retries take 15, 15 and 30 ms.
  s = await startSandbox({ timeScale: 1000, refundDelayMs: 2000 });
  const app = express();
  app.post('/notify', express.raw({ type: () => true }), (req, res) => {
    const body = (req.body as Buffer).toString('utf8');
    const signatureValid = wechatSignatureValid(s.keys, req.headers, body);
    const envelope = JSON.parse(body) as Record<string, unknown>;
    let resource: Record<string, unknown> | null = null;
    if (signatureValid) resource = decryptResource(s.keys.apiV3Key, envelope.resource as { ciphertext: string; nonce: string; associated_data: string });
    received.push({ headers: req.headers, body, signatureValid, envelope, resource });
    if (!signatureValid) return void res.status(401).json({ code: 'FAIL', message: '签名错误' });
    const status = answers.shift() ?? 204;
    res.status(status).end();
  });
  receiver = await listen(app);
});
afterEach(() => {
  received = [];
  answers = [];
});
afterAll(async () => {
  await s.close();
  await closeServer(receiver.server);
});

async function paidOrder(faults: Record<string, unknown> = {}, total = 9900) {
  const no = outTradeNo('M');
  const created = await callApi(s, 'POST', '/v3/pay/transactions/native', nativeOrder(no, { notify_url: `${receiver.url}/notify`, amount: { total } }));
  expect(created.status).toBe(200);
  expect((await control(s, `/sandbox/transactions/${no}/pay`, faults)).status).toBe(200);
  return no;
}

const forOrder = (no: string) => received.filter((r) => r.resource?.out_trade_no === no);

describe('payment notifications', () => {
  it('POSTs a TRANSACTION.SUCCESS signed with the PUB_KEY_ID and encrypted with the APIv3 key', async () => {
    const no = await paidOrder();
    const [n] = await waitFor(() => forOrder(no).length > 0 && forOrder(no));

    expect(n!.signatureValid).toBe(true);
    expect(n!.headers['wechatpay-serial']).toBe(s.keys.platform.publicKeyId);
    expect(n!.headers['wechatpay-signature-type']).toBe('WECHATPAY2-SHA256-RSA2048');
    expect(Math.abs(Number(n!.headers['wechatpay-timestamp']) - Date.now() / 1000)).toBeLessThan(60);
    expect(n!.envelope).toMatchObject({ resource_type: 'encrypt-resource', event_type: 'TRANSACTION.SUCCESS', summary: '支付成功' });
    expect(n!.envelope.resource).toMatchObject({ original_type: 'transaction', algorithm: 'AEAD_AES_256_GCM', associated_data: 'transaction' });
    expect((n!.envelope.resource as { nonce: string }).nonce).toMatch(/^[A-Za-z0-9]{12}$/);
    expect(n!.envelope.create_time).toMatch(/\+08:00$/);
    expect(n!.resource).toMatchObject({ mchid: MCHID, out_trade_no: no, trade_state: 'SUCCESS', trade_type: 'NATIVE', amount: { total: 9900, payer_total: 9900, currency: 'CNY' } });
    await waitFor(async () => (await s.db('sandbox_wechatpay_notifications').where({ out_trade_no: no }).first()).status === 'delivered');
  });

  it('retries on WeChat’s schedule when the merchant answers 500, with the same notification id', async () => {
    answers = [500, 500, 204];
    const no = await paidOrder();
    await waitFor(async () => (await s.db('sandbox_wechatpay_notifications').where({ out_trade_no: no }).first()).status === 'delivered');

    const got = forOrder(no);
    expect(got).toHaveLength(3);
    expect(new Set(got.map((r) => r.envelope.id)).size).toBe(1);
    expect(await s.db('sandbox_wechatpay_notifications').where({ out_trade_no: no }).first()).toMatchObject({ attempts: 3, last_http_status: 204 });
  });

  it('counts a 202 or a slow answer as a failure and gives up after 15 retries', async () => {
    const fast = await startSandbox({ timeScale: 1_000_000, pollIntervalMs: 5, notifyTimeoutMs: 300 });
    try {
      const app = express();
      let hits = 0;
      app.post('/slow', (_req, res) => {
        hits++;
        if (hits === 1) setTimeout(() => res.status(204).end(), 600);
        else res.status(202).end();
      });
      const slow = await listen(app);
      const no = outTradeNo('G');
      await callApi(fast, 'POST', '/v3/pay/transactions/native', nativeOrder(no, { notify_url: `${slow.url}/slow` }));
      await control(fast, `/sandbox/transactions/${no}/pay`);
      const row = await waitFor(async () => {
        const r = await fast.db('sandbox_wechatpay_notifications').where({ out_trade_no: no }).first();
        return r.status === 'failed' && r;
      }, 30_000);
      expect(row.attempts).toBe(16);
      expect(hits).toBe(16);
      await closeServer(slow.server);
    } finally {
      await fast.close();
    }
  }, 40_000);
});

describe('refund notifications', () => {
  it('moves the refund PROCESSING → SUCCESS after the delay and POSTs REFUND.SUCCESS', async () => {
    const no = await paidOrder();
    const r = await callApi(s, 'POST', '/v3/refund/domestic/refunds', { out_trade_no: no, out_refund_no: `${no}R`, notify_url: `${receiver.url}/notify`, amount: { refund: 900, total: 9900, currency: 'CNY' } });
    // The delay is 3 ms at this time scale: under load the worker can settle it before the answer is
    // read, and WeChat too may answer SUCCESS at once.
    expect(['PROCESSING', 'SUCCESS']).toContain(r.json!.status);

    const n = await waitFor(() => received.find((x) => x.envelope.event_type === 'REFUND.SUCCESS' && x.resource?.out_trade_no === no));
    expect(n.signatureValid).toBe(true);
    expect(n.envelope.resource).toMatchObject({ original_type: 'refund', associated_data: 'refund' });
    expect(n.resource).toMatchObject({ mchid: MCHID, out_refund_no: `${no}R`, refund_status: 'SUCCESS', amount: { total: 9900, refund: 900, payer_refund: 900 } });
    expect((await callApi(s, 'GET', `/v3/refund/domestic/refunds/${no}R`)).json).toMatchObject({ status: 'SUCCESS' });
  });
});

describe('fault injection', () => {
  it('sends a WECHATPAY/SIGNTEST/ probe first, which fails verification, then the real one', async () => {
    const no = await paidOrder({ sign_probe: true });
    await waitFor(async () => (await s.db('sandbox_wechatpay_notifications').where({ out_trade_no: no }).first()).status === 'delivered');

    const probe = received.find((x) => String(x.headers['wechatpay-signature']).startsWith('WECHATPAY/SIGNTEST/'));
    expect(probe?.signatureValid).toBe(false);
    expect(forOrder(no)).toHaveLength(1);
    expect(await s.db('sandbox_wechatpay_notifications').where({ out_trade_no: no }).first()).toMatchObject({ probe_http_status: 401, attempts: 1 });
  });

  it('delivers duplicate copies at once after a success', async () => {
    const no = await paidOrder({ duplicates: 2 });
    await waitFor(() => forOrder(no).length === 3);
    expect(new Set(forOrder(no).map((r) => r.envelope.id)).size).toBe(1);
  });

  it('holds a payment notification back so the refund notification arrives first', async () => {
    const no = await paidOrder({ delay_ms: 800 });
    await callApi(s, 'POST', '/v3/refund/domestic/refunds', { out_trade_no: no, out_refund_no: `${no}R`, notify_url: `${receiver.url}/notify`, amount: { refund: 9900, total: 9900, currency: 'CNY' } });
    await waitFor(() => forOrder(no).length === 2);
    expect(forOrder(no).map((r) => r.envelope.event_type)).toEqual(['REFUND.SUCCESS', 'TRANSACTION.SUCCESS']);
  });
});

describe('several processes', () => {
  it('delivers each notification once when three sandbox workers share the database', async () => {
    await s.addInstance();
    await s.addInstance();
    const nos = await Promise.all(Array.from({ length: 12 }, () => paidOrder()));
    await waitFor(async () => (await s.db('sandbox_wechatpay_notifications').whereIn('out_trade_no', nos).where({ status: 'delivered' })).length === 12, 10_000);
    await new Promise((r) => setTimeout(r, 200));
    for (const no of nos) expect(forOrder(no)).toHaveLength(1);
  });
});
