import { X509Certificate, createCipheriv, createDecipheriv, createPublicKey, randomBytes, randomInt, sign, verify, type KeyObject } from 'node:crypto';

// WeChat's side of the v3 cryptography, written on its own: the app's payments module has its own
// code for the merchant's side, so a mistake here cannot hide a mistake there.

export const SIGNATURE_TYPE = 'WECHATPAY2-SHA256-RSA2048';
export const SIGN_PROBE_PREFIX = 'WECHATPAY/SIGNTEST/';

const ALPHANUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** A random string of letters and digits, as WeChat uses for nonces. */
export function randomAlphanumeric(length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += ALPHANUM[randomInt(ALPHANUM.length)];
  return out;
}

export function randomDigits(length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += String(randomInt(10));
  return out;
}

export function randomHex(bytes: number): string {
  return randomBytes(bytes).toString('hex').toUpperCase();
}

/** SHA256withRSA (PKCS#1 v1.5), base64. */
export function signSha256WithRsa(message: string | Buffer, privateKey: string | KeyObject): string {
  return sign('sha256', typeof message === 'string' ? Buffer.from(message, 'utf8') : message, privateKey).toString('base64');
}

/** True only for a valid SHA256withRSA signature; malformed input is simply not valid. */
export function verifySha256WithRsa(message: string | Buffer, signatureB64: string, publicKey: KeyObject): boolean {
  try {
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(signatureB64)) return false;
    return verify('sha256', typeof message === 'string' ? Buffer.from(message, 'utf8') : message, publicKey, Buffer.from(signatureB64, 'base64'));
  } catch {
    return false;
  }
}

/** A certificate PEM or a public key PEM, as the merchant's verification key may be either. */
export function publicKeyFromPem(pem: string): KeyObject {
  if (pem.includes('-----BEGIN CERTIFICATE-----')) return new X509Certificate(pem).publicKey;
  return createPublicKey(pem);
}

/** `METHOD\nPATH_AND_QUERY\nTIMESTAMP\nNONCE\nBODY\n`: what a merchant signs for a request. */
export function requestSigningMessage(method: string, pathAndQuery: string, timestamp: string, nonce: string, body: string): string {
  return `${method}\n${pathAndQuery}\n${timestamp}\n${nonce}\n${body}\n`;
}

/** `TIMESTAMP\nNONCE\nBODY\n`: what WeChat signs for a response or a notification. */
export function responseSigningMessage(timestamp: string, nonce: string, body: string): string {
  return `${timestamp}\n${nonce}\n${body}\n`;
}

export interface AuthorizationFields {
  mchid: string;
  nonce_str: string;
  timestamp: string;
  serial_no: string;
  signature: string;
}

/**
 * Parses `WECHATPAY2-SHA256-RSA2048 mchid="…",nonce_str="…",…`. Fields may come in any order; every
 * one of the five is required, and a duplicated field makes the header invalid.
 */
export function parseAuthorization(header: string | undefined): AuthorizationFields | null {
  if (!header) return null;
  const space = header.indexOf(' ');
  if (space < 0 || header.slice(0, space) !== SIGNATURE_TYPE) return null;
  const fields: Record<string, string> = {};
  const re = /\s*([a-z_]+)="([^"]*)"\s*(,|$)/gy;
  const rest = header.slice(space + 1);
  let m: RegExpExecArray | null;
  let consumed = 0;
  while (consumed < rest.length && (m = re.exec(rest)) !== null) {
    const [, key, value] = m;
    if (fields[key!] !== undefined) return null;
    fields[key!] = value!;
    consumed = re.lastIndex;
  }
  if (consumed !== rest.length) return null;
  const { mchid, nonce_str, timestamp, serial_no, signature } = fields;
  if (!mchid || !nonce_str || !timestamp || !serial_no || !signature) return null;
  return { mchid, nonce_str, timestamp, serial_no, signature };
}

function gcmAlgorithm(key: Buffer): 'aes-128-gcm' | 'aes-256-gcm' {
  if (key.length === 32) return 'aes-256-gcm';
  if (key.length === 16) return 'aes-128-gcm';
  throw new Error(`an APIv3 key is 32 bytes (got ${key.length})`);
}

/** AEAD_AES_256_GCM as WeChat uses it: key = the APIv3 key's bytes, IV = the nonce string, out = base64(ct ‖ tag). */
export function aesGcmEncrypt(apiV3Key: string, nonce: string, associatedData: string, plaintext: string): string {
  const key = Buffer.from(apiV3Key, 'utf8');
  const cipher = createCipheriv(gcmAlgorithm(key), key, Buffer.from(nonce, 'utf8'));
  cipher.setAAD(Buffer.from(associatedData, 'utf8'));
  const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return Buffer.concat([ct, cipher.getAuthTag()]).toString('base64');
}

/** The inverse; throws when the tag does not match (wrong key, nonce, AAD or altered ciphertext). */
export function aesGcmDecrypt(apiV3Key: string, nonce: string, associatedData: string, ciphertextB64: string): string {
  const key = Buffer.from(apiV3Key, 'utf8');
  const data = Buffer.from(ciphertextB64, 'base64');
  if (data.length < 17) throw new Error('ciphertext too short');
  const decipher = createDecipheriv(gcmAlgorithm(key), key, Buffer.from(nonce, 'utf8'));
  decipher.setAAD(Buffer.from(associatedData, 'utf8'));
  decipher.setAuthTag(data.subarray(data.length - 16));
  return Buffer.concat([decipher.update(data.subarray(0, data.length - 16)), decipher.final()]).toString('utf8');
}

/** The JSAPI paySign source: `appId\ntimeStamp\nnonceStr\npackage\n`. */
export function paySignMessage(appId: string, timeStamp: string, nonceStr: string, pkg: string): string {
  return `${appId}\n${timeStamp}\n${nonceStr}\n${pkg}\n`;
}
