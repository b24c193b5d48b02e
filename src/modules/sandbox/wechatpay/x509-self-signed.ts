import { createHash, createPrivateKey, createPublicKey, sign, type KeyObject } from 'node:crypto';

// node:crypto reads X.509 certificates but cannot write them, so this builds the DER of a minimal
// self-signed v3 certificate by hand: enough for `/v3/certificates` and for clients that want a
// certificate (wechatpay-node-v3 parses it with @fidm/x509). Everything is derived from the key, so
// every process of the sandbox produces the same certificate, byte for byte (PKCS#1 v1.5 is deterministic).

function derLength(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v >>= 8) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function tlv(tag: number, content: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), derLength(content.length), content]);
}

const seq = (...items: Buffer[]) => tlv(0x30, Buffer.concat(items));
const set = (...items: Buffer[]) => tlv(0x31, Buffer.concat(items));

function oid(dotted: string): Buffer {
  const parts = dotted.split('.').map(Number);
  const bytes: number[] = [parts[0]! * 40 + parts[1]!];
  for (const p of parts.slice(2)) {
    const chunk: number[] = [p & 0x7f];
    for (let v = p >> 7; v > 0; v >>= 7) chunk.unshift((v & 0x7f) | 0x80);
    bytes.push(...chunk);
  }
  return tlv(0x06, Buffer.from(bytes));
}

function positiveInteger(bytes: Buffer): Buffer {
  let b = bytes;
  while (b.length > 1 && b[0] === 0 && b[1]! < 0x80) b = b.subarray(1);
  if (b[0]! >= 0x80) b = Buffer.concat([Buffer.from([0]), b]);
  return tlv(0x02, b);
}

function utcTime(d: Date): Buffer {
  const p = (n: number) => String(n).padStart(2, '0');
  const s = `${p(d.getUTCFullYear() % 100)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}Z`;
  return tlv(0x17, Buffer.from(s, 'ascii'));
}

function name(attrs: Array<[string, string, 'printable' | 'utf8']>): Buffer {
  return seq(...attrs.map(([o, v, kind]) => set(seq(oid(o), tlv(kind === 'printable' ? 0x13 : 0x0c, Buffer.from(v, 'utf8'))))));
}

const SHA256_WITH_RSA = seq(oid('1.2.840.113549.1.1.11'), Buffer.from([0x05, 0x00]));

/** The certificate serial derived from the key: 20 bytes of its SPKI hash, upper-case hex, positive. */
export function certificateSerialFor(publicKey: KeyObject): string {
  const h = createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest().subarray(0, 20);
  h[0] = (h[0]! & 0x7f) | 0x40;
  return h.toString('hex').toUpperCase();
}

/** A self-signed certificate for `privateKeyPem`, valid 2025-01-01 to 2045-01-01, as PEM. */
export function selfSignedCertificatePem(privateKeyPem: string, commonName: string, organisation = 'Zhifu WeChat Pay Sandbox'): string {
  const privateKey = createPrivateKey(privateKeyPem);
  const publicKey = createPublicKey(privateKey);
  const subject = name([
    ['2.5.4.6', 'CN', 'printable'],
    ['2.5.4.10', organisation, 'utf8'],
    ['2.5.4.3', commonName, 'utf8'],
  ]);
  const tbs = seq(
    tlv(0xa0, positiveInteger(Buffer.from([2]))),
    positiveInteger(Buffer.from(certificateSerialFor(publicKey), 'hex')),
    SHA256_WITH_RSA,
    subject,
    seq(utcTime(new Date(Date.UTC(2025, 0, 1))), utcTime(new Date(Date.UTC(2045, 0, 1)))),
    subject,
    publicKey.export({ type: 'spki', format: 'der' }),
  );
  const signature = sign('sha256', tbs, privateKey);
  const der = seq(tbs, SHA256_WITH_RSA, tlv(0x03, Buffer.concat([Buffer.from([0]), signature])));
  const b64 = der.toString('base64').replace(/.{1,64}/g, '$&\n');
  return `-----BEGIN CERTIFICATE-----\n${b64}-----END CERTIFICATE-----\n`;
}
