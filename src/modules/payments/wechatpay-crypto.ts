import { createDecipheriv, createPrivateKey, createPublicKey, createSign, createVerify, randomBytes, X509Certificate, type KeyObject } from 'node:crypto';

// The merchant side of WeChat Pay v3 cryptography, on node:crypto. wechatpay-node-v3 builds and
// signs our requests, but its notification decryption skips the GCM tag and it never verifies
// responses, so those two live here.

export const SIGNATURE_WINDOW_SECONDS = 300;

export interface SignedMessage {
  timestamp: string;
  nonce: string;
  signature: string;
  serial: string;
  body: string;
}

/** Picks the verification key by Wechatpay-Serial: a PUB_KEY_ID_… or a platform certificate serial. */
export class WechatPayKeyring {
  private readonly keys = new Map<string, KeyObject>();

  addPublicKey(id: string, pem: string): void {
    this.keys.set(id, createPublicKey(pem));
  }

  addCertificate(pem: string): string {
    const cert = new X509Certificate(pem);
    this.keys.set(cert.serialNumber.toUpperCase(), cert.publicKey);
    return cert.serialNumber.toUpperCase();
  }

  get(serial: string): KeyObject | undefined {
    return this.keys.get(serial) ?? this.keys.get(serial.toUpperCase());
  }

  get size(): number {
    return this.keys.size;
  }
}

export type VerifyOutcome = 'ok' | 'missing_headers' | 'probe' | 'unknown_serial' | 'stale_timestamp' | 'bad_signature';

/** Checks, in order: headers present, not a signature probe, known serial, time window, signature. */
export function verifyWechatSignature(keyring: WechatPayKeyring, m: Partial<SignedMessage>, nowSeconds: number): VerifyOutcome {
  if (!m.timestamp || !m.nonce || !m.signature || !m.serial) return 'missing_headers';
  if (m.signature.startsWith('WECHATPAY/SIGNTEST/')) return 'probe';
  const key = keyring.get(m.serial);
  if (!key) return 'unknown_serial';
  const ts = Number(m.timestamp);
  if (!/^\d{1,12}$/.test(m.timestamp) || Math.abs(nowSeconds - ts) >= SIGNATURE_WINDOW_SECONDS) return 'stale_timestamp';
  const verifier = createVerify('RSA-SHA256');
  verifier.update(`${m.timestamp}\n${m.nonce}\n${m.body ?? ''}\n`);
  try {
    return verifier.verify(key, m.signature, 'base64') ? 'ok' : 'bad_signature';
  } catch {
    return 'bad_signature'; // a malformed key or signature is just a bad signature
  }
}

/** AEAD_AES_256_GCM with the APIv3 key; ciphertext is base64(ct ‖ 16-byte tag). Throws on a bad tag. */
export function decryptResource(apiV3Key: string, r: { nonce: string; associated_data?: string; ciphertext: string }): string {
  const raw = Buffer.from(r.ciphertext, 'base64');
  if (raw.length < 17) throw new Error('ciphertext too short');
  const key = Buffer.from(apiV3Key, 'utf8');
  const decipher = createDecipheriv(key.length === 16 ? 'aes-128-gcm' : 'aes-256-gcm', key, Buffer.from(r.nonce, 'utf8'));
  decipher.setAuthTag(raw.subarray(raw.length - 16));
  decipher.setAAD(Buffer.from(r.associated_data ?? '', 'utf8'));
  return Buffer.concat([decipher.update(raw.subarray(0, raw.length - 16)), decipher.final()]).toString('utf8');
}

/** The JSAPI paySign over `appId\ntimeStamp\nnonceStr\nprepay_id=…\n`, with a crypto-random nonce. */
export function jsapiPayParams(privateKeyPem: string, appId: string, prepayId: string, nowSeconds: number, nonceStr = randomBytes(16).toString('hex')) {
  const timeStamp = String(nowSeconds);
  const pkg = `prepay_id=${prepayId}`;
  const signer = createSign('RSA-SHA256');
  signer.update(`${appId}\n${timeStamp}\n${nonceStr}\n${pkg}\n`);
  return { appId, timeStamp, nonceStr, package: pkg, signType: 'RSA' as const, paySign: signer.sign(createPrivateKey(privateKeyPem), 'base64') };
}
