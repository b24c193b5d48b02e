import { createHash } from 'node:crypto';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SANDBOX_OA, SANDBOX_OA_ORIGINAL_ID } from '../../../src/modules/sandbox/official-account/index.js';
import { buildSignedRequest, newMsgId, readReply, readXmlFields, type Credentials, type InboundMessage, type TextMessage } from '../../../src/modules/sandbox/official-account/message-client.js';
import { encryptMessage as peerEncrypt, msgSignature, querySignature } from '../../../src/modules/sandbox/official-account/message-crypto.js';
import { createCourse } from '../../support/factories.js';
import { startTestApp, type TestApp } from '../../support/test-app.js';

// The message server as WeChat's servers use it. Requests are built, signed and encrypted by the
// sandbox's own message client (independent code), and encrypted replies are checked with it too.
const PUBLIC_URL = 'https://zhifu.example.com';
const credentials: Credentials = { token: SANDBOX_OA.token, encodingAesKey: SANDBOX_OA.encodingAesKey, appid: SANDBOX_OA.appid };

let t: TestApp;
let react: { slug: string; title: string };
let newest: { slug: string; title: string };
beforeAll(async () => {
  t = await startTestApp({ PUBLIC_URL });
  const now = Date.now();
  react = await createCourse(t.db, { slug: 'react-basics', title: 'React 从入门到实战', publishedAt: new Date(now - 86_400_000) });
  newest = await createCourse(t.db, { slug: 'newest-course', title: '最新上线的课', publishedAt: new Date(now + 86_400_000) });
  await createCourse(t.db, { slug: 'draft-course', title: '还没发布的课', status: 'draft' });
});
afterAll(async () => t?.close());

let seq = 0;
const follower = () => `oFollower${++seq}${Date.now()}`;
const nowSeconds = () => Math.floor(Date.now() / 1000);
const text = (content: string, over: Partial<TextMessage> = {}): TextMessage => ({
  kind: 'text',
  to: SANDBOX_OA_ORIGINAL_ID,
  from: follower(),
  content,
  createTime: nowSeconds(),
  msgId: newMsgId(),
  ...over,
});

/** WeChat's POST: signed query (and, in safe mode, an encrypted envelope), as the sandbox client builds it. */
function signed(message: InboundMessage, encrypt = false, credentialsUsed = credentials) {
  const r = buildSignedRequest({ serverUrl: 'http://app.invalid/wechat', message, credentials: credentialsUsed, encrypt });
  const url = new URL(r.url);
  return { path: url.pathname + url.search, query: url.searchParams, body: r.body, timestamp: r.timestamp, nonce: r.nonce };
}

const post = (path: string, body: string) => request(t.app).post(path).set('Content-Type', 'text/xml; charset=utf-8').send(body);
const send = (message: InboundMessage, encrypt = false) => {
  const r = signed(message, encrypt);
  return post(r.path, r.body);
};
/** A plaintext request with a valid query signature around any body at all. */
function rawPost(body: string) {
  const timestamp = String(nowSeconds());
  const nonce = String(100000 + ++seq);
  return post(`/wechat?${new URLSearchParams({ signature: querySignature(SANDBOX_OA.token, timestamp, nonce), timestamp, nonce, openid: 'oRaw' })}`, body);
}

