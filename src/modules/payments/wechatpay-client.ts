import { randomBytes, X509Certificate } from 'node:crypto';
import type { Knex } from 'knex';
import WxPay from 'wechatpay-node-v3';
import type { MerchantSettings } from '../../config/wechatpay-config.js';
import type { Clock } from '../../platform/clock.js';
import type { Logger } from '../../platform/logger.js';
import { createPlatformCertificates, type DownloadedCertificate } from './platform-certificates.js';
import { decryptResource, verifyWechatSignature, WechatPayKeyring } from './wechatpay-crypto.js';

const WECHAT_HOST = 'https://api.mch.weixin.qq.com';
const TIMEOUT_MS = 10_000;

/**
 * A WeChat Pay API answer we cannot use: an error body, a bad signature, or no answer at all. Only an
 * error in an answer whose signature checked out (`verified`) says anything about WeChat's state; an
 * unsigned 404 may come from a proxy or an attacker and is a transport failure like a timeout.
 */
export class WechatPayError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly verified = false,
  ) {
    super(`${code}: ${message}`);
    this.name = 'WechatPayError';
  }

  /** WeChat itself refused, in a signed 4xx answer. */
  get definite(): boolean {
    return this.verified && this.status >= 400 && this.status < 500;
  }

  /** WeChat itself, in a signed answer, has no such order or refund. */
  get notFound(): boolean {
    return this.verified && this.status === 404;
  }
}

export interface WechatTransaction {
  appid: string;
  mchid: string;
  out_trade_no: string;
  transaction_id?: string;
  trade_type?: string;
  trade_state: 'SUCCESS' | 'REFUND' | 'NOTPAY' | 'CLOSED' | 'REVOKED' | 'USERPAYING' | 'PAYERROR';
  success_time?: string;
  payer?: { openid?: string };
  amount?: { total?: number; payer_total?: number; currency?: string };
}

export interface WechatRefund {
  refund_id?: string;
  out_refund_no: string;
  out_trade_no?: string;
  transaction_id?: string;
  status?: 'SUCCESS' | 'CLOSED' | 'PROCESSING' | 'ABNORMAL';
  refund_status?: 'SUCCESS' | 'CLOSED' | 'PROCESSING' | 'ABNORMAL';
  success_time?: string;
  amount?: { total?: number; refund?: number };
}

export interface PrepayOrder {
  outTradeNo: string;
  description: string;
  amountFen: number;
  notifyUrl: string;
  expiresAt: Date;
}

function parseJson(text: string, status: number): Record<string, unknown> {
  try {
    return text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    throw new WechatPayError(status, 'BAD_RESPONSE', 'WeChat Pay answered with something that is not JSON');
  }
}

/** RFC 3339 in China time, as WeChat writes it. */
function rfc3339China(d: Date): string {
  const local = new Date(d.getTime() + 8 * 3600_000).toISOString().slice(0, 19);
  return `${local}+08:00`;
}

/**
 * WeChat refuses a time_expire less than a minute after it receives the order, and RFC 3339 carries whole
 * seconds: the order's own expiry, rounded up to the second and kept a little over a minute ahead so a
 * one-minute order is not refused for the milliseconds cut off or the trip to WeChat. WeChat may then
 * take a payment a few seconds after the local expiry; a late payment is still applied.
 */
function timeExpire(expiresAt: Date, now: Date): Date {
  const ms = Math.max(expiresAt.getTime(), now.getTime() + 65_000);
  return new Date(Math.ceil(ms / 1000) * 1000);
}

/**
 * wechatpay-node-v3 builds and signs each request; our transport sends it to `apiBase` (WeChat or the
 * sandbox), verifies the signature of every response before the library sees it, and turns error
 * bodies into WechatPayError.
 */
