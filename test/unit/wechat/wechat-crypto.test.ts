import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decryptMessage, encryptMessage, signJsapiConfig, wechatSignature } from '../../../src/modules/wechat/index.js';
import { verifyMsgSignature, verifyWechatQuerySignature } from '../../../src/modules/wechat/wechat-crypto.js';
import * as peer from '../../../src/modules/sandbox/official-account/message-crypto.js';

const sha1 = (s: string) => createHash('sha1').update(s, 'utf8').digest('hex');
const KEY = 'ZhifuSandboxEncodingAesKey0123456789abcdefg';
const APPID = 'wx8888888888888888';
/** AES-256-CBC without any padding logic: the raw bytes the ciphertext carries. */
function rawDecrypt(encodingAesKey: string, b64: string): Buffer {
  const key = Buffer.from(`${encodingAesKey}=`, 'base64');
  const d = createDecipheriv('aes-256-cbc', key, key.subarray(0, 16));
  d.setAutoPadding(false);
  return Buffer.concat([d.update(Buffer.from(b64, 'base64')), d.final()]);
}
function rawEncrypt(encodingAesKey: string, plain: Buffer): string {
  const key = Buffer.from(`${encodingAesKey}=`, 'base64');
  const c = createCipheriv('aes-256-cbc', key, key.subarray(0, 16));
  c.setAutoPadding(false);
  return Buffer.concat([c.update(plain), c.final()]).toString('base64');
}

describe('the message-server signature', () => {
  it('matches the official vector: token AAAAA, 1714037059, 486452656', () => {
    expect(wechatSignature('AAAAA', '1714037059', '486452656')).toBe('899cf89e464efb63f54ddac96b0a0a235f53aa78');
  });

  it('sorts the parts, so their order does not matter', () => {
    expect(wechatSignature('486452656', 'AAAAA', '1714037059')).toBe('899cf89e464efb63f54ddac96b0a0a235f53aa78');
  });

  it('accepts the right query signature in either case and refuses a wrong or missing one', () => {
    const q = { signature: '899cf89e464efb63f54ddac96b0a0a235f53aa78', timestamp: '1714037059', nonce: '486452656' };
    expect(verifyWechatQuerySignature('AAAAA', q)).toBe(true);
    expect(verifyWechatQuerySignature('AAAAA', { ...q, signature: q.signature.toUpperCase() })).toBe(true);
    expect(verifyWechatQuerySignature('AAAAB', q)).toBe(false);
    expect(verifyWechatQuerySignature('AAAAA', { ...q, nonce: '486452657' })).toBe(false);
    expect(verifyWechatQuerySignature('AAAAA', { ...q, signature: undefined })).toBe(false);
    expect(verifyWechatQuerySignature('AAAAA', { ...q, signature: q.signature.slice(0, 39) })).toBe(false);
  });

  it('covers Encrypt in msg_signature', () => {
    const q = { timestamp: '1714037059', nonce: '486452656', msg_signature: sha1(['tok', '1714037059', '486452656', 'CIPHER'].sort().join('')) };
    expect(verifyMsgSignature('tok', q, 'CIPHER')).toBe(true);
    expect(verifyMsgSignature('tok', q, 'CIPHEr')).toBe(false);
  });
});

describe('signJsapiConfig', () => {
  // The example in WeChat's JS-SDK documentation (附录1), with the string to sign written out by hand.
  const ticket = 'sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg';

  it('signs jsapi_ticket, noncestr, timestamp and url in that order, unescaped', () => {
    const signature = signJsapiConfig(ticket, 'Wm3WZYTPz0wzccnW', 1414587457, 'http://mp.weixin.qq.com?params=value');
    expect(signature).toBe('0f9de62fce790f9a083d5c99e95740ceb90c27ed');
    expect(signature).toBe(sha1(`jsapi_ticket=${ticket}&noncestr=Wm3WZYTPz0wzccnW&timestamp=1414587457&url=http://mp.weixin.qq.com?params=value`));
  });

  it('leaves the #fragment out, and takes the timestamp as a string as well', () => {
    expect(signJsapiConfig(ticket, 'Wm3WZYTPz0wzccnW', '1414587457', 'http://mp.weixin.qq.com?params=value#section-2')).toBe('0f9de62fce790f9a083d5c99e95740ceb90c27ed');
  });

  it('signs a URL with Chinese and an ampersand exactly as given', () => {
    const url = 'https://zhifu.example.com/courses/react?q=前端&a=1';
    expect(signJsapiConfig('T', 'n', 1, url)).toBe(sha1(`jsapi_ticket=T&noncestr=n&timestamp=1&url=${url}`));
  });
});