describe('the message server URL check (GET /wechat)', () => {
  it('echoes echostr as plain text when the signature is right', async () => {
    const timestamp = '1714037059';
    const nonce = '486452656';
    const signature = createHash('sha1').update([SANDBOX_OA.token, timestamp, nonce].sort().join('')).digest('hex');

    const res = await request(t.app).get('/wechat').query({ signature, timestamp, nonce, echostr: '5837397520665046309' });

    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.text).toBe('5837397520665046309');
  });

  it.each([
    ['a wrong signature', { signature: 'f'.repeat(40) }],
    ['a signature made with another token', { signature: querySignature('AAAAA', '1714037059', '486452656') }],
    ['no signature', { signature: undefined }],
    ['no timestamp', { timestamp: undefined }],
  ])('answers 401 to %s and does not echo', async (_name, over) => {
    const q: Record<string, string | undefined> = { signature: querySignature(SANDBOX_OA.token, '1714037059', '486452656'), timestamp: '1714037059', nonce: '486452656', echostr: 'echo-me', ...over };
    const res = await request(t.app).get('/wechat').query(Object.fromEntries(Object.entries(q).filter(([, v]) => v !== undefined)));

    expect(res.status).toBe(401);
    expect(res.text).not.toContain('echo-me');
  });
});

