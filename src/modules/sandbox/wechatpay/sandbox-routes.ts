import path from 'node:path';
import ejs from 'ejs';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { PROJECT_ROOT } from '../../../config/environment.js';
import type { Clock } from '../../../platform/clock.js';
import type { Logger } from '../../../platform/logger.js';
import type { NotificationWorker } from './notification-worker.js';
import type { NotificationFaults, ResolvedSandboxConfig } from './sandbox-config.js';
import { SIGNATURE_TYPE, parseAuthorization, randomAlphanumeric, randomHex, requestSigningMessage, responseSigningMessage, signSha256WithRsa, verifySha256WithRsa } from './sandbox-crypto.js';
import { WechatPayError, mchNotExists, signError } from './sandbox-errors.js';
import type { SandboxTransaction } from './sandbox-repository.js';
import type { SandboxService } from './sandbox-service.js';
import { parseJsonBody } from './sandbox-validation.js';

const VIEWS = path.join(PROJECT_ROOT, 'views', 'sandbox');
const TIMESTAMP_WINDOW_S = 300;

/** The path and query as the merchant sent them, relative to WeChat's host (the mount prefix removed). */
const WECHAT_PATH = Symbol('wechatPath');
type SandboxRequest = Request & { [WECHAT_PATH]?: string };

const STATE_LABEL: Record<string, string> = {
  NOTPAY: '待支付',
  SUCCESS: '已支付',
  REFUND: '已支付（有退款）',
  CLOSED: '已关闭',
  PAYERROR: '支付失败',
};
const TRADE_TYPE_LABEL: Record<string, string> = { JSAPI: '公众号支付（JSAPI）', NATIVE: '扫码支付（Native）', MWEB: 'H5 支付' };

const yuan = (fen: number) => `¥${(fen / 100).toFixed(2)}`;

function faultsFrom(body: unknown): NotificationFaults {
  const b = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
  const f: NotificationFaults = {};
  if (typeof b.duplicates === 'number') f.duplicates = b.duplicates;
  if (typeof b.sign_probe === 'boolean') f.signProbe = b.sign_probe;
  if (typeof b.delay_ms === 'number') f.delayMs = b.delay_ms;
  return f;
}

function safeRedirect(v: unknown): string | null {
  if (typeof v !== 'string') return null;
  try {
    const u = new URL(v);
    return u.protocol === 'https:' || u.protocol === 'http:' ? u.toString() : null;
  } catch {
    return null;
  }
}

