// WeChat's side of the message server protocol (PROTOCOLS.md §3), written here on its own: the query
// signature, the safe-mode msg_signature, and AES-256-CBC message encryption. Nothing is shared with
// the app's wechat module, so a mistake on one side shows up as a failed check on the other.
import { createCipheriv, createDecipheriv, createHash, randomBytes, timingSafeEqual } from 'node:crypto';

const BLOCK = 32;

/** `sha1(sort([...parts]).join(''))`: the server-URL `signature` (3 parts) and safe-mode `msg_signature` (4). */
export function sha1Sorted(parts: string[]): string {
  return createHash('sha1').update([...parts].sort().join(''), 'utf8').digest('hex');
}

export const querySignature = (token: string, timestamp: string, nonce: string) => sha1Sorted([token, timestamp, nonce]);
export const msgSignature = (token: string, timestamp: string, nonce: string, encrypt: string) => sha1Sorted([token, timestamp, nonce, encrypt]);

export function signaturesEqual(a: string, b: string): boolean {
  const x = Buffer.from(a.toLowerCase());
  const y = Buffer.from(b.toLowerCase());
  return x.length === y.length && timingSafeEqual(x, y);
}

/** AESKey = base64decode(EncodingAESKey + "="): 43 characters become 32 bytes. */
export function aesKeyFrom(encodingAesKey: string): Buffer {
  if (!/^[A-Za-z0-9+/]{43}$/.test(encodingAesKey)) throw new Error('EncodingAESKey must be 43 characters of [A-Za-z0-9]');
  const key = Buffer.from(`${encodingAesKey}=`, 'base64');
  if (key.length !== 32) throw new Error('EncodingAESKey must decode to 32 bytes');
  return key;
}

/** PKCS#7 to WeChat's 32-byte block (not AES's 16): 1–32 bytes, each holding the pad length. */
export function pkcs7Pad(data: Buffer, block = BLOCK): Buffer {
  const n = block - (data.length % block);
  return Buffer.concat([data, Buffer.alloc(n, n)]);
}

export function pkcs7Unpad(data: Buffer, block = BLOCK): Buffer {
  const n = data.length > 0 ? data[data.length - 1]! : 0;
  if (n < 1 || n > block || n > data.length) throw new Error('bad PKCS#7 padding');
  for (let i = data.length - n; i < data.length; i++) if (data[i] !== n) throw new Error('bad PKCS#7 padding');
  return data.subarray(0, data.length - n);
}

/** random(16) ‖ uint32 BE length ‖ msg ‖ appid, padded, AES-256-CBC with IV = key[0:16], base64. */
export function encryptMessage(xml: string, encodingAesKey: string, appid: string, random16: Buffer = randomBytes(16)): string {
  if (random16.length !== 16) throw new Error('random prefix must be 16 bytes');
  const key = aesKeyFrom(encodingAesKey);
  const msg = Buffer.from(xml, 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(msg.length, 0);
  const plain = pkcs7Pad(Buffer.concat([random16, length, msg, Buffer.from(appid, 'utf8')]));
  const cipher = createCipheriv('aes-256-cbc', key, key.subarray(0, 16));
  cipher.setAutoPadding(false);
  return Buffer.concat([cipher.update(plain), cipher.final()]).toString('base64');
}

export function decryptMessage(encrypt: string, encodingAesKey: string): { xml: string; appid: string } {
  const key = aesKeyFrom(encodingAesKey);
  const decipher = createDecipheriv('aes-256-cbc', key, key.subarray(0, 16));
  decipher.setAutoPadding(false);
  const padded = Buffer.concat([decipher.update(Buffer.from(encrypt, 'base64')), decipher.final()]);
  const plain = pkcs7Unpad(padded);
  if (plain.length < 20) throw new Error('decrypted message too short');
  const length = plain.readUInt32BE(16);
  if (20 + length > plain.length) throw new Error('decrypted message length out of range');
  return { xml: plain.subarray(20, 20 + length).toString('utf8'), appid: plain.subarray(20 + length).toString('utf8') };
}
