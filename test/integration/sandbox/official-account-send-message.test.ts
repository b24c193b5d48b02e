import { execFile } from 'node:child_process';
import { createCipheriv, createDecipheriv, createHash } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSignedRequest, sendMessage, type Credentials } from '../../../src/modules/sandbox/official-account/message-client.js';
import { SANDBOX_OA } from '../../../src/modules/sandbox/official-account/index.js';

// A message server written here with node:crypto alone (not the sandbox's helpers), playing the app:
// it checks the signatures, decrypts, and answers a passive text reply, encrypted in safe mode.
const run = promisify(execFile);
const sha1 = (parts: string[]) => createHash('sha1').update([...parts].sort().join('')).digest('hex');
const field = (xml: string, name: string) => new RegExp(`<${name}>(?:<!\\[CDATA\\[)?([\\s\\S]*?)(?:\\]\\]>)?</${name}>`).exec(xml)?.[1];

interface Received {
  query: Record<string, string>;
  xml: string;
  checks: { signature: boolean; msgSignature?: boolean; appid?: string };
}

function messageServer(c: Credentials) {
  const key = Buffer.from(`${c.encodingAesKey}=`, 'base64');
  const received: Received[] = [];
  const app = express();
  app.post('/wechat', express.text({ type: () => true }), (req, res) => {
    const q = req.query as Record<string, string>;
    const checks: Received['checks'] = { signature: q.signature === sha1([c.token, q.timestamp!, q.nonce!]) };
    let xml = String(req.body);
    if (q.encrypt_type === 'aes') {
      const enc = field(xml, 'Encrypt')!;
      checks.msgSignature = q.msg_signature === sha1([c.token, q.timestamp!, q.nonce!, enc]);
      const d = createDecipheriv('aes-256-cbc', key, key.subarray(0, 16));
      d.setAutoPadding(false);
      const plain = Buffer.concat([d.update(Buffer.from(enc, 'base64')), d.final()]);
      const body = plain.subarray(0, plain.length - plain[plain.length - 1]!);
      const len = body.readUInt32BE(16);
      xml = body.subarray(20, 20 + len).toString();
      checks.appid = body.subarray(20 + len).toString();
    }
    received.push({ query: q, xml, checks });
    const reply = `<xml><ToUserName><![CDATA[${field(xml, 'FromUserName')}]]></ToUserName><FromUserName><![CDATA[${field(xml, 'ToUserName')}]]></FromUserName><CreateTime>1</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[收到：${field(xml, 'Content') ?? field(xml, 'Event')}]]></Content></xml>`;
    if (q.encrypt_type !== 'aes') return res.type('application/xml').send(reply);
    const msg = Buffer.from(reply);
    const len = Buffer.alloc(4);
    len.writeUInt32BE(msg.length);
    const raw = Buffer.concat([Buffer.alloc(16, 9), len, msg, Buffer.from(c.appid)]);
    const n = 32 - (raw.length % 32);
    const ci = createCipheriv('aes-256-cbc', key, key.subarray(0, 16));
    ci.setAutoPadding(false);
    const enc = Buffer.concat([ci.update(Buffer.concat([raw, Buffer.alloc(n, n)])), ci.final()]).toString('base64');
    const ts = '1714037060';
    const nonce = '777';
    return res.type('application/xml').send(`<xml><Encrypt><![CDATA[${enc}]]></Encrypt><MsgSignature><![CDATA[${sha1([c.token, ts, nonce, enc])}]]></MsgSignature><TimeStamp>${ts}</TimeStamp><Nonce><![CDATA[${nonce}]]></Nonce></xml>`);
  });
  return { app, received };
}

const CREDS: Credentials = { token: SANDBOX_OA.token, encodingAesKey: SANDBOX_OA.encodingAesKey, appid: SANDBOX_OA.appid };
let server: Server;
let url: string;
let received: Received[];

beforeAll(async () => {
  const m = messageServer({ ...CREDS, token: 'cli-override-token' });
  received = m.received;
  server = m.app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/wechat`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const creds = { ...CREDS, token: 'cli-override-token' };

describe('sending a message to a message server', () => {
  it('sends a signed plain text message and reads the reply', async () => {
    const req = buildSignedRequest({ serverUrl: url, message: { kind: 'text', to: 'gh_sandbox', from: 'oPlainUser', content: '课程', createTime: 1714037059, msgId: '23637352235060880123' }, credentials: creds, encrypt: false });
    const { status, reply } = await sendMessage(req, creds);
    const got = received.at(-1)!;
    expect(status).toBe(200);
    expect(got.checks.signature).toBe(true);
    expect(got.query.encrypt_type).toBeUndefined();
    expect(field(got.xml, 'MsgId')).toBe('23637352235060880123');
    expect(reply).toMatchObject({ encrypted: false, fields: { Content: '收到：课程', ToUserName: 'oPlainUser' } });
  });

  it('sends an encrypted event in safe mode, and verifies and decrypts the encrypted reply', async () => {
    const req = buildSignedRequest({ serverUrl: url, message: { kind: 'event', to: 'gh_sandbox', from: 'oSafeUser', event: 'subscribe', eventKey: '', createTime: 1714037059 }, credentials: creds, encrypt: true });
    const { reply } = await sendMessage(req, creds);
    const got = received.at(-1)!;
    expect(got.checks).toEqual({ signature: true, msgSignature: true, appid: SANDBOX_OA.appid });
    expect(field(got.xml, 'Event')).toBe('subscribe');
    expect(reply).toMatchObject({ encrypted: true, fields: { Content: '收到：subscribe' } });
  });

  it('runs as `npm run wechat:send`, reading WECHAT_TOKEN from the environment', async () => {
    const tsx = path.resolve('node_modules/.bin/tsx');
    const { stdout } = await run(tsx, ['src/modules/sandbox/official-account/send-message.ts', '--url', url, '--from', 'oCliUser', '--text', '课程', '--encrypt'], {
      env: { ...process.env, WECHAT_TOKEN: 'cli-override-token', WECHAT_ENCODING_AES_KEY: CREDS.encodingAesKey, WECHAT_APPID: CREDS.appid },
      timeout: 30_000,
    });
    const got = received.at(-1)!;
    expect(got.checks).toEqual({ signature: true, msgSignature: true, appid: SANDBOX_OA.appid });
    expect(field(got.xml, 'FromUserName')).toBe('oCliUser');
    expect(field(got.xml, 'ToUserName')).toBe('gh_sandbox');
    expect(stdout).toContain('MsgSignature 校验通过');
    expect(stdout).toContain('回复文本：收到：课程');
  }, 60_000);
});