export function createWechatPayClient(deps: { merchant: MerchantSettings; clock: Clock; log: Logger; db?: Knex }) {
  const { merchant } = deps;
  const keyring = new WechatPayKeyring();
  if (merchant.publicKey) keyring.addPublicKey(merchant.publicKey.id, merchant.publicKey.pem);
  for (const pem of merchant.platformCertificatePems) keyring.addCertificate(pem);

  const pay = new WxPay({
    appid: merchant.appid,
    mchid: merchant.mchid,
    serial_no: merchant.serial,
    publicKey: Buffer.from(''), // unused: we verify responses ourselves
    privateKey: Buffer.from(merchant.privateKeyPem),
    key: merchant.apiV3Key,
  });


  async function send(method: 'GET' | 'POST', url: string, headers: Record<string, string>, params?: Record<string, unknown>, verify = true) {
    if (!url.startsWith(WECHAT_HOST)) throw new Error(`unexpected WeChat Pay URL ${url}`);
    const path = url.slice(WECHAT_HOST.length);
    const outgoing: Record<string, string> = { ...headers, Accept: 'application/json', 'User-Agent': 'zhifu/0.1' };
    // Public-key mode: WeChat's samples name the key they expect the answer to be signed with.
    if (merchant.publicKey) outgoing['Wechatpay-Serial'] = merchant.publicKey.id;
    let res: Response;
    try {
      res = await fetch(merchant.apiBase + path, {
        method,
        headers: outgoing,
        body: params === undefined ? undefined : JSON.stringify(params),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (err) {
      throw new WechatPayError(0, 'NETWORK_ERROR', `WeChat Pay did not answer: ${(err as Error).message}`);
    }
    const text = await res.text();
    if (verify) await checkSignature(res, text);
    const data = parseJson(text, res.status);
    if (res.status >= 400) throw new WechatPayError(res.status, String(data.code ?? 'HTTP_' + res.status), String(data.message ?? text.slice(0, 200)), verify);
    return { status: res.status, data };
  }

  async function checkSignature(res: Response, text: string): Promise<void> {
    const message = {
      timestamp: res.headers.get('wechatpay-timestamp') ?? undefined,
      nonce: res.headers.get('wechatpay-nonce') ?? undefined,
      signature: res.headers.get('wechatpay-signature') ?? undefined,
      serial: res.headers.get('wechatpay-serial') ?? undefined,
      body: text,
    };
    const now = Math.floor(deps.clock.now().getTime() / 1000);
    let outcome = verifyWechatSignature(keyring, message, now);
    if (outcome === 'unknown_serial' && certificates && (await certificates.ensure(message.serial ?? ''))) {
      outcome = verifyWechatSignature(keyring, message, now);
    }
    if (outcome !== 'ok') {
      deps.log.error({ event: 'payments.response_unverified', outcome, status: res.status }, 'WeChat Pay response failed verification');
      throw new WechatPayError(res.status, 'RESPONSE_NOT_VERIFIED', `response signature check failed: ${outcome}`);
    }
  }

  /** Certificate mode: download the platform certificates, decrypt them with the tag checked, then trust the response only if one of them signed it. */
  async function downloadCertificates(): Promise<DownloadedCertificate[]> {
    const nonce = randomBytes(16).toString('hex');
    const ts = String(Math.floor(deps.clock.now().getTime() / 1000));
    // WeChat signs requests over the path, never the full URL (the library does the same for its own calls).
    const auth = pay.getAuthorization(nonce, ts, pay.getSignature('GET', nonce, ts, '/v3/certificates'));
    const res = await fetch(merchant.apiBase + '/v3/certificates', { headers: { Authorization: auth, Accept: 'application/json' }, signal: AbortSignal.timeout(TIMEOUT_MS) });
    const text = await res.text();
    if (!res.ok) throw new WechatPayError(res.status, 'CERTIFICATES_UNAVAILABLE', text.slice(0, 200));
    const candidate = new WechatPayKeyring();
    const list = (JSON.parse(text) as { data: { expire_time?: string; encrypt_certificate: { nonce: string; associated_data: string; ciphertext: string } }[] }).data;
    const pems = list.map((c) => decryptResource(merchant.apiV3Key, c.encrypt_certificate));
    for (const pem of pems) candidate.addCertificate(pem);
    const outcome = verifyWechatSignature(
      candidate,
      { timestamp: res.headers.get('wechatpay-timestamp') ?? '', nonce: res.headers.get('wechatpay-nonce') ?? '', signature: res.headers.get('wechatpay-signature') ?? '', serial: res.headers.get('wechatpay-serial') ?? '', body: text },
      Math.floor(deps.clock.now().getTime() / 1000),
    );
    if (outcome !== 'ok') throw new WechatPayError(res.status, 'CERTIFICATES_NOT_VERIFIED', outcome);
    return pems.map((pem, i) => ({ serial: new X509Certificate(pem).serialNumber.toUpperCase(), pem, expiresAt: list[i]!.expire_time ? new Date(list[i]!.expire_time!) : null }));
  }

  // Certificate mode only: the downloaded certificates live in the database, shared by all processes.
  if (!merchant.publicKey && !deps.db) throw new Error('certificate mode needs the database to keep the platform certificates');
  const certificates = merchant.publicKey ? null : createPlatformCertificates({ db: deps.db!, clock: deps.clock, log: deps.log, keyring, download: downloadCertificates });

  pay.createHttp({
    post: (url, params, headers) => send('POST', url, headers, params),
    get: (url, headers) => send('GET', url, headers),
    upload: () => Promise.reject(new Error('uploads are not used')),
  });

  const base = (o: PrepayOrder) => ({
    description: o.description,
    out_trade_no: o.outTradeNo,
    time_expire: rfc3339China(timeExpire(o.expiresAt, deps.clock.now())),
    notify_url: o.notifyUrl,
    amount: { total: o.amountFen, currency: 'CNY' },
  });

  return {
    keyring,
    merchant,
    /** The webhook's way to learn a platform certificate it has not seen yet (certificate mode only). */
    ensureCertificate: (serial: string) => certificates?.ensure(serial) ?? Promise.resolve(false),
    /** Reconciliation's periodic refresh of the platform certificates (certificate mode only). */
    refreshCertificates: () => certificates?.refreshIfStale() ?? Promise.resolve(),

    async native(o: PrepayOrder): Promise<{ codeUrl: string }> {
      const r = await pay.transactions_native(base(o));
      return { codeUrl: String(r.data.code_url) };
    },

    async jsapi(o: PrepayOrder, openid: string): Promise<{ prepayId: string }> {
      const r = await pay.transactions_jsapi({ ...base(o), payer: { openid } });
      // The library swaps the body for its own pay parameters; the prepay id is in `package`.
      const d = r.data as { prepay_id?: string; package?: string };
      return { prepayId: d.prepay_id ?? String(d.package).replace(/^prepay_id=/, '') };
    },

    async h5(o: PrepayOrder, clientIp: string): Promise<{ h5Url: string }> {
      const params = { ...base(o), scene_info: { payer_client_ip: clientIp, h5_info: { type: 'Wap' } } };
      const r = await pay.transactions_h5(params as Parameters<typeof pay.transactions_h5>[0]);
      return { h5Url: String(r.data.h5_url) };
    },

    /** null when WeChat has no such order (any 404). */
    async query(outTradeNo: string): Promise<WechatTransaction | null> {
      try {
        const r = await pay.query({ out_trade_no: outTradeNo });
        return r.data as unknown as WechatTransaction;
      } catch (err) {
        if (err instanceof WechatPayError && err.notFound) return null;
        throw err;
      }
    },

    async close(outTradeNo: string): Promise<void> {
      await pay.close(outTradeNo);
    },

    async refund(r: { outTradeNo: string; outRefundNo: string; reason: string; refundFen: number; totalFen: number; notifyUrl: string }): Promise<WechatRefund> {
      const res = await pay.refunds({
        out_trade_no: r.outTradeNo,
        out_refund_no: r.outRefundNo,
        reason: r.reason || undefined,
        notify_url: r.notifyUrl,
        amount: { refund: r.refundFen, total: r.totalFen, currency: 'CNY' },
      } as Parameters<typeof pay.refunds>[0]);
      return res.data as unknown as WechatRefund;
    },

    async queryRefund(outRefundNo: string): Promise<WechatRefund | null> {
      try {
        const res = await pay.find_refunds(outRefundNo);
        return res.data as unknown as WechatRefund;
      } catch (err) {
        if (err instanceof WechatPayError && err.notFound) return null;
        throw err;
      }
    },
  };
}

export type WechatPayClient = ReturnType<typeof createWechatPayClient>;