describe('safe-mode message encryption', () => {
  it('lays out random(16) ‖ uint32 BE length ‖ message ‖ appid, PKCS#7-padded to 32 bytes', () => {
    const random = Buffer.alloc(16, 7);
    const message = '<xml><Content><![CDATA[你好]]></Content></xml>';

    const plain = rawDecrypt(KEY, encryptMessage(KEY, APPID, message, random));

    const msgBytes = Buffer.byteLength(message);
    const unpadded = 16 + 4 + msgBytes + APPID.length;
    expect(plain.length % 32).toBe(0);
    const pad = plain.length - unpadded;
    expect(pad).toBeGreaterThanOrEqual(1);
    expect(pad).toBeLessThanOrEqual(32);
    expect([...plain.subarray(unpadded)]).toEqual(Array(pad).fill(pad));
    expect(plain.subarray(0, 16)).toEqual(random);
    expect(plain.readUInt32BE(16)).toBe(msgBytes);
    expect(plain.subarray(20, 20 + msgBytes).toString('utf8')).toBe(message);
    expect(plain.subarray(20 + msgBytes, unpadded).toString()).toBe(APPID);
  });

  it('adds a whole 32-byte block when the plaintext already fills its blocks (not 16, as AES padding would)', () => {
    // 16 + 4 + 26 + 18 = 64 bytes: a multiple of 32.
    const plain = rawDecrypt(KEY, encryptMessage(KEY, APPID, 'a'.repeat(26)));
    expect(plain.length).toBe(96);
    expect([...plain.subarray(64)]).toEqual(Array(32).fill(32));
  });

  it('pads 16 bytes when 16 are missing, where AES block padding would add none', () => {
    // 16 + 4 + 10 + 18 = 48 bytes.
    const plain = rawDecrypt(KEY, encryptMessage(KEY, APPID, 'b'.repeat(10)));
    expect(plain.length).toBe(64);
    expect([...plain.subarray(48)]).toEqual(Array(16).fill(16));
  });

  it.each([[''], ['React'], ['<xml>' + '长'.repeat(1000) + '</xml>']])('round-trips %#', (message) => {
    expect(decryptMessage(KEY, encryptMessage(KEY, APPID, message))).toEqual({ message, appid: APPID });
  });

  it('interoperates with the sandbox, which encrypts and decrypts with its own code', () => {
    const message = '<xml><MsgType><![CDATA[text]]></MsgType></xml>';
    expect(decryptMessage(KEY, peer.encryptMessage(message, KEY, APPID))).toEqual({ message, appid: APPID });
    expect(peer.decryptMessage(encryptMessage(KEY, APPID, message), KEY)).toEqual({ xml: message, appid: APPID });
  });

  it('uses a fresh random prefix each time', () => {
    expect(encryptMessage(KEY, APPID, 'same')).not.toBe(encryptMessage(KEY, APPID, 'same'));
  });

  it('fails with another key', () => {
    const encrypted = encryptMessage(KEY, APPID, '<xml>secret</xml>');
    for (let i = 0; i < 50; i++) {
      const otherKey = randomBytes(32).toString('base64').replace(/[+/]/g, 'A').slice(0, 43);
      expect(() => decryptMessage(otherKey, encrypted)).toThrow();
    }
  });

  it('fails when the padding bytes disagree with the pad length', () => {
    const body = Buffer.concat([Buffer.alloc(16), Buffer.from([0, 0, 0, 2]), Buffer.from('hi'), Buffer.from(APPID)]);
    // 40 bytes: 24 bytes of padding, all but the last of them wrong.
    const bad = rawEncrypt(KEY, Buffer.concat([body, Buffer.alloc(23, 0), Buffer.from([24])]));
    const good = rawEncrypt(KEY, Buffer.concat([body, Buffer.alloc(24, 24)]));

    expect(decryptMessage(KEY, good)).toEqual({ message: 'hi', appid: APPID });
    expect(() => decryptMessage(KEY, bad)).toThrow();
  });

  it('fails on a ciphertext that is not whole blocks, and on a length running past the end', () => {
    expect(() => decryptMessage(KEY, Buffer.from('short').toString('base64'))).toThrow();
    const lying = Buffer.concat([Buffer.alloc(16), Buffer.from([0, 0, 1, 0]), Buffer.from('hi'), Buffer.from(APPID)]);
    expect(() => decryptMessage(KEY, rawEncrypt(KEY, Buffer.concat([lying, Buffer.alloc(24, 24)])))).toThrow();
  });

  it('refuses an EncodingAESKey that does not decode to 32 bytes', () => {
    expect(() => encryptMessage('tooShort', APPID, 'x')).toThrow();
  });
});
