import { createCipheriv, createDecipheriv, createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { buildMessageXml, buildSignedRequest, readReply, readXmlFields } from '../../../src/modules/sandbox/official-account/message-client.js';
import { aesKeyFrom, decryptMessage, encryptMessage, msgSignature, pkcs7Pad, pkcs7Unpad, querySignature } from '../../../src/modules/sandbox/official-account/message-crypto.js';
import { SANDBOX_OA } from '../../../src/modules/sandbox/official-account/index.js';

// The checks below decrypt and hash with node:crypto written out here, not with the module's helpers.
const KEY = Buffer.from(`${SANDBOX_OA.encodingAesKey}=`, 'base64');
const sha1 = (s: string) => createHash('sha1').update(s).digest('hex');

function independentDecrypt(b64: string): Buffer {
  const d = createDecipheriv('aes-256-cbc', KEY, KEY.subarray(0, 16));
  d.setAutoPadding(false);
  return Buffer.concat([d.update(Buffer.from(b64, 'base64')), d.final()]);
}

describe('the sandbox credentials', () => {
  it('have WeChat shapes: an 18-character wx appid, a 32-hex secret and a 43-character EncodingAESKey of 32 bytes', () => {
    expect(SANDBOX_OA.appid).toMatch(/^wx[0-9a-f]{16}$/);
    expect(SANDBOX_OA.appsecret).toMatch(/^[0-9a-f]{32}$/);
    expect(SANDBOX_OA.encodingAesKey).toMatch(/^[A-Za-z0-9]{43}$/);
    expect(aesKeyFrom(SANDBOX_OA.encodingAesKey)).toHaveLength(32);
  });
});

describe('signatures', () => {
  it('matches the official server-URL vector: AAAAA / 1714037059 / 486452656', () => {
    expect(querySignature('AAAAA', '1714037059', '486452656')).toBe('899cf89e464efb63f54ddac96b0a0a235f53aa78');
  });

  it('sorts before joining, so argument order does not matter but every part does', () => {
    expect(querySignature('AAAAA', '486452656', '1714037059')).toBe('899cf89e464efb63f54ddac96b0a0a235f53aa78');
    expect(querySignature('AAAAB', '1714037059', '486452656')).not.toBe('899cf89e464efb63f54ddac96b0a0a235f53aa78');
  });

  it('computes msg_signature over the four sorted parts', () => {
    const parts = ['tok', '1409304348', 'xxxxxx', 'ENCRYPTED+/='];
    expect(msgSignature('tok', '1409304348', 'xxxxxx', 'ENCRYPTED+/=')).toBe(sha1([...parts].sort().join('')));
  });
});

describe('PKCS#7 to 32-byte blocks', () => {
  it.each([
    [0, 32],
    [1, 31],
    [31, 1],
    [32, 32],
    [33, 31],
  ])('pads %i bytes with %i bytes of that value', (len, pad) => {
    const out = pkcs7Pad(Buffer.alloc(len, 7));
    expect(out.length % 32).toBe(0);
    expect(out.length).toBe(len + pad);
    expect([...out.subarray(len)]).toEqual(Array(pad).fill(pad));
    expect(pkcs7Unpad(out)).toEqual(Buffer.alloc(len, 7));
  });

  it.each([
    ['a pad byte of 0', Buffer.concat([Buffer.alloc(31, 1), Buffer.from([0])])],
    ['a pad byte of 33', Buffer.alloc(64, 33)],
    ['inconsistent pad bytes', Buffer.concat([Buffer.alloc(29, 1), Buffer.from([3, 2, 3])])],
  ])('refuses %s', (_name, buf) => {
    expect(() => pkcs7Unpad(buf)).toThrow(/padding/);
  });
});

describe('safe-mode encryption', () => {
  const xml = '<xml><Content><![CDATA[课程]]></Content></xml>';
  const random16 = Buffer.from('0123456789abcdef');

  it('lays out random(16) ‖ uint32 BE length ‖ msg ‖ appid, padded to 32 bytes, under AES-256-CBC with IV = key[0:16]', () => {
    const enc = encryptMessage(xml, SANDBOX_OA.encodingAesKey, SANDBOX_OA.appid, random16);
    const plain = independentDecrypt(enc);
    const msg = Buffer.from(xml);
    expect(plain.length % 32).toBe(0);
    expect(plain.subarray(0, 16)).toEqual(random16);
    expect(plain.readUInt32BE(16)).toBe(msg.length);
    expect(plain.subarray(20, 20 + msg.length).toString()).toBe(xml);
    const pad = plain[plain.length - 1]!;
    expect(pad).toBeGreaterThanOrEqual(1);
    expect(pad).toBeLessThanOrEqual(32);
    expect(plain.subarray(20 + msg.length, plain.length - pad).toString()).toBe(SANDBOX_OA.appid);
  });

  it('produces exactly what a hand-built cipher produces for the same random prefix', () => {
    const msg = Buffer.from(xml);
    const len = Buffer.alloc(4);
    len.writeUInt32BE(msg.length);
    const body = Buffer.concat([random16, len, msg, Buffer.from(SANDBOX_OA.appid)]);
    const n = 32 - (body.length % 32);
    const c = createCipheriv('aes-256-cbc', KEY, KEY.subarray(0, 16));
    c.setAutoPadding(false);
    const expected = Buffer.concat([c.update(Buffer.concat([body, Buffer.alloc(n, n)])), c.final()]).toString('base64');
    expect(encryptMessage(xml, SANDBOX_OA.encodingAesKey, SANDBOX_OA.appid, random16)).toBe(expected);
  });

  it('round-trips through decryptMessage and gives back the appid', () => {
    const enc = encryptMessage(xml, SANDBOX_OA.encodingAesKey, SANDBOX_OA.appid);
    expect(decryptMessage(enc, SANDBOX_OA.encodingAesKey)).toEqual({ xml, appid: SANDBOX_OA.appid });
  });

  it('fails to decrypt with another EncodingAESKey', () => {
    const enc = encryptMessage(xml, SANDBOX_OA.encodingAesKey, SANDBOX_OA.appid);
    expect(() => decryptMessage(enc, 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG')).toThrow();
  });

  it('refuses an EncodingAESKey that is not 43 characters', () => {
    expect(() => aesKeyFrom('short')).toThrow(/43/);
  });
});

describe('messages as WeChat builds them', () => {
  it('builds a text message with CDATA, CreateTime and a MsgId kept as a string of all its digits', () => {
    const xml = buildMessageXml({ kind: 'text', to: 'gh_sandbox', from: 'oUser', content: '课程', createTime: 1714037059, msgId: '23637352235060880123' });
    expect(xml).toBe(
      '<xml><ToUserName><![CDATA[gh_sandbox]]></ToUserName><FromUserName><![CDATA[oUser]]></FromUserName><CreateTime>1714037059</CreateTime>' +
        '<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[课程]]></Content><MsgId>23637352235060880123</MsgId></xml>',
    );
    expect(readXmlFields(xml).MsgId).toBe('23637352235060880123');
  });

  it('builds a subscribe event and splits a "]]>" inside content across CDATA sections', () => {
    const ev = buildMessageXml({ kind: 'event', to: 'gh_sandbox', from: 'oUser', event: 'subscribe', eventKey: '', createTime: 1 });
    expect(ev).toContain('<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[subscribe]]></Event><EventKey><![CDATA[]]></EventKey>');
    const tricky = buildMessageXml({ kind: 'text', to: 'gh', from: 'o', content: 'a]]>b', createTime: 1, msgId: '1' });
    expect(tricky).toContain('<Content><![CDATA[a]]]]><![CDATA[>b]]></Content>');
    expect(readXmlFields(tricky).Content).toBe('a]]>b');
  });

  it('signs the query, and in safe mode adds encrypt_type and a msg_signature over the Encrypt field', () => {
    const req = buildSignedRequest({
      serverUrl: 'http://127.0.0.1:3000/wechat',
      message: { kind: 'text', to: 'gh_sandbox', from: 'oUser', content: 'hi', createTime: 1714037059, msgId: '1' },
      credentials: { token: SANDBOX_OA.token, encodingAesKey: SANDBOX_OA.encodingAesKey, appid: SANDBOX_OA.appid },
      encrypt: true,
      nonce: '486452656',
    });
    const q = new URL(req.url).searchParams;
    expect(q.get('signature')).toBe(sha1([SANDBOX_OA.token, '1714037059', '486452656'].sort().join('')));
    expect(q.get('encrypt_type')).toBe('aes');
    expect(q.get('openid')).toBe('oUser');
    const encrypt = /<Encrypt><!\[CDATA\[([^\]]+)\]\]><\/Encrypt>/.exec(req.body)![1]!;
    expect(req.body).toBe(`<xml><ToUserName><![CDATA[gh_sandbox]]></ToUserName><Encrypt><![CDATA[${encrypt}]]></Encrypt></xml>`);
    expect(q.get('msg_signature')).toBe(sha1([SANDBOX_OA.token, '1714037059', '486452656', encrypt].sort().join('')));
    expect(independentDecrypt(encrypt).toString()).toContain('<Content><![CDATA[hi]]></Content>');
  });
});

describe('reading an encrypted reply', () => {
  const creds = { token: SANDBOX_OA.token, encodingAesKey: SANDBOX_OA.encodingAesKey, appid: SANDBOX_OA.appid };
  const replyXml = '<xml><ToUserName><![CDATA[oUser]]></ToUserName><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[你好]]></Content></xml>';
  const envelope = (enc: string, sig: string) => `<xml><Encrypt><![CDATA[${enc}]]></Encrypt><MsgSignature><![CDATA[${sig}]]></MsgSignature><TimeStamp>1714037059</TimeStamp><Nonce><![CDATA[123]]></Nonce></xml>`;

  it('verifies MsgSignature and decrypts', () => {
    const enc = encryptMessage(replyXml, creds.encodingAesKey, creds.appid);
    const r = readReply(envelope(enc, sha1([creds.token, '1714037059', '123', enc].sort().join(''))), creds);
    expect(r).toMatchObject({ encrypted: true, xml: replyXml });
    expect(r.fields.Content).toBe('你好');
  });

  it('refuses a reply whose MsgSignature does not match, or that names another appid', () => {
    const enc = encryptMessage(replyXml, creds.encodingAesKey, creds.appid);
    expect(() => readReply(envelope(enc, '0'.repeat(40)), creds)).toThrow(/MsgSignature/);
    const other = encryptMessage(replyXml, creds.encodingAesKey, 'wx0000000000000000');
    expect(() => readReply(envelope(other, sha1([creds.token, '1714037059', '123', other].sort().join(''))), creds)).toThrow(/appid/);
  });
});
