import { X509Certificate, createPrivateKey, createPublicKey } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  aesGcmDecrypt,
  aesGcmEncrypt,
  parseAuthorization,
  paySignMessage,
  publicKeyFromPem,
  requestSigningMessage,
  responseSigningMessage,
  signSha256WithRsa,
  verifySha256WithRsa,
} from '../../../src/modules/sandbox/wechatpay/sandbox-crypto.js';
import { certificateSerialFor, selfSignedCertificatePem } from '../../../src/modules/sandbox/wechatpay/x509-self-signed.js';
import { loadOrCreateSandboxKeys } from '../../../src/modules/sandbox/wechatpay/index.js';

const VECTORS = path.resolve(import.meta.dirname, '../../fixtures/wechat-vectors');
const vector = (name: string) => readFileSync(path.join(VECTORS, name), 'utf8');
const API_V3_KEY = 'a7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb';

describe('the sandbox AES-256-GCM against the official vectors', () => {
  it('encrypts "message" to the official ciphertext and decrypts it back', () => {
    expect(aesGcmEncrypt(API_V3_KEY, 'uluk4a9R25RW', 'associatedData', 'message')).toBe('ulwSiIajGClcvcOYvOQ7+l+0PAbzzwI=');
    expect(aesGcmDecrypt(API_V3_KEY, 'uluk4a9R25RW', 'associatedData', 'ulwSiIajGClcvcOYvOQ7+l+0PAbzzwI=')).toBe('message');
  });

  it.each([
    ['an altered ciphertext', API_V3_KEY, 'uluk4a9R25RW', 'associatedData', 'ulwSiIajGClcvcOYvOQ7+l+0PAbzzwM='],
    ['another AAD', API_V3_KEY, 'uluk4a9R25RW', 'associateddata', 'ulwSiIajGClcvcOYvOQ7+l+0PAbzzwI='],
    ['another nonce', API_V3_KEY, 'uluk4a9R25RX', 'associatedData', 'ulwSiIajGClcvcOYvOQ7+l+0PAbzzwI='],
    ['another key', 'b7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb', 'uluk4a9R25RW', 'associatedData', 'ulwSiIajGClcvcOYvOQ7+l+0PAbzzwI='],
  ])('refuses %s because the tag no longer matches', (_name, key, nonce, aad, ct) => {
    expect(() => aesGcmDecrypt(key, nonce, aad, ct)).toThrow();
  });

  it('decrypts the downloaded platform certificate (dl_ct.b64) to serial 5DEA10EF…', () => {
    const pem = aesGcmDecrypt(API_V3_KEY, '14b16c03dc1b', 'certificate', vector('dl_ct.b64').trim());
    expect(new X509Certificate(pem).serialNumber).toBe('5DEA10EF55877E3CF6C33255C2E7DEFFF7E427EC');
    expect(() => aesGcmDecrypt(API_V3_KEY, '14b16c03dc1c', 'certificate', vector('dl_ct.b64').trim())).toThrow();
  });
});

describe('the sandbox SHA256withRSA against the official vectors', () => {
  it('produces the documented JSAPI paySign and accepts it, but not for another prepay_id', () => {
    const key = vector('doc_example_private_key.pem');
    const message = paySignMessage('wx2421b1c4370ec43b', '1554208460', '593BEC0C930BF1AFEB40B4A08C8FB242', 'prepay_id=wx201410272009395522657a690389285100');
    const paySign = signSha256WithRsa(message, key);
    expect(paySign.startsWith('mI35pfNEQV6777ke/1T+LJLQDNTm7yeoUJH+j/adPGhm')).toBe(true);
    const publicKey = createPublicKey(createPrivateKey(key));
    expect(verifySha256WithRsa(message, paySign, publicKey)).toBe(true);
    expect(verifySha256WithRsa(message.replace('5100', '5101'), paySign, publicKey)).toBe(false);
  });

  it('signs "source" with the wechatpay-go test key exactly as go_sig_source.b64', () => {
    expect(signSha256WithRsa('source', vector('go_test_key.pem'))).toBe(vector('go_sig_source.b64').trim());
  });

  // Wechatpay-Signature of go_notify_body.json, from wechatpay-go's notify handler test.
  const GO_NOTIFY_SIGNATURE =
    'tJHIiIS9eB2hAYstmAmbbD3ZE5LiIm/Ug5tuL4fC0YOFRWIHV39UFIZXC0e9Wl6lBu6sKvkqDkzpqzBsVHyXFlbYZTOQrVdG4b6LfTnK4mikv9++ixJMd3vTf2yCqvBkh98zs3Ds5zsYQakzbcwhmw4fMJs4nPLws28H0UW9FjDR//rxELLwXvV1VEA1IBLX70xptjL8hrfUjEE8kkry6yNJTHZRU8CAc7qHli2Ng1V1qb9ARbK8A3ThmFmPQvRGrapI/jS2laKKgYUmfdEdkNO6B2Cke5e8VTxY406ArAmQ90GAihDwIcb16TQMnzCMBoutnwZKNiKRACrFmtxw2Q==';

  it('verifies the real signed notification go_notify_body.json and signs it identically', () => {
    const body = vector('go_notify_body.json');
    const message = responseSigningMessage('1624523846', 'EcZ9Cmy4Xyx1i6RlJQzLcCyEqDa26NBz', body);
    const cert = publicKeyFromPem(vector('go_test_cert.pem'));
    expect(verifySha256WithRsa(message, GO_NOTIFY_SIGNATURE, cert)).toBe(true);
    expect(signSha256WithRsa(message, vector('go_test_key.pem'))).toBe(GO_NOTIFY_SIGNATURE);
  });

  it.each([
    ['one byte of the body', (b: string) => b.replace('签约成功', '签约失败'), '1624523846'],
    ['the timestamp', (b: string) => b, '1624523847'],
    ['trailing whitespace', (b: string) => `${b} `, '1624523846'],
  ])('rejects the notification once %s changes', (_name, alter, ts) => {
    const message = responseSigningMessage(ts, 'EcZ9Cmy4Xyx1i6RlJQzLcCyEqDa26NBz', alter(vector('go_notify_body.json')));
    expect(verifySha256WithRsa(message, GO_NOTIFY_SIGNATURE, publicKeyFromPem(vector('go_test_cert.pem')))).toBe(false);
  });

  it('verifies merchant requests with the merchant certificate (serial 5F1C72E2…) and rejects another key', () => {
    expect(new X509Certificate(vector('merchant_certificate.pem')).serialNumber).toBe('5F1C72E2A8931B72A2E13AF8DEE92471EB397115');
    const message = requestSigningMessage('GET', '/v3/pay/transactions/out-trade-no/T2026112500001?mchid=1900000109', '1554208460', '593BEC0C930BF1AFEB40B4A08C8FB242', '');
    expect(message.endsWith('593BEC0C930BF1AFEB40B4A08C8FB242\n\n')).toBe(true);
    const signature = signSha256WithRsa(message, vector('merchant_private_key.pem'));
    expect(verifySha256WithRsa(message, signature, publicKeyFromPem(vector('merchant_certificate.pem')))).toBe(true);
    expect(verifySha256WithRsa(message, signature, publicKeyFromPem(vector('wechat_pay_certificate.pem')))).toBe(false);
    expect(verifySha256WithRsa(message, 'not base64!', publicKeyFromPem(vector('merchant_certificate.pem')))).toBe(false);
  });

  it('reads the WeChat Pay public key and its certificate as the same key', () => {
    const fromCert = publicKeyFromPem(vector('wechat_pay_certificate.pem')).export({ type: 'spki', format: 'pem' });
    expect(publicKeyFromPem(vector('wechat_pay_public_key.pem')).export({ type: 'spki', format: 'pem' })).toBe(fromCert);
    expect(new X509Certificate(vector('wechat_pay_certificate.pem')).serialNumber).toBe('440024045C4A427599D09BB4E3DE0279F2E813FD');
  });
});

