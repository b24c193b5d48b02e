// WeChat Pay, as the tests play it: notifications signed and encrypted here with node:crypto (not with
// the app's or the sandbox's helpers, so a mistake shared with either cannot make both sides agree),
// the sandbox's test controls, and a signed-in learner's browser against the listening app.
import { createCipheriv, createPrivateKey, createPublicKey, randomBytes, randomUUID, sign, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import type { Knex } from 'knex';
import { createCourseWithLessons } from './catalog-factories.js';
import { createUser } from './factories.js';
import { csrfFrom } from './forms.js';
import { startListeningApp, type ListeningApp } from './listening-app.js';

/** The merchant app.ts configures in sandbox mode (SANDBOX_APPID / SANDBOX_MCHID there). */
export const APP_APPID = 'wx8888888888888888';
export const APP_MCHID = '1900000109';
export const SANDBOX_MOUNT = '/__sandbox/wechatpay';

export interface SandboxKeyFile {
  apiV3Key: string;
  merchant: { privateKeyPem: string; publicKeyPem: string; serial: string };
  platform: { privateKeyPem: string; publicKeyPem: string; publicKeyId: string };
}

/** The keys the app generated under SANDBOX_DIR: what WeChat and the merchant would each hold. */
export function sandboxKeys(t: Pick<ListeningApp, 'config'>): SandboxKeyFile {
  if (t.config.wechatPay.mode !== 'sandbox') throw new Error('not in sandbox mode');
  return JSON.parse(readFileSync(path.join(t.config.wechatPay.sandboxDir, 'wechatpay-keys.json'), 'utf8')) as SandboxKeyFile;
}

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/** `ciphertext ‖ tag`, base64, as WeChat's resource.ciphertext. */
export function encryptResource(apiV3Key: string, nonce: string, associatedData: string, plaintext: string): string {
  const cipher = createCipheriv('aes-256-gcm', Buffer.from(apiV3Key, 'utf8'), Buffer.from(nonce, 'utf8'));
  cipher.setAAD(Buffer.from(associatedData, 'utf8'));
  const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return Buffer.concat([ct, cipher.getAuthTag()]).toString('base64');
}

export function signWechatMessage(privateKeyPem: string, timestamp: string, nonce: string, body: string): string {
  return sign('sha256', Buffer.from(`${timestamp}\n${nonce}\n${body}\n`, 'utf8'), createPrivateKey(privateKeyPem)).toString('base64');
}

export function verifyWithPublicKey(publicKeyPem: string, message: string, signatureB64: string): boolean {
  return verify('sha256', Buffer.from(message, 'utf8'), createPublicKey(publicKeyPem), Buffer.from(signatureB64, 'base64'));
}

export interface NotificationOptions {
  eventType?: string;
  id?: string;
  timestamp?: number;
  serial?: string;
  /** Replace the signature header (after signing). */
  signature?: string;
  /** Change the ciphertext (base64 of ct ‖ tag) before the body is signed. */
  alterCiphertext?: (b64: string) => string;
  /** Sign and send this body instead of the JSON envelope. */
  rawBody?: string;
  signingKeyPem?: string;
}

export interface SignedNotification {
  headers: Record<string, string>;
  body: string;
  id: string;
}

/** A notification as WeChat Pay sends it: envelope with an AES-256-GCM resource, signed over the raw body. */
export function notification(keys: SandboxKeyFile, resource: Record<string, unknown>, o: NotificationOptions = {}): SignedNotification {
  const eventType = o.eventType ?? 'TRANSACTION.SUCCESS';
  const kind = eventType.startsWith('REFUND.') ? 'refund' : 'transaction';
  const nonce = randomBytes(6).toString('hex');
  let ciphertext = encryptResource(keys.apiV3Key, nonce, kind, JSON.stringify(resource));
  if (o.alterCiphertext) ciphertext = o.alterCiphertext(ciphertext);
  const id = o.id ?? randomUUID();
  const body =
    o.rawBody ??
    JSON.stringify({
      id,
      create_time: '2026-11-25T10:00:00+08:00',
      resource_type: 'encrypt-resource',
      event_type: eventType,
      summary: kind === 'refund' ? '退款成功' : '支付成功',
      resource: { original_type: kind, algorithm: 'AEAD_AES_256_GCM', ciphertext, associated_data: kind, nonce },
    });
  const timestamp = String(o.timestamp ?? nowSeconds());
  const headerNonce = randomBytes(16).toString('hex');
  return {
    id,
    body,
    headers: {
      'Content-Type': 'application/json',
      'Wechatpay-Timestamp': timestamp,
      'Wechatpay-Nonce': headerNonce,
      'Wechatpay-Signature': o.signature ?? signWechatMessage(o.signingKeyPem ?? keys.platform.privateKeyPem, timestamp, headerNonce, body),
      'Wechatpay-Serial': o.serial ?? keys.platform.publicKeyId,
      'Wechatpay-Signature-Type': 'WECHATPAY2-SHA256-RSA2048',
    },
  };
}

/** The decrypted resource of a successful payment of `order`, as WeChat would describe it. */
export function paidTransaction(order: { out_trade_no: string; amount_fen: number }, over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    appid: APP_APPID,
    mchid: APP_MCHID,
    out_trade_no: order.out_trade_no,
    transaction_id: `4200${Date.now()}${randomBytes(3).toString('hex')}`.slice(0, 28),
    trade_type: 'NATIVE',
    trade_state: 'SUCCESS',
    trade_state_desc: '支付成功',
    bank_type: 'OTHERS',
    attach: '',
    success_time: '2026-11-25T10:00:00+08:00',
    payer: { openid: 'oTestPayer000000000000000001' },
    amount: { total: order.amount_fen, payer_total: order.amount_fen, currency: 'CNY', payer_currency: 'CNY' },
    ...over,
  };
}