export function sandboxRoutes(deps: { service: SandboxService; worker: NotificationWorker; config: ResolvedSandboxConfig; clock: Clock; logger: Logger }): Router {
  const { service, worker, config, clock, logger } = deps;
  const router = express.Router();

  /** Every WeChat answer is signed, errors and empty 204s included. */
  function sendSigned(res: Response, status: number, body: unknown): void {
    const text = body === null ? '' : JSON.stringify(body);
    const timestamp = String(Math.floor(clock.now().getTime() / 1000));
    const nonce = randomAlphanumeric(32);
    res.status(status);
    res.setHeader('Request-ID', randomHex(16));
    res.setHeader('Wechatpay-Timestamp', timestamp);
    res.setHeader('Wechatpay-Nonce', nonce);
    const signer = config.signer.current();
    res.setHeader('Wechatpay-Signature', signSha256WithRsa(responseSigningMessage(timestamp, nonce, text), signer.key));
    res.setHeader('Wechatpay-Serial', signer.serial);
    res.setHeader('Wechatpay-Signature-Type', SIGNATURE_TYPE);
    res.setHeader('Cache-Control', 'no-store');
    if (text === '') {
      res.end();
      return;
    }
    res.setHeader('Content-Type', 'application/json; charset=utf-8');
    res.end(text);
  }

  async function render(res: Response, status: number, view: 'pay' | 'message', model: Record<string, unknown>): Promise<void> {
    const html = await ejs.renderFile(path.join(VIEWS, `${view}.ejs`), { merchantName: config.merchantName, ...model });
    res.status(status).type('html').setHeader('Cache-Control', 'no-store');
    res.send(html);
  }

  router.use((req: SandboxRequest, _res, next) => {
    req[WECHAT_PATH] = req.url;
    next();
  });

  // ---- WeChat Pay API v3 -------------------------------------------------------------------------
  const rawBody = express.raw({ type: () => true, limit: '1mb' });

  function authenticate(req: SandboxRequest, _res: Response, next: NextFunction): void {
    if (req.body !== undefined && !Buffer.isBuffer(req.body) && req.method !== 'GET') {
      // A JSON parser ran first and the exact bytes are gone: the signature cannot be checked.
      throw new Error('wechatpay sandbox: mount the router before any body parser');
    }
    const auth = parseAuthorization(req.get('authorization'));
    if (!auth) throw signError('Http头Authorization值格式错误，请参考《微信支付商户REST API签名规则》');
    if (auth.mchid !== config.mchid) throw mchNotExists();
    if (auth.serial_no.toUpperCase() !== config.merchantSerial.toUpperCase()) throw signError('商户证书序列号有误，请核实后重试');
    const ts = /^\d{1,12}$/.test(auth.timestamp) ? Number(auth.timestamp) : NaN;
    if (!Number.isFinite(ts) || Math.abs(clock.now().getTime() / 1000 - ts) > TIMESTAMP_WINDOW_S) throw signError('请求时间戳与服务器时间相差超过5分钟');
    const body = Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '';
    const message = requestSigningMessage(req.method, req[WECHAT_PATH] ?? req.originalUrl, auth.timestamp, auth.nonce_str, body);
    if (!verifySha256WithRsa(message, auth.signature, config.merchantKey)) throw signError('签名错误，请检查后再试');
    next();
  }

  const json = (req: Request) => parseJsonBody(Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0));
  const mchidQuery = (req: Request) => (typeof req.query.mchid === 'string' ? req.query.mchid : undefined);

  router.use('/v3', rawBody, authenticate);
  router.post('/v3/pay/transactions/jsapi', async (req, res) => sendSigned(res, 200, await service.prepay('JSAPI', json(req))));
  router.post('/v3/pay/transactions/native', async (req, res) => sendSigned(res, 200, await service.prepay('NATIVE', json(req))));
  router.post('/v3/pay/transactions/h5', async (req, res) => sendSigned(res, 200, await service.prepay('MWEB', json(req))));
  router.get('/v3/pay/transactions/out-trade-no/:no', async (req, res) => sendSigned(res, 200, await service.queryByOutTradeNo(mchidQuery(req), req.params.no)));
  router.get('/v3/pay/transactions/id/:transactionId', async (req, res) => sendSigned(res, 200, await service.queryByTransactionId(mchidQuery(req), req.params.transactionId)));
  router.post('/v3/pay/transactions/out-trade-no/:no/close', async (req, res) => {
    await service.close(req.params.no, json(req));
    sendSigned(res, 204, null);
  });
  router.post('/v3/refund/domestic/refunds', async (req, res) => sendSigned(res, 200, await service.refund(json(req))));
  router.get('/v3/refund/domestic/refunds/:outRefundNo', async (req, res) => sendSigned(res, 200, await service.queryRefund(req.params.outRefundNo)));
  router.get('/v3/certificates', (_req, res) => sendSigned(res, 200, service.certificates()));
  router.use('/v3', (_req, res) => sendSigned(res, 404, { code: 'NOT_FOUND', message: '接口不存在' }));

  // ---- The payer's side: the pages a tester sees instead of WeChat's cashier ----------------------
  const form = express.urlencoded({ extended: false, limit: '8kb', parameterLimit: 10 });

  router.get('/bizpayurl', (req, res) => {
    const pr = typeof req.query.pr === 'string' ? req.query.pr : '';
    res.redirect(302, `${req.baseUrl}/pay/${encodeURIComponent(pr)}`);
  });

  function pageModel(req: Request, t: SandboxTransaction, message: string | null) {
    const redirectUrl = safeRedirect(req.query.redirect_url);
    const now = clock.now().getTime();
    return {
      title: '微信支付（沙箱）',
      description: t.description,
      amount: yuan(t.totalFen),
      outTradeNo: t.outTradeNo,
      tradeTypeLabel: TRADE_TYPE_LABEL[t.tradeType] ?? t.tradeType,
      state: t.tradeState,
      stateLabel: STATE_LABEL[t.tradeState] ?? t.tradeState,
      canPay: (t.tradeState === 'NOTPAY' || t.tradeState === 'PAYERROR') && t.prepayExpiresAt.getTime() >= now,
      expired: t.prepayExpiresAt.getTime() < now && (t.tradeState === 'NOTPAY' || t.tradeState === 'PAYERROR'),
      action: `${req.baseUrl}/pay/${encodeURIComponent(t.payToken)}${redirectUrl ? `?redirect_url=${encodeURIComponent(redirectUrl)}` : ''}`,
      redirectUrl,
      message,
    };
  }

  router.get('/pay/:token', async (req, res) => {
    const t = await service.byToken(req.params.token);
    if (!t) return render(res, 404, 'message', { title: '订单不存在', heading: '订单不存在或链接已失效', detail: '请回到商户页面重新下单。' });
    const done = req.query.done === 'success' ? '支付成功' : req.query.done === 'fail' ? '已模拟支付失败' : null;
    return render(res, 200, 'pay', pageModel(req, t, done));
  });

  router.post('/pay/:token', form, async (req, res) => {
    const t = await service.byToken(req.params.token);
    if (!t) return render(res, 404, 'message', { title: '订单不存在', heading: '订单不存在或链接已失效', detail: '请回到商户页面重新下单。' });
    const outcome = (req.body as Record<string, unknown> | undefined)?.outcome;
    try {
      if (outcome === 'success') await service.pay(t);
      else if (outcome === 'fail') await service.fail(t);
      else return render(res, 400, 'pay', pageModel(req, t, '请选择支付成功或支付失败'));
    } catch (err) {
      if (err instanceof WechatPayError) return render(res, 409, 'pay', pageModel(req, (await service.byToken(req.params.token))!, err.message));
      throw err;
    }
    const redirectUrl = safeRedirect(req.query.redirect_url);
    const q = new URLSearchParams({ done: outcome });
    if (redirectUrl) q.set('redirect_url', redirectUrl);
    return res.redirect(303, `${req.baseUrl}/pay/${encodeURIComponent(t.payToken)}?${q.toString()}`);
  });

  // ---- Test controls and the JSAPI shim's endpoints (JSON, not part of WeChat's API) -------------
  const controlJson = express.json({ limit: '16kb' });

  router.post('/sandbox/transactions/:outTradeNo/pay', controlJson, async (req, res) => {
    const t = await service.pay(await service.byOutTradeNo(req.params.outTradeNo), faultsFrom(req.body));
    res.json({ out_trade_no: t.outTradeNo, transaction_id: t.transactionId, trade_state: t.tradeState });
  });
  router.post('/sandbox/transactions/:outTradeNo/fail', controlJson, async (req, res) => {
    const t = await service.fail(await service.byOutTradeNo(req.params.outTradeNo));
    res.json({ out_trade_no: t.outTradeNo, trade_state: t.tradeState });
  });
  router.post('/sandbox/transactions/:outTradeNo/console-refund', controlJson, async (req, res) => {
    const t = await service.byOutTradeNo(req.params.outTradeNo);
    const fen = (req.body as { refund_fen?: unknown } | undefined)?.refund_fen;
    res.json(await service.consoleRefund(t, typeof fen === 'number' ? fen : t.totalFen - t.refundedFen));
  });
  router.get('/sandbox/transactions/:outTradeNo/notifications', async (req, res) => {
    const list = await service.notificationsFor(req.params.outTradeNo);
    res.json({
      data: list.map((n) => ({
        id: n.eventId,
        event_type: n.eventType,
        out_refund_no: n.outRefundNo,
        status: n.status,
        attempts: n.attempts,
        last_http_status: n.lastHttpStatus,
        probe_http_status: n.probeHttpStatus,
        next_attempt_at: n.nextAttemptAt.toISOString(),
      })),
    });
  });
  router.post('/sandbox/certificates/rotate', controlJson, (req, res) => {
    const overlap = (req.body as { overlap_ms?: unknown } | undefined)?.overlap_ms;
    const c = config.signer.rotate(typeof overlap === 'number' ? overlap : 0);
    res.json({ serial_no: c.serial, listed: config.signer.certificates().map((x) => x.serial) });
  });
  router.post('/sandbox/tick', async (_req, res) => {
    await worker.tick();
    res.status(204).end();
  });

  router.post('/sandbox/jsapi/session', controlJson, async (req, res) => {
    const t = await service.jsapiSession((req.body ?? {}) as Record<string, unknown>);
    res.json({ token: t.payToken, merchant_name: config.merchantName, description: t.description, amount: yuan(t.totalFen), trade_state: t.tradeState });
  });
  router.post('/sandbox/jsapi/outcome', controlJson, async (req, res) => {
    const b = (req.body ?? {}) as Record<string, unknown>;
    const t = typeof b.token === 'string' ? await service.byToken(b.token) : null;
    if (!t) throw new WechatPayError(404, 'ORDER_NOT_EXIST', '订单不存在');
    const after = b.outcome === 'success' ? await service.pay(t) : b.outcome === 'fail' ? await service.fail(t) : null;
    if (!after) throw new WechatPayError(400, 'PARAM_ERROR', 'outcome 只能是 success 或 fail');
    res.json({ trade_state: after.tradeState });
  });

  // ---- Errors: WeChat's shape, signed on the API ---------------------------------------------------
  router.use((err: unknown, req: SandboxRequest, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(err);
    const known = err instanceof WechatPayError;
    const status = (err as { status?: unknown })?.status;
    const wx = known
      ? err
      : typeof status === 'number' && status >= 400 && status < 500
        ? new WechatPayError(400, 'PARAM_ERROR', status === 413 ? '请求体过大' : '请求格式不正确')
        : new WechatPayError(500, 'SYSTEM_ERROR', '系统错误');
    if (wx.status >= 500) logger.error({ err, event: 'sandbox.wechatpay.error', path: req[WECHAT_PATH] }, 'sandbox request failed');
    if ((req[WECHAT_PATH] ?? '').startsWith('/v3/')) return sendSigned(res, wx.status, wx.toBody());
    if ((req[WECHAT_PATH] ?? '').startsWith('/pay/')) return render(res, wx.status, 'message', { title: '出错了', heading: wx.message, detail: '' });
    res.status(wx.status).json(wx.toBody());
  });

  return router;
}