describe('messages in plaintext mode (POST /wechat)', () => {
  it('answers a keyword with a news reply linking to the matching course, tagged for analytics', async () => {
    const m = text('React');
    const res = await send(m);

    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/xml/);
    const reply = readXmlFields(res.text);
    expect(reply).toMatchObject({ ToUserName: m.from, FromUserName: SANDBOX_OA_ORIGINAL_ID, MsgType: 'news', ArticleCount: '1' });
    const items = [...res.text.matchAll(/<item>([\s\S]*?)<\/item>/g)].map((i) => readXmlFields(`<xml>${i[1]}</xml>`));
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ Title: react.title, Url: `${PUBLIC_URL}/courses/${react.slug}?utm_source=wechat_oa&utm_medium=reply` });
    expect(items[0]!.PicUrl).toMatch(/^https?:\/\//);
    expect(Number(reply.CreateTime)).toBeGreaterThan(nowSeconds() - 60);
  });

  it('answers 课程 with the newest published course', async () => {
    const res = await send(text('课程'));

    expect(res.status).toBe(200);
    expect(res.text).toContain(`<Title><![CDATA[${newest.title}]]></Title>`);
    expect(res.text).toContain(`${PUBLIC_URL}/courses/${newest.slug}?utm_source=wechat_oa&utm_medium=reply`);
  });

  it('answers "success" to a word that matches no course', async () => {
    const res = await send(text('量子纠缠烹饪法'));

    expect(res.status).toBe(200);
    expect(res.text).toBe('success');
  });

  it('does not offer a draft course', async () => {
    const res = await send(text('还没发布'));
    expect(res.text).toBe('success');
  });

  it('welcomes a new follower with links to the catalogue and to their courses', async () => {
    const m: InboundMessage = { kind: 'event', to: SANDBOX_OA_ORIGINAL_ID, from: follower(), event: 'subscribe', createTime: nowSeconds() };
    const res = await send(m);

    expect(res.status).toBe(200);
    const reply = readXmlFields(res.text);
    expect(reply).toMatchObject({ ToUserName: m.from, FromUserName: SANDBOX_OA_ORIGINAL_ID, MsgType: 'text' });
    expect(reply.Content).toContain('欢迎关注');
    expect(reply.Content).toContain(`${PUBLIC_URL}/?utm_source=wechat_oa`);
    expect(reply.Content).toContain(`${PUBLIC_URL}/me/courses?utm_source=wechat_oa`);
  });

  it('answers "success" to events it has nothing to say to', async () => {
    const res = await send({ kind: 'event', to: SANDBOX_OA_ORIGINAL_ID, from: follower(), event: 'unsubscribe', createTime: nowSeconds() });
    expect(res.text).toBe('success');
  });

  it('answers 401 when the query signature is wrong, before reading the body', async () => {
    const r = signed(text('React'));
    r.query.set('signature', '0'.repeat(40));
    const res = await post(`/wechat?${r.query}`, r.body);

    expect(res.status).toBe(401);
    expect(res.text).not.toContain('CDATA');
  });

  it('answers 400 to XML that is not well formed', async () => {
    expect((await rawPost('<xml><ToUserName><![CDATA[gh_sandbox]]></ToUserName><Content>React</xml>')).status).toBe(400);
    expect((await rawPost('not xml at all')).status).toBe(400);
    expect((await rawPost('')).status).toBe(400);
  });

  it('refuses a DOCTYPE with entities (billion laughs) with 400, without expanding them', async () => {
    const lol = ['<!ENTITY lol "lol">', ...Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i === 0 ? '' : i};`.repeat(10)}">`)].join('');
    const bomb = `<?xml version="1.0"?><!DOCTYPE xml [${lol}]><xml><ToUserName>gh_sandbox</ToUserName><FromUserName>oBomb</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType><Content>&lol9;</Content><MsgId>1</MsgId></xml>`;
    const started = Date.now();

    const res = await rawPost(bomb);

    expect(res.status).toBe(400);
    expect(res.text).not.toContain('lollol');
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('refuses an external entity (XXE) with 400 and never reads the file', async () => {
    const xxe = `<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><xml><ToUserName>gh_sandbox</ToUserName><FromUserName>oX</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType><Content>&xxe;</Content><MsgId>2</MsgId></xml>`;
    const res = await rawPost(xxe);

    expect(res.status).toBe(400);
    expect(res.text).not.toContain('root:');
  });

  it('answers 413 to a body over 64 KB, and still takes one just under it', async () => {
    const big = await rawPost(`<xml><Content><![CDATA[${'x'.repeat(66 * 1024)}]]></Content></xml>`);
    expect(big.status).toBe(413);

    const underLimit = await send(text('y'.repeat(60 * 1024)));
    expect(underLimit.status).toBe(200);
    expect(underLimit.text).toBe('success');
  });

  it('answers a MsgId it has seen with "success" only, once WeChat retries it', async () => {
    const m = text('React');
    const first = await send(m);
    const retry = await send(m);

    expect(readXmlFields(first.text).MsgType).toBe('news');
    expect(retry.status).toBe(200);
    expect(retry.text).toBe('success');
    expect(await t.db('wechat_message_receipts').where('message_key', 'like', `%${m.msgId}%`)).toHaveLength(1);
  });

  it('answers five simultaneous copies of one message exactly once', async () => {
    const m = text('React');
    const replies = await Promise.all(Array.from({ length: 5 }, () => send(m)));

    expect(replies.map((r) => r.status)).toEqual(Array(5).fill(200));
    expect(replies.filter((r) => r.text.includes('<MsgType><![CDATA[news]]></MsgType>'))).toHaveLength(1);
    expect(replies.filter((r) => r.text === 'success')).toHaveLength(4);
  });

  it('keeps 64-bit MsgIds apart that a JS number would confuse', async () => {
    // 9007199254740993 rounds to 9007199254740992 as a double.
    const a = await send(text('React', { msgId: '9007199254740992' }));
    const b = await send(text('React', { msgId: '9007199254740993' }));

    expect(readXmlFields(a.text).MsgType).toBe('news');
    expect(readXmlFields(b.text).MsgType).toBe('news');
  });

  it('answers a repeated event (same sender and CreateTime) once', async () => {
    const m: InboundMessage = { kind: 'event', to: SANDBOX_OA_ORIGINAL_ID, from: follower(), event: 'subscribe', createTime: nowSeconds() };
    const first = await send(m);
    const retry = await send(m);

    expect(readXmlFields(first.text).MsgType).toBe('text');
    expect(retry.text).toBe('success');
  });
});