export async function postNotification(t: Pick<ListeningApp, 'baseUrl'>, n: { headers: Record<string, string>; body: string }) {
  return request(t.baseUrl).post('/wechatpay/notify').set(n.headers).send(n.body);
}

/** The sandbox's test controls (JSON, not WeChat's API): pay, fail, tick. */
export async function sandboxControl(t: Pick<ListeningApp, 'baseUrl'>, controlPath: string, body: Record<string, unknown> = {}) {
  const res = await fetch(`${t.baseUrl}${SANDBOX_MOUNT}${controlPath}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, json: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
}

export async function payAtSandbox(t: Pick<ListeningApp, 'baseUrl'>, outTradeNo: string, faults: { duplicates?: number; sign_probe?: boolean; delay_ms?: number } = {}) {
  const res = await sandboxControl(t, `/sandbox/transactions/${outTradeNo}/pay`, faults);
  if (res.status !== 200) throw new Error(`sandbox pay answered ${res.status}: ${JSON.stringify(res.json)}`);
  return res.json;
}

/** One delivery pass of the sandbox: due refunds settle, due notifications are POSTed and answered. */
export async function tick(t: Pick<ListeningApp, 'baseUrl'>): Promise<void> {
  const res = await sandboxControl(t, '/sandbox/tick');
  if (res.status !== 204) throw new Error(`sandbox tick answered ${res.status}`);
}

export async function sandboxNotifications(t: Pick<ListeningApp, 'baseUrl'>, outTradeNo: string) {
  const res = await fetch(`${t.baseUrl}${SANDBOX_MOUNT}/sandbox/transactions/${outTradeNo}/notifications`);
  return ((await res.json()) as { data: Array<Record<string, unknown>> }).data;
}

export async function waitFor<T>(fn: () => Promise<T | undefined | null | false> | T | undefined | null | false, timeoutMs = 5000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Sandbox passes until the refund (`outRefundNo`), or every refund of the order (`orderId`), has
 * settled at WeChat and its REFUND.SUCCESS was answered; the refund rows, oldest first. A refund stays
 * PROCESSING for a moment of the sandbox's clock: when the test holds that clock, pass it with how far
 * to move it before each pass.
 */
export async function settleRefunds(
  t: Pick<ListeningApp, 'baseUrl' | 'db'>,
  of: { outRefundNo: string } | { orderId: number },
  advance?: { clock: { advance(ms: number): void }; ms: number },
) {
  const where = 'outRefundNo' in of ? { out_refund_no: of.outRefundNo } : { order_id: of.orderId };
  return waitFor(async () => {
    advance?.clock.advance(advance.ms);
    await tick(t);
    const rows = await t.db('refunds').where(where).orderBy('id');
    return rows.length > 0 && rows.every((r) => r.status === 'succeeded') ? rows : null;
  });
}

export type Agent = ReturnType<typeof request.agent>;

/** A new learner signed in through the login form, with a cookie-keeping client of the listening app. */
export async function signedInLearner(t: Pick<ListeningApp, 'baseUrl' | 'db'>, o: { wechatOpenid?: string } = {}) {
  const user = await createUser(t.db);
  if (o.wechatOpenid) await t.db('users').where({ id: user.id }).update({ wechat_openid: o.wechatOpenid });
  const agent = request.agent(t.baseUrl);
  const form = await agent.get('/login');
  const res = await agent.post('/login').type('form').send({ _csrf: csrfFrom(form.text), username: user.username, password: user.password });
  if (res.status !== 303) throw new Error(`login failed with ${res.status}`);
  return { agent, user };
}

/** Presses 购买 on the course page, as the browser would: its CSRF token, its course_id, plus `extra`. */
export async function buy(agent: Agent, course: { id: number; slug: string }, extra: Record<string, string> = {}, userAgent?: string) {
  const page = await agent.get(`/courses/${course.slug}`);
  let req = agent.post('/orders').type('form');
  if (userAgent) req = req.set('User-Agent', userAgent);
  return req.send({ _csrf: csrfFrom(page.text), course_id: String(course.id), ...extra });
}

export function outTradeNoOf(location: string | undefined): string {
  const m = /^\/orders\/([A-Za-z0-9_-]+)$/.exec(location ?? '');
  if (!m) throw new Error(`not an order page: ${location}`);
  return m[1]!;
}

export async function orderRow(db: Knex, outTradeNo: string) {
  return db('orders').where({ out_trade_no: outTradeNo }).first();
}

export const WECHAT_UA = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.47(0x18002f2f) NetType/WIFI Language/zh_CN';

let orderSeq = 0;
/** A pending Native order row as checkout leaves it (no call to the sandbox), for webhook tests. */
export async function createPendingOrder(db: Knex, o: { userId: number; courseId: number; amountFen?: number; createdAt?: Date; expiresAt?: Date }) {
  const now = o.createdAt ?? new Date();
  const outTradeNo = `TN${Date.now()}${String(++orderSeq).padStart(4, '0')}${randomBytes(3).toString('hex').toUpperCase()}`;
  await db('orders').insert({
    out_trade_no: outTradeNo,
    user_id: o.userId,
    course_id: o.courseId,
    amount_fen: o.amountFen ?? 9900,
    description: '知付课程-测试',
    channel: 'native',
    status: 'pending',
    code_url: 'weixin://wxpay/bizpayurl?pr=test',
    refunded_fen: 0,
    expires_at: o.expiresAt ?? new Date(now.getTime() + 30 * 60_000),
    created_at: now,
    updated_at: now,
  });
  return (await orderRow(db, outTradeNo)) as { id: number; out_trade_no: string; amount_fen: number; user_id: number; course_id: number };
}

/** A learner who bought a course with two lessons (99 元 unless given): paid at the sandbox, notified, granted. */
export async function paidPurchase(t: Pick<ListeningApp, 'baseUrl' | 'db'>, priceFen = 9900) {
  const course = await createCourseWithLessons(t.db, 2, { priceFen });
  const learner = await signedInLearner(t);
  const no = outTradeNoOf((await buy(learner.agent, course)).headers.location);
  await payAtSandbox(t, no);
  await tick(t);
  const order = await orderRow(t.db, no);
  if (order?.status !== 'paid') throw new Error(`purchase did not complete: ${String(order?.status)}`);
  return { ...learner, course, no, order, lessonUrl: `/courses/${course.slug}/lessons/${course.lessons[1]!.id}` };
}

/** The listening app in sandbox mode and the id of an admin account (who refunds). */
export async function startListeningAppWithAdmin(env: Record<string, string> = {}): Promise<{ t: ListeningApp; adminId: number }> {
  const t = await startListeningApp(env);
  return { t, adminId: (await createUser(t.db, { role: 'admin', passwordHash: 'x' })).id };
}
