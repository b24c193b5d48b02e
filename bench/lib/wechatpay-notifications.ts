/**
 * Payment notifications as WeChat Pay sends them, built with node:crypto alone (never with the
 * payments module's helpers, so a bug there cannot be mirrored here): a TRANSACTION.SUCCESS resource
 * encrypted with AEAD_AES_256_GCM under the APIv3 key, the body signed SHA256-with-RSA over
 * `timestamp\nnonce\nbody\n` with the platform key, sent with the Wechatpay-* headers.
 */
import { createCipheriv, createPrivateKey, createSign, randomBytes, randomUUID, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';

/** The part of `<SANDBOX_DIR>/wechatpay-keys.json` that WeChat's side holds. */
export interface PlatformKeys {
  apiV3Key: string;
  platformPrivateKey: KeyObject;
  platformPublicKeyPem: string;
  publicKeyId: string;
}

export function readSandboxKeys(sandboxDir: string): PlatformKeys {
  const raw = JSON.parse(readFileSync(path.join(sandboxDir, 'wechatpay-keys.json'), 'utf8')) as {
    apiV3Key: string;
    platform: { privateKeyPem: string; publicKeyPem: string; publicKeyId: string };
  };
  return {
    apiV3Key: raw.apiV3Key,
    platformPrivateKey: createPrivateKey(raw.platform.privateKeyPem),
    platformPublicKeyPem: raw.platform.publicKeyPem,
    publicKeyId: raw.platform.publicKeyId,
  };
}

export interface SignedNotification {
  headers: Record<string, string>;
  body: string;
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function alphanumeric(n: number): string {
  const bytes = randomBytes(n);
  let s = '';
  for (const b of bytes) s += ALNUM[b % ALNUM.length];
  return s;
}

/** `2026-11-25T16:40:00+08:00`: WeChat writes times in Beijing time. */
function beijingTime(d: Date): string {
  return new Date(d.getTime() + 8 * 3600_000).toISOString().slice(0, 19) + '+08:00';
}

function encrypt(apiV3Key: string, nonce: string, associatedData: string, plaintext: string): string {
  const cipher = createCipheriv('aes-256-gcm', Buffer.from(apiV3Key, 'utf8'), Buffer.from(nonce, 'utf8'));
  cipher.setAAD(Buffer.from(associatedData, 'utf8'));
  const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return Buffer.concat([ct, cipher.getAuthTag()]).toString('base64');
}

/** One signed, encrypted TRANSACTION.SUCCESS notification for an order, timestamped now. */
export function paymentSucceeded(
  keys: PlatformKeys,
  merchant: { appid: string; mchid: string },
  order: { outTradeNo: string; amountFen: number; transactionId: string },
  now = new Date(),
): SignedNotification {
  const resource = {
    appid: merchant.appid,
    mchid: merchant.mchid,
    out_trade_no: order.outTradeNo,
    transaction_id: order.transactionId,
    trade_type: 'NATIVE',
    trade_state: 'SUCCESS',
    trade_state_desc: '支付成功',
    bank_type: 'OTHERS',
    attach: '',
    success_time: beijingTime(now),
    payer: { openid: `o${alphanumeric(27)}` },
    amount: { total: order.amountFen, payer_total: order.amountFen, currency: 'CNY', payer_currency: 'CNY' },
  };
  const resourceNonce = alphanumeric(12);
  const body = JSON.stringify({
    id: randomUUID(),
    create_time: beijingTime(now),
    resource_type: 'encrypt-resource',
    event_type: 'TRANSACTION.SUCCESS',
    summary: '支付成功',
    resource: {
      original_type: 'transaction',
      algorithm: 'AEAD_AES_256_GCM',
      ciphertext: encrypt(keys.apiV3Key, resourceNonce, 'transaction', JSON.stringify(resource)),
      associated_data: 'transaction',
      nonce: resourceNonce,
    },
  });
  const timestamp = String(Math.floor(now.getTime() / 1000));
  const nonce = alphanumeric(32);
  const signature = createSign('RSA-SHA256').update(`${timestamp}\n${nonce}\n${body}\n`).sign(keys.platformPrivateKey, 'base64');
  return {
    body,
    headers: {
      'content-type': 'application/json',
      'user-agent': 'Mozilla/4.0 (WeChat Pay bench)',
      'request-id': randomBytes(16).toString('hex'),
      'wechatpay-timestamp': timestamp,
      'wechatpay-nonce': nonce,
      'wechatpay-signature': signature,
      'wechatpay-serial': keys.publicKeyId,
      'wechatpay-signature-type': 'WECHATPAY2-SHA256-RSA2048',
    },
  };
}