describe('parsing the Authorization header', () => {
  const fields = 'mchid="1900000109",nonce_str="N1",timestamp="1554208460",serial_no="5F1C",signature="c2ln"';

  it('takes the five fields in any order', () => {
    expect(parseAuthorization(`WECHATPAY2-SHA256-RSA2048 ${fields}`)).toEqual({ mchid: '1900000109', nonce_str: 'N1', timestamp: '1554208460', serial_no: '5F1C', signature: 'c2ln' });
    expect(parseAuthorization('WECHATPAY2-SHA256-RSA2048 signature="c2ln",serial_no="5F1C",timestamp="1",nonce_str="N",mchid="1"')?.signature).toBe('c2ln');
  });

  it.each([
    ['another scheme', `Bearer ${fields}`],
    ['a missing field', 'WECHATPAY2-SHA256-RSA2048 mchid="1",nonce_str="N",timestamp="1",serial_no="S"'],
    ['a repeated field', `WECHATPAY2-SHA256-RSA2048 ${fields},mchid="2"`],
    ['garbage after the fields', `WECHATPAY2-SHA256-RSA2048 ${fields} junk`],
    ['nothing', undefined],
  ])('refuses %s', (_name, header) => {
    expect(parseAuthorization(header)).toBeNull();
  });
});

describe('the self-signed platform certificate', () => {
  const key = vector('wechat_pay_private_key.pem');

  it('is a certificate node can parse, signed by its own key, with a key-derived serial, the same every time', () => {
    const pem = selfSignedCertificatePem(key, '微信支付沙箱平台证书');
    const cert = new X509Certificate(pem);
    expect(cert.verify(cert.publicKey)).toBe(true);
    expect(cert.serialNumber).toBe(certificateSerialFor(createPublicKey(key)));
    expect(cert.subject).toContain('CN=微信支付沙箱平台证书');
    expect(cert.publicKey.export({ type: 'spki', format: 'pem' })).toBe(vector('wechat_pay_public_key.pem'));
    expect(selfSignedCertificatePem(key, '微信支付沙箱平台证书')).toBe(pem);
    expect(cert.verify(publicKeyFromPem(vector('merchant_certificate.pem')))).toBe(false);
  });
});

describe('loadOrCreateSandboxKeys', () => {
  it('creates keys once and returns the same ones afterwards', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'zhifu-sbx-keys-'));
    try {
      const first = loadOrCreateSandboxKeys(path.join(dir, 'data/sandbox'));
      const second = loadOrCreateSandboxKeys(path.join(dir, 'data/sandbox'));
      expect(second).toEqual(first);
      expect(Buffer.byteLength(first.apiV3Key)).toBe(32);
      expect(first.platform.publicKeyId).toMatch(/^PUB_KEY_ID_\d+$/);
      expect(new X509Certificate(first.merchant.certificatePem).serialNumber).toBe(first.merchant.serial);
      const signature = signSha256WithRsa('x', first.merchant.privateKeyPem);
      expect(verifySha256WithRsa('x', signature, publicKeyFromPem(first.merchant.certificatePem))).toBe(true);
      expect(verifySha256WithRsa('x', signature, publicKeyFromPem(first.platform.publicKeyPem))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
