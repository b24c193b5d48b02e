import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { Clock } from '../../../platform/clock.js';
import type { Logger } from '../../../platform/logger.js';
import type { NotificationFaults, ResolvedSandboxConfig } from './sandbox-config.js';
import { aesGcmEncrypt, paySignMessage, randomAlphanumeric, randomDigits, verifySha256WithRsa } from './sandbox-crypto.js';
import { WechatPayError, appidMchidNotMatch, invalidRequest, mchNotExists, orderClosed, orderNotExist, orderPaid } from './sandbox-errors.js';
import { createSandboxRepository, isUniqueViolation, type SandboxRefund, type SandboxTransaction, type TradeState } from './sandbox-repository.js';
import { OUT_TRADE_NO, validatePrepay, validateRefund, type TradeType } from './sandbox-validation.js';

const PREPAY_VALID_MS = 2 * 3600_000;
const H5_URL_VALID_MS = 5 * 60_000;

const STATE_DESC: Record<TradeState, string> = {
  NOTPAY: '订单未支付',
  SUCCESS: '支付成功',
  REFUND: '订单发生过退款，退款详情请查询退款单号',
  CLOSED: '订单已关闭',
  PAYERROR: '支付失败，请重新下单支付',
};

/** RFC 3339 in Beijing time, as WeChat writes every time: 2026-11-25T20:00:00+08:00 */
export function beijingTime(d: Date): string {
  return new Date(d.getTime() + 8 * 3600_000).toISOString().slice(0, 19) + '+08:00';
}

function beijingStamp(d: Date): string {
  return beijingTime(d).slice(0, 19).replace(/\D/g, '');
}

/** JSON with sorted keys, so two requests with the same content hash the same. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

export interface SandboxServiceDeps {
  db: Knex;
  clock: Clock;
  logger: Logger;
  config: ResolvedSandboxConfig;
  /** Called after a notification row is written, so the worker can deliver it without waiting. */
  onNotificationQueued(): void;
}

