import { invalidRequest, paramError, WechatPayError } from './sandbox-errors.js';

// Request bodies checked the way WeChat checks them: the first problem is answered as 400 PARAM_ERROR
// naming the field. Limits are WeChat's, counted in characters.

export type TradeType = 'JSAPI' | 'NATIVE' | 'MWEB';

export interface PrepayRequest {
  appid: string;
  mchid: string;
  description: string;
  outTradeNo: string;
  timeExpire: Date | null;
  attach: string | null;
  notifyUrl: string;
  total: number;
  currency: string;
  payerOpenid: string | null;
  payerClientIp: string | null;
}

export interface RefundRequest {
  transactionId: string | null;
  outTradeNo: string | null;
  outRefundNo: string;
  reason: string | null;
  notifyUrl: string | null;
  refund: number;
  total: number;
  currency: string;
}

export const OUT_TRADE_NO = /^[A-Za-z0-9_-]{6,32}$/;
const OUT_REFUND_NO = /^[A-Za-z0-9_\-|*@]{1,64}$/;
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

type Obj = Record<string, unknown>;

const chars = (s: string) => [...s].length;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The raw body as a JSON object, or 400. */
export function parseJsonBody(raw: Buffer): Obj {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new WechatPayError(400, 'PARAM_ERROR', '请求体不是合法的JSON');
  }
  if (!isObj(parsed)) throw new WechatPayError(400, 'PARAM_ERROR', '请求体必须是JSON对象');
  return parsed;
}

function str(o: Obj, key: string, field: string, opts: { required: boolean; max: number; min?: number }): string | null {
  const v = o[key];
  if (v === undefined || v === null) {
    if (opts.required) throw paramError(field, '缺少必填参数');
    return null;
  }
  if (typeof v !== 'string') throw paramError(field, '应为字符串', v);
  if (opts.required && v.length === 0) throw paramError(field, '不能为空', v);
  if (chars(v) > opts.max) throw paramError(field, `长度不能超过${opts.max}`, v);
  if (opts.min !== undefined && chars(v) < opts.min) throw paramError(field, `长度不能少于${opts.min}`, v);
  return v;
}

function fen(o: Obj, key: string, field: string): number {
  const v = o[key];
  if (v === undefined || v === null) throw paramError(field, '缺少必填参数');
  if (typeof v !== 'number' || !Number.isInteger(v)) throw paramError(field, '应为整数（单位：分）', v);
  if (v < 1) throw paramError(field, '值低于最小值 1', v);
  if (v > 100_000_000_00) throw paramError(field, '超过最大值', v);
  return v;
}

function notifyUrl(o: Obj, field: string, required: boolean): string | null {
  const v = str(o, 'notify_url', field, { required, max: 255 });
  if (v === null) return null;
  let url: URL;
  try {
    url = new URL(v);
  } catch {
    throw paramError(field, '不是合法的URL', v);
  }
  // WeChat also demands https and a public host; the sandbox accepts http so a laptop can receive.
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw paramError(field, '必须以 https:// 或 http:// 开头', v);
  if (url.search !== '') throw paramError(field, '通知地址不能携带参数', v);
  return v;
}

export function validatePrepay(tradeType: TradeType, body: Obj, now: Date): PrepayRequest {
  const appid = str(body, 'appid', '/appid', { required: true, max: 32 })!;
  const mchid = str(body, 'mchid', '/mchid', { required: true, max: 32 })!;
  const description = str(body, 'description', '/description', { required: true, max: 127 })!;
  const outTradeNo = str(body, 'out_trade_no', '/out_trade_no', { required: true, max: 32 })!;
  if (!OUT_TRADE_NO.test(outTradeNo)) throw paramError('/out_trade_no', '只能是 6-32 位数字、大小写字母、_ 或 -', outTradeNo);
  const attach = str(body, 'attach', '/attach', { required: false, max: 128 });
  const url = notifyUrl(body, '/notify_url', true)!;

  let timeExpire: Date | null = null;
  const te = str(body, 'time_expire', '/time_expire', { required: false, max: 64 });
  if (te !== null) {
    const ms = Date.parse(te);
    if (!RFC3339.test(te) || Number.isNaN(ms)) throw paramError('/time_expire', '应为 rfc3339 格式，如 2018-06-08T10:34:56+08:00', te);
    if (ms < now.getTime() + 60_000) throw paramError('/time_expire', '支付截止时间至少在下单后 1 分钟', te);
    timeExpire = new Date(ms);
  }

  if (!isObj(body.amount)) throw paramError('/amount', '缺少必填参数');
  const total = fen(body.amount, 'total', '/amount/total');
  const currency = str(body.amount, 'currency', '/amount/currency', { required: false, max: 16 }) ?? 'CNY';
  if (currency !== 'CNY') throw paramError('/amount/currency', '只支持 CNY', currency);

  let payerOpenid: string | null = null;
  if (tradeType === 'JSAPI') {
    if (!isObj(body.payer)) throw paramError('/payer', '缺少必填参数');
    payerOpenid = str(body.payer, 'openid', '/payer/openid', { required: true, max: 128 });
  }

  let payerClientIp: string | null = null;
  if (body.scene_info !== undefined && body.scene_info !== null) {
    if (!isObj(body.scene_info)) throw paramError('/scene_info', '应为对象', body.scene_info);
    payerClientIp = str(body.scene_info, 'payer_client_ip', '/scene_info/payer_client_ip', { required: true, max: 45 });
  }
  if (tradeType === 'MWEB') {
    if (!isObj(body.scene_info)) throw paramError('/scene_info', 'H5 支付必须提供 scene_info');
    if (!isObj(body.scene_info.h5_info)) throw paramError('/scene_info/h5_info', 'H5 支付必须提供 h5_info');
    str(body.scene_info.h5_info, 'type', '/scene_info/h5_info/type', { required: true, max: 32 });
  }
  return { appid, mchid, description, outTradeNo, timeExpire, attach, notifyUrl: url, total, currency, payerOpenid, payerClientIp };
}

export function validateRefund(body: Obj): RefundRequest {
  const transactionId = str(body, 'transaction_id', '/transaction_id', { required: false, max: 32 });
  const outTradeNo = str(body, 'out_trade_no', '/out_trade_no', { required: false, max: 32 });
  if (!transactionId && !outTradeNo) throw paramError('/transaction_id', 'transaction_id 与 out_trade_no 必须二选一');
  const outRefundNo = str(body, 'out_refund_no', '/out_refund_no', { required: true, max: 64 })!;
  if (!OUT_REFUND_NO.test(outRefundNo)) throw paramError('/out_refund_no', '只能是数字、大小写字母或 _-|*@', outRefundNo);
  const reason = str(body, 'reason', '/reason', { required: false, max: 80 });
  const url = notifyUrl(body, '/notify_url', false);
  if (!isObj(body.amount)) throw paramError('/amount', '缺少必填参数');
  const refund = fen(body.amount, 'refund', '/amount/refund');
  const total = fen(body.amount, 'total', '/amount/total');
  const currency = str(body.amount, 'currency', '/amount/currency', { required: true, max: 16 })!;
  if (currency !== 'CNY') throw paramError('/amount/currency', '只支持 CNY', currency);
  if (refund > total) throw invalidRequest('退款金额不能大于订单金额');
  return { transactionId, outTradeNo, outRefundNo, reason, notifyUrl: url, refund, total, currency };
}
