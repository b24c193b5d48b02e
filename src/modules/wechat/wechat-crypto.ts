import { createCipheriv, createDecipheriv, createHash, randomBytes, timingSafeEqual } from 'node:crypto';

const sha1 = (s: string) => createHash('sha1').update(s).digest('hex');

function safeEqualHex(a: string, b: string): boolean {
  const x = Buffer.from(a.toLowerCase());
  const y = Buffer.from(b.toLowerCase());
  return x.length === y.length && timingSafeEqual(x, y);
}

/** sha1 of the sorted parts joined: the server-URL signature (token, timestamp, nonce) and msg_signature (+ Encrypt). */
export function wechatSignature(...parts: string[]): string {
  return sha1([...parts].sort().join(''));
}

export function verifyWechatQuerySignature(token: string, q: { signature?: string; timestamp?: string; nonce?: string }): boolean {
  if (!q.signature || !q.timestamp || !q.nonce) return false;
  return safeEqualHex(wechatSignature(token, q.timestamp, q.nonce), q.signature);
}

export function verifyMsgSignature(token: string, q: { msg_signature?: string; timestamp?: string; nonce?: string }, encrypted: string): boolean {
  if (!q.msg_signature || !q.timestamp || !q.nonce) return false;
  return safeEqualHex(wechatSignature(token, q.timestamp, q.nonce, encrypted), q.msg_signature);
}

/**
 * JS-SDK config signature: sha1 of `jsapi_ticket=…&noncestr=…&timestamp=…&url=…`, keys in that order,
 * nothing escaped, and the page URL without its `#…` part.
 */
export function signJsapiConfig(jsapiTicket: string, nonceStr: string, timestamp: number | string, url: string): string {
  const page = url.split('#')[0]!;
  return sha1(`jsapi_ticket=${jsapiTicket}&noncestr=${nonceStr}&timestamp=${timestamp}&url=${page}`);
}

function aesKey(encodingAesKey: string): Buffer {
  const key = Buffer.from(encodingAesKey + '=', 'base64');
  if (key.length !== 32) throw new Error('EncodingAESKey must decode to 32 bytes');
  return key;
}

/** Safe mode: random(16) ‖ uint32 BE length ‖ message ‖ appid, PKCS#7 to 32 bytes, AES-256-CBC, IV = key[0:16]. */
export function encryptMessage(encodingAesKey: string, appid: string, message: string, random = randomBytes(16)): string {
  const key = aesKey(encodingAesKey);
  const body = Buffer.from(message, 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32BE(body.length);
  const plain = Buffer.concat([random, len, body, Buffer.from(appid, 'utf8')]);
  const pad = 32 - (plain.length % 32);
  const cipher = createCipheriv('aes-256-cbc', key, key.subarray(0, 16));
  cipher.setAutoPadding(false);
  return Buffer.concat([cipher.update(Buffer.concat([plain, Buffer.alloc(pad, pad)])), cipher.final()]).toString('base64');
}

/** Returns the message and the app id found inside; throws when the padding or layout is wrong. */
export function decryptMessage(encodingAesKey: string, encrypted: string): { message: string; appid: string } {
  const key = aesKey(encodingAesKey);
  const decipher = createDecipheriv('aes-256-cbc', key, key.subarray(0, 16));
  decipher.setAutoPadding(false);
  const plain = Buffer.concat([decipher.update(Buffer.from(encrypted, 'base64')), decipher.final()]);
  const pad = plain.length > 0 ? plain[plain.length - 1]! : 0;
  // Every padding byte must hold the pad length: a wrong key or a tampered block fails here.
  if (pad < 1 || pad > 32 || plain.length < 20 + pad || !plain.subarray(plain.length - pad).every((b) => b === pad)) throw new Error('bad padding');
  const unpadded = plain.subarray(0, plain.length - pad);
  const length = unpadded.readUInt32BE(16);
  if (20 + length > unpadded.length) throw new Error('bad length');
  return { message: unpadded.subarray(20, 20 + length).toString('utf8'), appid: unpadded.subarray(20 + length).toString('utf8') };
}
