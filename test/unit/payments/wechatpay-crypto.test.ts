import { X509Certificate, createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { decryptResource, jsapiPayParams, verifyWechatSignature, WechatPayKeyring } from '../../../src/modules/payments/index.js';

// The merchant side's crypto against the official vectors (test/fixtures/wechat-vectors, described in
// ../shared/wechat/PROTOCOLS.md "Conformance vectors"). The sandbox has its own copy of this check.
const VECTORS = path.resolve(import.meta.dirname, '../../fixtures/wechat-vectors');
const vector = (name: string) => readFileSync(path.join(VECTORS, name), 'utf8');

const API_V3_KEY = 'a7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb';
const GCM = { nonce: 'uluk4a9R25RW', associated_data: 'associatedData', ciphertext: 'ulwSiIajGClcvcOYvOQ7+l+0PAbzzwI=' };

function flip(b64: string, index: number): string {
  const raw = Buffer.from(b64, 'base64');
  raw[index < 0 ? raw.length + index : index]! ^= 0x01;
  return raw.toString('base64');
}

describe('decryptResource against the official AES-256-GCM vectors', () => {
  it('decrypts the official ciphertext to "message"', () => {
    expect(decryptResource(API_V3_KEY, GCM)).toBe('message');
  });

  it.each([
    ['the associated data changes', { ...GCM, associated_data: 'associatedDatb' }],
    ['the associated data is dropped', { ...GCM, associated_data: undefined }],
    ['the nonce changes', { ...GCM, nonce: 'uluk4a9R25RX' }],
    ['a ciphertext byte changes', { ...GCM, ciphertext: flip(GCM.ciphertext, 0) }],
    ['a tag byte changes', { ...GCM, ciphertext: flip(GCM.ciphertext, -1) }],
    ['the tag is cut off', { ...GCM, ciphertext: Buffer.from(GCM.ciphertext, 'base64').subarray(0, 7).toString('base64') }],
    ['it is empty', { ...GCM, ciphertext: '' }],
  ])('refuses it once %s', (_name, altered) => {
    expect(() => decryptResource(API_V3_KEY, altered)).toThrow();
  });

  it('refuses it under another APIv3 key', () => {
    expect(() => decryptResource('a7cde1ZJB1kG2e7VfTs3jQzaWizur8Gc', GCM)).toThrow();
  });

  it('decrypts the downloaded platform certificate dl_ct.b64 to the certificate with serial 5DEA10EF…', () => {
    const pem = decryptResource(API_V3_KEY, { nonce: '14b16c03dc1b', associated_data: 'certificate', ciphertext: vector('dl_ct.b64').trim() });

    expect(pem).toMatch(/^-----BEGIN CERTIFICATE-----/);
    expect(new WechatPayKeyring().addCertificate(pem)).toBe('5DEA10EF55877E3CF6C33255C2E7DEFFF7E427EC');
  });

  it('refuses dl_ct.b64 once one byte or its associated data changes', () => {
    const ciphertext = vector('dl_ct.b64').trim();
    expect(() => decryptResource(API_V3_KEY, { nonce: '14b16c03dc1b', associated_data: 'certificate', ciphertext: flip(ciphertext, 100) })).toThrow();
    expect(() => decryptResource(API_V3_KEY, { nonce: '14b16c03dc1b', associated_data: 'transaction', ciphertext })).toThrow();
  });
});

describe('verifyWechatSignature against the signed notification from wechatpay-go', () => {
  // Wechatpay-Signature of go_notify_body.json, from wechatpay-go's notify handler test (the same
  // constant the sandbox's conformance test uses).
  const SIGNATURE =
    'tJHIiIS9eB2hAYstmAmbbD3ZE5LiIm/Ug5tuL4fC0YOFRWIHV39UFIZXC0e9Wl6lBu6sKvkqDkzpqzBsVHyXFlbYZTOQrVdG4b6LfTnK4mikv9++ixJMd3vTf2yCqvBkh98zs3Ds5zsYQakzbcwhmw4fMJs4nPLws28H0UW9FjDR//rxELLwXvV1VEA1IBLX70xptjL8hrfUjEE8kkry6yNJTHZRU8CAc7qHli2Ng1V1qb9ARbK8A3ThmFmPQvRGrapI/jS2laKKgYUmfdEdkNO6B2Cke5e8VTxY406ArAmQ90GAihDwIcb16TQMnzCMBoutnwZKNiKRACrFmtxw2Q==';
  const TIMESTAMP = 1624523846;
  const body = vector('go_notify_body.json');
  const message = { timestamp: String(TIMESTAMP), nonce: 'EcZ9Cmy4Xyx1i6RlJQzLcCyEqDa26NBz', signature: SIGNATURE, serial: 'D7CE59D1F522D701', body };
  const keyring = new WechatPayKeyring();
  const serial = keyring.addCertificate(vector('go_test_cert.pem'));

  it('reads the certificate serial D7CE59D1F522D701 and accepts the notification at its own time', () => {
    expect(serial).toBe('D7CE59D1F522D701');
    expect(verifyWechatSignature(keyring, message, TIMESTAMP)).toBe('ok');
    expect(verifyWechatSignature(keyring, message, TIMESTAMP + 299)).toBe('ok');
    expect(verifyWechatSignature(keyring, message, TIMESTAMP - 299)).toBe('ok');
  });

  it('finds the key whatever the case of the serial', () => {
    expect(verifyWechatSignature(keyring, { ...message, serial: 'd7ce59d1f522d701' }, TIMESTAMP)).toBe('ok');
  });

  it.each([
    ['one character of the body', { body: body.replace('签约成功', '签约失败') }],
    ['trailing whitespace after the body', { body: `${body} ` }],
    ['a newline after the body', { body: `${body}\n` }],
    ['the body re-serialised', { body: JSON.stringify(JSON.parse(body), null, 1) }],
    ['the timestamp', { timestamp: String(TIMESTAMP + 1) }],
    ['the nonce', { nonce: 'EcZ9Cmy4Xyx1i6RlJQzLcCyEqDa26NBy' }],
    ['one bit of the signature', { signature: flip(SIGNATURE, 10) }],
    ['a signature that is not base64', { signature: '***' }],
  ])('reports a bad signature once %s changes', (_name, altered) => {
    expect(verifyWechatSignature(keyring, { ...message, ...altered }, TIMESTAMP)).toBe('bad_signature');
  });

  it('refuses it 300 s or more before or after its timestamp', () => {
    expect(verifyWechatSignature(keyring, message, TIMESTAMP + 300)).toBe('stale_timestamp');
    expect(verifyWechatSignature(keyring, message, TIMESTAMP - 300)).toBe('stale_timestamp');
    expect(verifyWechatSignature(keyring, message, Math.floor(Date.now() / 1000))).toBe('stale_timestamp');
  });

  it('refuses a timestamp that is not a whole number of seconds', () => {
    expect(verifyWechatSignature(keyring, { ...message, timestamp: `${TIMESTAMP}.0` }, TIMESTAMP)).toBe('stale_timestamp');
    expect(verifyWechatSignature(keyring, { ...message, timestamp: ` ${TIMESTAMP}` }, TIMESTAMP)).toBe('stale_timestamp');
  });

  it('refuses a serial it has no key for, a signature probe and missing headers', () => {
    expect(verifyWechatSignature(keyring, { ...message, serial: '5DEA10EF55877E3CF6C33255C2E7DEFFF7E427EC' }, TIMESTAMP)).toBe('unknown_serial');
    expect(verifyWechatSignature(keyring, { ...message, signature: `WECHATPAY/SIGNTEST/${SIGNATURE}` }, TIMESTAMP)).toBe('probe');
    expect(verifyWechatSignature(keyring, { ...message, nonce: undefined }, TIMESTAMP)).toBe('missing_headers');
    expect(verifyWechatSignature(keyring, { ...message, serial: '' }, TIMESTAMP)).toBe('missing_headers');
  });

  it('decrypts its resource with the 16-byte APIv3 key testMchAPIv3Key0 (AES-128-GCM), and not once altered', () => {
    const resource = (JSON.parse(body) as { resource: { nonce: string; associated_data: string; ciphertext: string } }).resource;

    expect(JSON.parse(decryptResource('testMchAPIv3Key0', resource))).toMatchObject({ mchid: '1234567890', out_contract_code: '21640bdbd08e473e828f3206a2741c6e' });
    expect(() => decryptResource('testMchAPIv3Key0', { ...resource, ciphertext: flip(resource.ciphertext, -3) })).toThrow();
    expect(() => decryptResource('testMchAPIv3Key1', resource)).toThrow();
  });
});

describe('verifyWechatSignature in WeChat Pay public key mode', () => {
  const keyring = new WechatPayKeyring();
  keyring.addPublicKey('PUB_KEY_ID_0114232134912410000000000000', vector('wechat_pay_public_key.pem'));
  const now = 1554208460;
  const signed = (body: string, key = vector('wechat_pay_private_key.pem')) => ({
    timestamp: String(now),
    nonce: '593BEC0C930BF1AFEB40B4A08C8FB242',
    serial: 'PUB_KEY_ID_0114232134912410000000000000',
    body,
    signature: sign('sha256', Buffer.from(`${now}\n593BEC0C930BF1AFEB40B4A08C8FB242\n${body}\n`), createPrivateKey(key)).toString('base64'),
  });

  it('accepts a message signed with the WeChat Pay key, picked by its PUB_KEY_ID', () => {
    expect(verifyWechatSignature(keyring, signed('{"code":"SUCCESS"}'), now)).toBe('ok');
    expect(verifyWechatSignature(keyring, signed(''), now)).toBe('ok');
  });

  it('refuses one signed with the merchant key', () => {
    expect(verifyWechatSignature(keyring, signed('{"code":"SUCCESS"}', vector('merchant_private_key.pem')), now)).toBe('bad_signature');
  });

  it('reads the platform certificate as the same key under its serial 440024045C…', () => {
    const byCert = new WechatPayKeyring();
    expect(byCert.addCertificate(vector('wechat_pay_certificate.pem'))).toBe('440024045C4A427599D09BB4E3DE0279F2E813FD');
    expect(verifyWechatSignature(byCert, { ...signed('{}'), serial: '440024045C4A427599D09BB4E3DE0279F2E813FD' }, now)).toBe('ok');
    expect(new X509Certificate(vector('merchant_certificate.pem')).serialNumber).toBe('5F1C72E2A8931B72A2E13AF8DEE92471EB397115');
  });
});

describe('jsapiPayParams against the official signing example', () => {
  const key = vector('doc_example_private_key.pem');
  const params = jsapiPayParams(key, 'wx2421b1c4370ec43b', 'wx201410272009395522657a690389285100', 1554208460, '593BEC0C930BF1AFEB40B4A08C8FB242');

  it('reproduces the documented paySign', () => {
    expect(params.paySign.startsWith('mI35pfNEQV6777ke/1T+LJLQDNTm7yeoUJH+j/adPGhm')).toBe(true);
    expect(params).toMatchObject({ appId: 'wx2421b1c4370ec43b', timeStamp: '1554208460', nonceStr: '593BEC0C930BF1AFEB40B4A08C8FB242', package: 'prepay_id=wx201410272009395522657a690389285100', signType: 'RSA' });
  });

  it('signs exactly appId, timeStamp, nonceStr and package, one per line', () => {
    const publicKey = createPublicKey(createPrivateKey(key));
    const message = 'wx2421b1c4370ec43b\n1554208460\n593BEC0C930BF1AFEB40B4A08C8FB242\nprepay_id=wx201410272009395522657a690389285100\n';
    expect(verify('sha256', Buffer.from(message), publicKey, Buffer.from(params.paySign, 'base64'))).toBe(true);
    expect(verify('sha256', Buffer.from(message.replace('5100', '5101')), publicKey, Buffer.from(params.paySign, 'base64'))).toBe(false);
  });

  it('gives another paySign for another prepay_id, and a fresh random nonce when none is given', () => {
    const other = jsapiPayParams(key, 'wx2421b1c4370ec43b', 'wx201410272009395522657a690389285101', 1554208460, '593BEC0C930BF1AFEB40B4A08C8FB242');
    const a = jsapiPayParams(key, 'wx2421b1c4370ec43b', 'wx201410272009395522657a690389285100', 1554208460);
    const b = jsapiPayParams(key, 'wx2421b1c4370ec43b', 'wx201410272009395522657a690389285100', 1554208460);

    expect(other.paySign).not.toBe(params.paySign);
    expect(a.nonceStr).toMatch(/^[0-9a-f]{32}$/);
    expect(a.nonceStr).not.toBe(b.nonceStr);
  });
});