describe('messages in safe mode (encrypt_type=aes)', () => {
  it('decrypts the request and answers with an encrypted, signed news reply that WeChat can read', async () => {
    const m = text('React');
    const r = signed(m, true);
    expect(r.query.get('encrypt_type')).toBe('aes');

    const res = await post(r.path, r.body);

    expect(res.status).toBe(200);
    const outer = readXmlFields(res.text);
    expect(Object.keys(outer).sort()).toEqual(['Encrypt', 'MsgSignature', 'Nonce', 'TimeStamp']);
    expect(res.text).not.toContain(react.title);
    expect(outer.MsgSignature).toBe(msgSignature(SANDBOX_OA.token, outer.TimeStamp!, outer.Nonce!, outer.Encrypt!));
    // The sandbox's own reader checks MsgSignature and the appid inside, then decrypts.
    const reply = readReply(res.text, credentials);
    expect(reply.encrypted).toBe(true);
    expect(reply.fields).toMatchObject({ ToUserName: m.from, MsgType: 'news', ArticleCount: '1' });
    expect(reply.xml).toContain(`${PUBLIC_URL}/courses/${react.slug}?utm_source=wechat_oa&utm_medium=reply`);
  });

  it('answers "success" in clear when an encrypted message needs no reply', async () => {
    const res = await send(text('没有这门课'), true);
    expect(res.status).toBe(200);
    expect(res.text).toBe('success');
  });

  it('answers 401 when the query signature is wrong', async () => {
    const r = signed(text('React'), true);
    r.query.set('signature', 'a'.repeat(40));
    expect((await post(`/wechat?${r.query}`, r.body)).status).toBe(401);
  });

  it('answers 401 when msg_signature does not cover this Encrypt', async () => {
    const r = signed(text('React'), true);
    const other = signed(text('Go'), true);
    r.query.set('msg_signature', other.query.get('msg_signature')!);

    const res = await post(`/wechat?${r.query}`, r.body);

    expect(res.status).toBe(401);
    expect(res.text).not.toContain('Encrypt');
  });

  it('answers 401 when the ciphertext names another app id, even with a valid msg_signature', async () => {
    const r = signed(text('React'), true, { ...credentials, appid: 'wx0000000000000000' });

    const res = await post(r.path, r.body);

    expect(res.status).toBe(401);
    expect(res.text).not.toContain(react.title);
  });

  it('answers 400 to an Encrypt that does not decrypt', async () => {
    const timestamp = String(nowSeconds());
    const nonce = '424242';
    const encrypt = Buffer.from('definitely not ciphertext, not even a whole block').toString('base64');
    const q = new URLSearchParams({ signature: querySignature(SANDBOX_OA.token, timestamp, nonce), timestamp, nonce, encrypt_type: 'aes', msg_signature: msgSignature(SANDBOX_OA.token, timestamp, nonce, encrypt) });

    const res = await post(`/wechat?${q}`, `<xml><ToUserName><![CDATA[gh_sandbox]]></ToUserName><Encrypt><![CDATA[${encrypt}]]></Encrypt></xml>`);

    expect(res.status).toBe(400);
  });

  it('refuses a DOCTYPE hidden inside the ciphertext with 400', async () => {
    const timestamp = String(nowSeconds());
    const nonce = '434343';
    const inner = `<!DOCTYPE xml [<!ENTITY a "React">]><xml><ToUserName>gh_sandbox</ToUserName><FromUserName>oHidden</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType><Content>&a;</Content><MsgId>77</MsgId></xml>`;
    const encrypt = peerEncrypt(inner, SANDBOX_OA.encodingAesKey, SANDBOX_OA.appid);
    const q = new URLSearchParams({ signature: querySignature(SANDBOX_OA.token, timestamp, nonce), timestamp, nonce, encrypt_type: 'aes', msg_signature: msgSignature(SANDBOX_OA.token, timestamp, nonce, encrypt) });

    const res = await post(`/wechat?${q}`, `<xml><ToUserName><![CDATA[gh_sandbox]]></ToUserName><Encrypt><![CDATA[${encrypt}]]></Encrypt></xml>`);

    expect(res.status).toBe(400);
  });

  it('answers a retried encrypted message with "success" only', async () => {
    const m = text('React');
    const first = await send(m, true);
    const retry = await send(m, true);

    expect(readReply(first.text, credentials).fields.MsgType).toBe('news');
    expect(retry.text).toBe('success');
  });
});
