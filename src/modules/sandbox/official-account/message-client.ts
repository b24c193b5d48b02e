// What `npm run wechat:send` does, as functions tests can call: build a message the way WeChat's
// servers build it, sign (and in safe mode encrypt) it, POST it to the message server, and read the
// passive reply (verifying and decrypting an encrypted one).
import { randomInt } from 'node:crypto';
import { decryptMessage, encryptMessage, msgSignature, querySignature, signaturesEqual } from './message-crypto.js';

export interface Credentials {
  token: string;
  encodingAesKey: string;
  appid: string;
}

/** CDATA cannot contain `]]>`: split it across two sections, as WeChat's own builder does. */
export const cdata = (s: string) => `<![CDATA[${s.replace(/]]>/g, ']]]]><![CDATA[>')}]]>`;

export interface TextMessage {
  kind: 'text';
  to: string;
  from: string;
  content: string;
  createTime: number;
  /** A 64-bit id: always a string, a JS number would lose digits. */
  msgId: string;
}
export interface EventMessage {
  kind: 'event';
  to: string;
  from: string;
  event: string;
  eventKey?: string;
  createTime: number;
}
export type InboundMessage = TextMessage | EventMessage;

/** A 19-digit MsgId like WeChat's (e.g. 23637352235060880), as a string. */
export function newMsgId(): string {
  return `${randomInt(1, 10)}${String(randomInt(0, 1e9)).padStart(9, '0')}${String(randomInt(0, 1e9)).padStart(9, '0')}`;
}

export function buildMessageXml(m: InboundMessage): string {
  const head = `<ToUserName>${cdata(m.to)}</ToUserName><FromUserName>${cdata(m.from)}</FromUserName><CreateTime>${m.createTime}</CreateTime>`;
  if (m.kind === 'text') return `<xml>${head}<MsgType>${cdata('text')}</MsgType><Content>${cdata(m.content)}</Content><MsgId>${m.msgId}</MsgId></xml>`;
  const key = m.eventKey !== undefined ? `<EventKey>${cdata(m.eventKey)}</EventKey>` : '';
  return `<xml>${head}<MsgType>${cdata('event')}</MsgType><Event>${cdata(m.event)}</Event>${key}</xml>`;
}

export function encryptedEnvelope(toUserName: string, encrypt: string): string {
  return `<xml><ToUserName>${cdata(toUserName)}</ToUserName><Encrypt>${cdata(encrypt)}</Encrypt></xml>`;
}

/** The fields of a flat WeChat XML document (`<xml><A><![CDATA[…]]></A><B>1</B></xml>`). Nested elements come back as raw XML. */
export function readXmlFields(xml: string): Record<string, string> {
  const out: Record<string, string> = {};
  const inner = /^\s*<xml>([\s\S]*)<\/xml>\s*$/.exec(xml)?.[1];
  if (inner === undefined) return out;
  const re = /<([A-Za-z_][\w.-]*)>([\s\S]*?)<\/\1>/g;
  for (let m = re.exec(inner); m; m = re.exec(inner)) {
    const raw = m[2]!;
    const sections = [...raw.matchAll(/<!\[CDATA\[([\s\S]*?)\]\]>/g)];
    out[m[1]!] = sections.length > 0 && raw.replace(/<!\[CDATA\[[\s\S]*?\]\]>/g, '').trim() === '' ? sections.map((s) => s[1]).join('') : raw.trim();
  }
  return out;
}

export interface SignedRequest {
  url: string;
  body: string;
  timestamp: string;
  nonce: string;
}

/**
 * The POST WeChat makes: `?signature&timestamp&nonce&openid` on every message, plus
 * `encrypt_type=aes&msg_signature` and an `<Encrypt>` envelope in safe mode.
 */
export function buildSignedRequest(opts: {
  serverUrl: string;
  message: InboundMessage;
  credentials: Credentials;
  encrypt: boolean;
  timestamp?: string;
  nonce?: string;
  random16?: Buffer;
}): SignedRequest {
  const { credentials: c } = opts;
  const timestamp = opts.timestamp ?? String(opts.message.createTime);
  const nonce = opts.nonce ?? String(randomInt(100_000_000, 2_000_000_000));
  const url = new URL(opts.serverUrl);
  url.searchParams.set('signature', querySignature(c.token, timestamp, nonce));
  url.searchParams.set('timestamp', timestamp);
  url.searchParams.set('nonce', nonce);
  url.searchParams.set('openid', opts.message.from);
  const xml = buildMessageXml(opts.message);
  if (!opts.encrypt) return { url: url.toString(), body: xml, timestamp, nonce };
  const encrypt = encryptMessage(xml, c.encodingAesKey, c.appid, opts.random16);
  url.searchParams.set('encrypt_type', 'aes');
  url.searchParams.set('msg_signature', msgSignature(c.token, timestamp, nonce, encrypt));
  return { url: url.toString(), body: encryptedEnvelope(opts.message.to, encrypt), timestamp, nonce };
}

export interface ReadReply {
  /** The reply as the message server sent it. */
  raw: string;
  /** The reply XML in clear (decrypted when it came encrypted); '' or 'success' mean "no reply". */
  xml: string;
  encrypted: boolean;
  fields: Record<string, string>;
}

/** Reads a passive reply; an encrypted one must carry a valid MsgSignature and our appid. */
export function readReply(raw: string, credentials: Credentials): ReadReply {
  const outer = readXmlFields(raw);
  if (outer.Encrypt === undefined) return { raw, xml: raw, encrypted: false, fields: outer };
  const { Encrypt: enc, MsgSignature: sig, TimeStamp: ts, Nonce: nonce } = outer;
  if (!sig || !ts || !nonce) throw new Error('encrypted reply lacks MsgSignature, TimeStamp or Nonce');
  if (!signaturesEqual(sig, msgSignature(credentials.token, ts, nonce, enc))) throw new Error('encrypted reply: MsgSignature does not match');
  const { xml, appid } = decryptMessage(enc, credentials.encodingAesKey);
  if (appid !== credentials.appid) throw new Error(`encrypted reply: appid ${appid} is not ${credentials.appid}`);
  return { raw, xml, encrypted: true, fields: readXmlFields(xml) };
}

/** Sends one message; WeChat waits 5 seconds for an answer. */
export async function sendMessage(req: SignedRequest, credentials: Credentials, timeoutMs = 5000): Promise<{ status: number; reply: ReadReply }> {
  const res = await fetch(req.url, { method: 'POST', headers: { 'Content-Type': 'text/xml; charset=utf-8' }, body: req.body, signal: AbortSignal.timeout(timeoutMs) });
  const raw = await res.text();
  return { status: res.status, reply: readReply(raw, credentials) };
}