export function createSandboxService(deps: SandboxServiceDeps) {
  const { clock, config, logger } = deps;
  const repo = createSandboxRepository(deps.db);

  function prepayResult(t: SandboxTransaction): Record<string, string> {
    if (t.tradeType === 'JSAPI') return { prepay_id: t.prepayId };
    if (t.tradeType === 'NATIVE') return { code_url: `weixin://wxpay/bizpayurl?pr=${t.payToken}` };
    return { h5_url: `${config.publicBaseUrl}/pay/${t.payToken}` };
  }

  function refusePaidOrClosed(t: SandboxTransaction): void {
    if (t.tradeState === 'SUCCESS' || t.tradeState === 'REFUND') throw orderPaid();
    if (t.tradeState === 'CLOSED') throw orderClosed();
  }

  function transactionJson(t: SandboxTransaction): Record<string, unknown> {
    const paid = t.transactionId !== null;
    const out: Record<string, unknown> = {
      appid: t.appid,
      mchid: t.mchid,
      out_trade_no: t.outTradeNo,
      trade_state: t.tradeState,
      trade_state_desc: STATE_DESC[t.tradeState],
    };
    if (paid) {
      Object.assign(out, {
        transaction_id: t.transactionId,
        trade_type: t.tradeType,
        bank_type: t.bankType ?? 'OTHERS',
        success_time: t.successTime ? beijingTime(t.successTime) : undefined,
        payer: { openid: t.payerOpenid },
        amount: { total: t.totalFen, payer_total: t.totalFen, currency: t.currency, payer_currency: t.currency },
      });
    } else {
      out.amount = { total: t.totalFen, currency: t.currency, payer_currency: t.currency };
      if (t.tradeType === 'JSAPI' && t.payerOpenid) out.payer = { openid: t.payerOpenid };
    }
    out.attach = t.attach ?? '';
    out.promotion_detail = [];
    return out;
  }

  function refundJson(r: SandboxRefund): Record<string, unknown> {
    return {
      refund_id: r.refundId,
      out_refund_no: r.outRefundNo,
      transaction_id: r.transactionId,
      out_trade_no: r.outTradeNo,
      channel: 'ORIGINAL',
      user_received_account: '支付用户零钱',
      ...(r.successTime ? { success_time: beijingTime(r.successTime) } : {}),
      create_time: beijingTime(r.createdAt),
      status: r.status,
      funds_account: 'AVAILABLE',
      amount: {
        total: r.totalFen,
        refund: r.refundFen,
        from: [],
        payer_total: r.totalFen,
        payer_refund: r.refundFen,
        settlement_refund: r.refundFen,
        settlement_total: r.totalFen,
        discount_refund: 0,
        currency: r.currency,
        refund_fee: 0,
      },
      promotion_detail: [],
    };
  }

  async function enqueue(
    kind: 'transaction' | 'refund',
    eventType: string,
    summary: string,
    resource: Record<string, unknown>,
    target: { mchid: string; notifyUrl: string; outTradeNo: string; outRefundNo: string | null },
    faults: NotificationFaults,
  ): Promise<void> {
    const now = clock.now();
    const nonce = randomAlphanumeric(12);
    const eventId = randomUUID();
    const body = JSON.stringify({
      id: eventId,
      create_time: beijingTime(now),
      resource_type: 'encrypt-resource',
      event_type: eventType,
      summary,
      resource: {
        original_type: kind,
        algorithm: 'AEAD_AES_256_GCM',
        ciphertext: aesGcmEncrypt(config.apiV3Key, nonce, kind, JSON.stringify(resource)),
        associated_data: kind,
        nonce,
      },
    });
    const merged = { ...config.faults, ...faults };
    await repo.insertNotification(
      {
        eventId,
        mchid: target.mchid,
        eventType,
        outTradeNo: target.outTradeNo,
        outRefundNo: target.outRefundNo,
        notifyUrl: target.notifyUrl,
        body,
        nextAttemptAt: new Date(now.getTime() + Math.max(0, merged.delayMs ?? 0)),
        duplicates: Math.max(0, Math.floor(merged.duplicates ?? 0)),
        signProbe: merged.signProbe ?? false,
      },
      now,
    );
    logger.info({ event: 'sandbox.wechatpay.notification_queued', eventType, outTradeNo: target.outTradeNo, eventId }, 'notification queued');
    deps.onNotificationQueued();
  }

  async function mustFind(mchid: string, outTradeNo: string): Promise<SandboxTransaction> {
    const t = await repo.transactionBy({ mchid, out_trade_no: outTradeNo });
    if (!t) throw orderNotExist();
    return t;
  }

  async function settle(r: SandboxRefund): Promise<void> {
    const now = clock.now();
    if (!(await repo.settleRefund(r.id, now))) return;
    logger.info({ event: 'sandbox.wechatpay.refund_succeeded', outRefundNo: r.outRefundNo }, 'refund succeeded');
    const url = r.notifyUrl ?? config.refundNotifyUrl;
    if (!url) {
      logger.warn({ event: 'sandbox.wechatpay.refund_no_notify_url', outRefundNo: r.outRefundNo }, 'refund has no notify_url; nothing sent');
      return;
    }
    const t = await repo.transactionBy({ id: r.transactionRowId });
    await enqueue(
      'refund',
      'REFUND.SUCCESS',
      '退款成功',
      {
        mchid: r.mchid,
        transaction_id: r.transactionId,
        out_trade_no: r.outTradeNo,
        refund_id: r.refundId,
        out_refund_no: r.outRefundNo,
        refund_status: 'SUCCESS',
        success_time: beijingTime(now),
        user_received_account: '支付用户零钱',
        amount: { total: r.totalFen, refund: r.refundFen, payer_total: t?.totalFen ?? r.totalFen, payer_refund: r.refundFen },
      },
      { mchid: r.mchid, notifyUrl: url, outTradeNo: r.outTradeNo, outRefundNo: r.outRefundNo },
      {},
    );
  }

  return {
    async prepay(tradeType: TradeType, body: Record<string, unknown>): Promise<Record<string, string>> {
      const now = clock.now();
      const req = validatePrepay(tradeType, body, now);
      if (req.mchid !== config.mchid) throw mchNotExists();
      if (req.appid !== config.appid) throw appidMchidNotMatch();
      const requestHash = sha256(`${tradeType}\n${canonical(body)}`);

      const existing = await repo.transactionBy({ mchid: req.mchid, out_trade_no: req.outTradeNo });
      const sameOrUsed = (t: SandboxTransaction) => {
        refusePaidOrClosed(t);
        if (t.requestHash !== requestHash) throw new WechatPayError(403, 'OUT_TRADE_NO_USED', '商户订单号重复');
        return prepayResult(t);
      };
      if (existing) return sameOrUsed(existing);

      const validMs = tradeType === 'MWEB' ? H5_URL_VALID_MS : PREPAY_VALID_MS;
      const prepayExpiresAt = new Date(Math.min(now.getTime() + validMs, req.timeExpire?.getTime() ?? Infinity));
      try {
        await repo.insertTransaction(
          {
            ...req,
            tradeType,
            totalFen: req.total,
            requestHash,
            prepayId: `wx${beijingStamp(now)}${randomAlphanumeric(20).toLowerCase()}`,
            payToken: randomBytes(18).toString('base64url'),
            prepayExpiresAt,
          },
          now,
        );
      } catch (err) {
        // Two identical requests raced: the loser answers like a re-send.
        if (!isUniqueViolation(err)) throw err;
        return sameOrUsed(await mustFind(req.mchid, req.outTradeNo));
      }
      logger.info({ event: 'sandbox.wechatpay.prepay', tradeType, outTradeNo: req.outTradeNo, totalFen: req.total }, 'prepay created');
      return prepayResult(await mustFind(req.mchid, req.outTradeNo));
    },

    async queryByOutTradeNo(mchid: string | undefined, outTradeNo: string) {
      if (!mchid) throw new WechatPayError(400, 'PARAM_ERROR', '缺少参数 mchid', { field: 'mchid', location: 'query', issue: '缺少必填参数' });
      if (mchid !== config.mchid) throw mchNotExists();
      return transactionJson(await mustFind(mchid, outTradeNo));
    },

    async queryByTransactionId(mchid: string | undefined, transactionId: string) {
      if (!mchid) throw new WechatPayError(400, 'PARAM_ERROR', '缺少参数 mchid', { field: 'mchid', location: 'query', issue: '缺少必填参数' });
      if (mchid !== config.mchid) throw mchNotExists();
      const t = await repo.transactionBy({ mchid, transaction_id: transactionId });
      if (!t) throw orderNotExist();
      return transactionJson(t);
    },

    /** Closing twice is fine; closing a paid order is not. */
    async close(outTradeNo: string, body: Record<string, unknown>): Promise<void> {
      if (typeof body.mchid !== 'string' || body.mchid === '') throw new WechatPayError(400, 'PARAM_ERROR', '缺少参数 mchid', { field: '/mchid', location: 'body', issue: '缺少必填参数' });
      if (body.mchid !== config.mchid) throw mchNotExists();
      const t = await mustFind(body.mchid, outTradeNo);
      if (t.tradeState === 'CLOSED') return;
      if (await repo.markClosed(t.id, clock.now())) {
        logger.info({ event: 'sandbox.wechatpay.closed', outTradeNo }, 'order closed');
        return;
      }
      refusePaidOrClosed(await mustFind(body.mchid, outTradeNo));
    },

    /** The payer confirms: NOTPAY/PAYERROR → SUCCESS and a TRANSACTION.SUCCESS notification. */
    async pay(t: SandboxTransaction, faults: NotificationFaults = {}): Promise<SandboxTransaction> {
      refusePaidOrClosed(t);
      const now = clock.now();
      if (t.prepayExpiresAt.getTime() < now.getTime()) throw invalidRequest('订单已过期，请商户重新下单');
      const transactionId = `4200${randomDigits(6)}${beijingStamp(now).slice(0, 8)}${randomDigits(10)}`;
      const payerOpenid = t.payerOpenid ?? `oSbx${randomAlphanumeric(24)}`;
      if (!(await repo.markPaid(t.id, { transactionId, payerOpenid, successTime: now }))) {
        refusePaidOrClosed((await repo.transactionBy({ id: t.id }))!);
        throw new WechatPayError(409, 'ORDER_STATE_CHANGED', '订单状态已变化');
      }
      const paid = (await repo.transactionBy({ id: t.id }))!;
      logger.info({ event: 'sandbox.wechatpay.paid', outTradeNo: t.outTradeNo }, 'payment succeeded');
      await enqueue('transaction', 'TRANSACTION.SUCCESS', '支付成功', transactionJson(paid), { mchid: t.mchid, notifyUrl: t.notifyUrl, outTradeNo: t.outTradeNo, outRefundNo: null }, faults);
      return paid;
    },

    /** The payment fails (PAYERROR). WeChat sends no notification for a failure, and neither do we. */
    async fail(t: SandboxTransaction): Promise<SandboxTransaction> {
      refusePaidOrClosed(t);
      if (await repo.markFailed(t.id, clock.now())) logger.info({ event: 'sandbox.wechatpay.pay_failed', outTradeNo: t.outTradeNo }, 'payment failed');
      return (await repo.transactionBy({ id: t.id }))!;
    },

    async refund(body: Record<string, unknown>): Promise<Record<string, unknown>> {
      const req = validateRefund(body);
      const mchid = config.mchid;
      const t = req.transactionId
        ? await repo.transactionBy({ mchid, transaction_id: req.transactionId })
        : await repo.transactionBy({ mchid, out_trade_no: req.outTradeNo! });
      if (!t || (req.outTradeNo && t.outTradeNo !== req.outTradeNo)) throw new WechatPayError(404, 'RESOURCE_NOT_EXISTS', '订单不存在');
      const requestHash = sha256(canonical({ out_trade_no: t.outTradeNo, out_refund_no: req.outRefundNo, refund: req.refund, total: req.total }));

      const again = async () => {
        const existing = await repo.refundBy(mchid, req.outRefundNo);
        if (!existing) return null;
        if (existing.requestHash !== requestHash) throw invalidRequest('退款单号已存在，但订单号或退款金额与之前的请求不一致');
        return refundJson(existing);
      };
      const previous = await again();
      if (previous) return previous;

      if (t.tradeState === 'NOTPAY' || t.tradeState === 'PAYERROR') throw invalidRequest('订单未支付，不能退款');
      if (t.tradeState === 'CLOSED') throw invalidRequest('订单已关闭，不能退款');
      if (req.total !== t.totalFen) throw invalidRequest('订单金额与实际支付金额不一致');
      const now = clock.now();
      if (!(await repo.reserveRefund(t.id, req.refund, now))) {
        const fresh = (await repo.transactionBy({ id: t.id }))!;
        throw invalidRequest(`申请退款金额超过订单可退金额（可退 ${fresh.totalFen - fresh.refundedFen} 分）`);
      }
      const delay = config.refundDelayMs / config.timeScale;
      try {
        await repo.insertRefund(
          {
            mchid,
            refundId: `5030${beijingStamp(now).slice(0, 8)}${randomDigits(17)}`,
            outRefundNo: req.outRefundNo,
            transactionRowId: t.id,
            transactionId: t.transactionId!,
            outTradeNo: t.outTradeNo,
            reason: req.reason,
            notifyUrl: req.notifyUrl,
            refundFen: req.refund,
            totalFen: t.totalFen,
            currency: req.currency,
            requestHash,
            settleAt: new Date(now.getTime() + delay),
          },
          now,
        );
      } catch (err) {
        await repo.releaseRefund(t.id, req.refund, now);
        if (!isUniqueViolation(err)) throw err;
        const raced = await again();
        if (raced) return raced;
        throw err;
      }
      const created = (await repo.refundBy(mchid, req.outRefundNo))!;
      logger.info({ event: 'sandbox.wechatpay.refund_accepted', outRefundNo: req.outRefundNo, refundFen: req.refund }, 'refund accepted');
      const answer = refundJson(created);
      if (delay <= 0) await settle(created);
      return answer;
    },

    /**
     * A refund made by hand in WeChat's merchant console: WeChat numbers it itself, and the merchant's
     * system first hears of it from the REFUND.* notification (sent to the order's notify_url here).
     */
    async consoleRefund(t: SandboxTransaction, refundFen: number): Promise<Record<string, unknown>> {
      return this.refund({
        out_trade_no: t.outTradeNo,
        out_refund_no: `CONSOLE${beijingStamp(clock.now())}${randomDigits(8)}`,
        reason: '商户平台退款',
        notify_url: t.notifyUrl,
        amount: { refund: refundFen, total: t.totalFen, currency: 'CNY' },
      });
    },

    async queryRefund(outRefundNo: string): Promise<Record<string, unknown>> {
      const r = await repo.refundBy(config.mchid, outRefundNo);
      if (!r) throw new WechatPayError(404, 'RESOURCE_NOT_EXISTS', '退款单不存在');
      return refundJson(r);
    },

    /** Refunds whose PROCESSING time is over become SUCCESS; returns how many this process settled. */
    async settleDueRefunds(limit = 20): Promise<number> {
      const due = await repo.dueRefunds(clock.now(), limit);
      for (const r of due) await settle(r);
      return due.length;
    },

    certificates(): Record<string, unknown> {
      return {
        data: config.signer.certificates().map((c) => {
          const nonce = randomAlphanumeric(12);
          return {
            serial_no: c.serial,
            effective_time: '2025-01-01T08:00:00+08:00',
            expire_time: '2045-01-01T08:00:00+08:00',
            encrypt_certificate: { algorithm: 'AEAD_AES_256_GCM', nonce, associated_data: 'certificate', ciphertext: aesGcmEncrypt(config.apiV3Key, nonce, 'certificate', c.pem) },
          };
        }),
      };
    },

    /** What the JSAPI shim sends: verifies paySign with the merchant key and finds the prepay order. */
    async jsapiSession(p: Record<string, unknown>): Promise<SandboxTransaction> {
      const { appId, timeStamp, nonceStr, package: pkg, signType, paySign } = p;
      if ([appId, timeStamp, nonceStr, pkg, paySign].some((v) => typeof v !== 'string' || v === '')) throw new WechatPayError(400, 'PARAM_ERROR', '调起支付的参数不完整');
      if (signType !== 'RSA') throw new WechatPayError(400, 'PARAM_ERROR', 'signType 必须为 RSA');
      if (appId !== config.appid) throw appidMchidNotMatch();
      const message = paySignMessage(appId as string, timeStamp as string, nonceStr as string, pkg as string);
      if (!verifySha256WithRsa(message, paySign as string, config.merchantKey)) throw new WechatPayError(401, 'SIGN_ERROR', 'paySign 验签失败');
      const m = /^prepay_id=(.+)$/.exec(pkg as string);
      const t = m ? await repo.transactionBy({ prepay_id: m[1]! }) : null;
      if (!t) throw new WechatPayError(404, 'ORDER_NOT_EXIST', 'prepay_id 不存在');
      return t;
    },

    byToken: (token: string) => repo.transactionBy({ pay_token: token }),
    async byOutTradeNo(outTradeNo: string): Promise<SandboxTransaction> {
      if (!OUT_TRADE_NO.test(outTradeNo)) throw orderNotExist();
      return mustFind(config.mchid, outTradeNo);
    },
    notificationsFor: (outTradeNo: string) => repo.notificationsFor(outTradeNo),
    repo,
  };
}

export type SandboxService = ReturnType<typeof createSandboxService>;
