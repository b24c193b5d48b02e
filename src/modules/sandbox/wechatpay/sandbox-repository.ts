import type { Knex } from 'knex';
import { toDate, toDateOrNull } from '../../../platform/db/index.js';

const TX = 'sandbox_wechatpay_transactions';
const REFUNDS = 'sandbox_wechatpay_refunds';
const NOTIFICATIONS = 'sandbox_wechatpay_notifications';

export type TradeState = 'NOTPAY' | 'SUCCESS' | 'REFUND' | 'CLOSED' | 'PAYERROR';
export type RefundStatus = 'PROCESSING' | 'SUCCESS' | 'CLOSED' | 'ABNORMAL';

export interface SandboxTransaction {
  id: number;
  mchid: string;
  appid: string;
  outTradeNo: string;
  tradeType: 'JSAPI' | 'NATIVE' | 'MWEB';
  tradeState: TradeState;
  description: string;
  attach: string | null;
  notifyUrl: string;
  totalFen: number;
  refundedFen: number;
  currency: string;
  payerOpenid: string | null;
  payerClientIp: string | null;
  timeExpire: Date | null;
  requestHash: string;
  prepayId: string;
  payToken: string;
  transactionId: string | null;
  bankType: string | null;
  successTime: Date | null;
  prepayExpiresAt: Date;
  createdAt: Date;
}

export interface SandboxRefund {
  id: number;
  mchid: string;
  refundId: string;
  outRefundNo: string;
  transactionRowId: number;
  transactionId: string;
  outTradeNo: string;
  reason: string | null;
  notifyUrl: string | null;
  refundFen: number;
  totalFen: number;
  currency: string;
  status: RefundStatus;
  requestHash: string;
  settleAt: Date;
  successTime: Date | null;
  createdAt: Date;
}

export interface SandboxNotification {
  id: number;
  eventId: string;
  mchid: string;
  eventType: string;
  outTradeNo: string;
  outRefundNo: string | null;
  notifyUrl: string;
  body: string;
  status: 'pending' | 'delivering' | 'delivered' | 'failed';
  attempts: number;
  nextAttemptAt: Date;
  claimToken: string | null;
  lastHttpStatus: number | null;
  lastError: string | null;
  duplicates: number;
  signProbe: boolean;
  probeHttpStatus: number | null;
  deliveredAt: Date | null;
}

type Row = Record<string, unknown>;
const n = (v: unknown) => Number(v);
const s = (v: unknown) => (v === null || v === undefined ? null : String(v));
const nn = (v: unknown) => (v === null || v === undefined ? null : Number(v));

function toTransaction(r: Row): SandboxTransaction {
  return {
    id: n(r.id),
    mchid: String(r.mchid),
    appid: String(r.appid),
    outTradeNo: String(r.out_trade_no),
    tradeType: r.trade_type as SandboxTransaction['tradeType'],
    tradeState: r.trade_state as TradeState,
    description: String(r.description),
    attach: s(r.attach),
    notifyUrl: String(r.notify_url),
    totalFen: n(r.total_fen),
    refundedFen: n(r.refunded_fen),
    currency: String(r.currency),
    payerOpenid: s(r.payer_openid),
    payerClientIp: s(r.payer_client_ip),
    timeExpire: toDateOrNull(r.time_expire),
    requestHash: String(r.request_hash),
    prepayId: String(r.prepay_id),
    payToken: String(r.pay_token),
    transactionId: s(r.transaction_id),
    bankType: s(r.bank_type),
    successTime: toDateOrNull(r.success_time),
    prepayExpiresAt: toDate(r.prepay_expires_at),
    createdAt: toDate(r.created_at),
  };
}

function toRefund(r: Row): SandboxRefund {
  return {
    id: n(r.id),
    mchid: String(r.mchid),
    refundId: String(r.refund_id),
    outRefundNo: String(r.out_refund_no),
    transactionRowId: n(r.transaction_row_id),
    transactionId: String(r.transaction_id),
    outTradeNo: String(r.out_trade_no),
    reason: s(r.reason),
    notifyUrl: s(r.notify_url),
    refundFen: n(r.refund_fen),
    totalFen: n(r.total_fen),
    currency: String(r.currency),
    status: r.status as RefundStatus,
    requestHash: String(r.request_hash),
    settleAt: toDate(r.settle_at),
    successTime: toDateOrNull(r.success_time),
    createdAt: toDate(r.created_at),
  };
}

function toNotification(r: Row): SandboxNotification {
  return {
    id: n(r.id),
    eventId: String(r.event_id),
    mchid: String(r.mchid),
    eventType: String(r.event_type),
    outTradeNo: String(r.out_trade_no),
    outRefundNo: s(r.out_refund_no),
    notifyUrl: String(r.notify_url),
    body: String(r.body),
    status: r.status as SandboxNotification['status'],
    attempts: n(r.attempts),
    nextAttemptAt: toDate(r.next_attempt_at),
    claimToken: s(r.claim_token),
    lastHttpStatus: nn(r.last_http_status),
    lastError: s(r.last_error),
    duplicates: n(r.duplicates),
    signProbe: Boolean(r.sign_probe),
    probeHttpStatus: nn(r.probe_http_status),
    deliveredAt: toDateOrNull(r.delivered_at),
  };
}

/** MySQL and SQLite name a unique-key violation differently. */
export function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return code === 'ER_DUP_ENTRY' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

export interface NewTransaction {
  mchid: string;
  appid: string;
  outTradeNo: string;
  tradeType: SandboxTransaction['tradeType'];
  description: string;
  attach: string | null;
  notifyUrl: string;
  totalFen: number;
  currency: string;
  payerOpenid: string | null;
  payerClientIp: string | null;
  timeExpire: Date | null;
  requestHash: string;
  prepayId: string;
  payToken: string;
  prepayExpiresAt: Date;
}

export function createSandboxRepository(db: Knex) {
  const tx = () => db(TX);
  return {
    async insertTransaction(t: NewTransaction, now: Date): Promise<void> {
      await tx().insert({
        mchid: t.mchid,
        appid: t.appid,
        out_trade_no: t.outTradeNo,
        trade_type: t.tradeType,
        trade_state: 'NOTPAY',
        description: t.description,
        attach: t.attach,
        notify_url: t.notifyUrl,
        total_fen: t.totalFen,
        refunded_fen: 0,
        currency: t.currency,
        payer_openid: t.payerOpenid,
        payer_client_ip: t.payerClientIp,
        time_expire: t.timeExpire,
        request_hash: t.requestHash,
        prepay_id: t.prepayId,
        pay_token: t.payToken,
        prepay_expires_at: t.prepayExpiresAt,
        created_at: now,
        updated_at: now,
      });
    },

    async transactionBy(where: Partial<Record<'mchid' | 'out_trade_no' | 'transaction_id' | 'pay_token' | 'prepay_id' | 'id', string | number>>) {
      const row = (await tx().where(where).first()) as Row | undefined;
      return row ? toTransaction(row) : null;
    },

    /** NOTPAY or PAYERROR → SUCCESS, once. */
    async markPaid(id: number, p: { transactionId: string; payerOpenid: string; successTime: Date }): Promise<boolean> {
      const moved = await tx()
        .where({ id })
        .whereIn('trade_state', ['NOTPAY', 'PAYERROR'])
        .update({ trade_state: 'SUCCESS', transaction_id: p.transactionId, payer_openid: p.payerOpenid, bank_type: 'OTHERS', success_time: p.successTime, updated_at: p.successTime });
      return moved === 1;
    },

    async markFailed(id: number, now: Date): Promise<boolean> {
      return (await tx().where({ id, trade_state: 'NOTPAY' }).update({ trade_state: 'PAYERROR', updated_at: now })) === 1;
    },

    async markClosed(id: number, now: Date): Promise<boolean> {
      return (await tx().where({ id }).whereIn('trade_state', ['NOTPAY', 'PAYERROR']).update({ trade_state: 'CLOSED', updated_at: now })) === 1;
    },

    /** Takes `fen` out of what is still refundable, atomically; false when not enough is left. */
    async reserveRefund(id: number, fen: number, now: Date): Promise<boolean> {
      const moved = await tx()
        .where({ id })
        .whereIn('trade_state', ['SUCCESS', 'REFUND'])
        .whereRaw('refunded_fen + ? <= total_fen', [fen])
        .update({ refunded_fen: db.raw('refunded_fen + ?', [fen]), trade_state: 'REFUND', updated_at: now });
      return moved === 1;
    },

    async releaseRefund(id: number, fen: number, now: Date): Promise<void> {
      await tx().where({ id }).update({ refunded_fen: db.raw('refunded_fen - ?', [fen]), updated_at: now });
    },

    async insertRefund(r: Omit<SandboxRefund, 'id' | 'status' | 'successTime' | 'createdAt'>, now: Date): Promise<void> {
      await db(REFUNDS).insert({
        mchid: r.mchid,
        refund_id: r.refundId,
        out_refund_no: r.outRefundNo,
        transaction_row_id: r.transactionRowId,
        transaction_id: r.transactionId,
        out_trade_no: r.outTradeNo,
        reason: r.reason,
        notify_url: r.notifyUrl,
        refund_fen: r.refundFen,
        total_fen: r.totalFen,
        currency: r.currency,
        status: 'PROCESSING',
        request_hash: r.requestHash,
        settle_at: r.settleAt,
        created_at: now,
        updated_at: now,
      });
    },

    async refundBy(mchid: string, outRefundNo: string): Promise<SandboxRefund | null> {
      const row = (await db(REFUNDS).where({ mchid, out_refund_no: outRefundNo }).first()) as Row | undefined;
      return row ? toRefund(row) : null;
    },

    async dueRefunds(now: Date, limit: number): Promise<SandboxRefund[]> {
      const rows = (await db(REFUNDS).where({ status: 'PROCESSING' }).andWhere('settle_at', '<=', now).orderBy('settle_at').limit(limit)) as Row[];
      return rows.map(toRefund);
    },

    /** PROCESSING → SUCCESS, once: the process that moves it sends the notification. */
    async settleRefund(id: number, now: Date): Promise<boolean> {
      return (await db(REFUNDS).where({ id, status: 'PROCESSING' }).update({ status: 'SUCCESS', success_time: now, updated_at: now })) === 1;
    },

    async insertNotification(
      x: { eventId: string; mchid: string; eventType: string; outTradeNo: string; outRefundNo: string | null; notifyUrl: string; body: string; nextAttemptAt: Date; duplicates: number; signProbe: boolean },
      now: Date,
    ): Promise<void> {
      await db(NOTIFICATIONS).insert({
        event_id: x.eventId,
        mchid: x.mchid,
        event_type: x.eventType,
        out_trade_no: x.outTradeNo,
        out_refund_no: x.outRefundNo,
        notify_url: x.notifyUrl,
        body: x.body,
        status: 'pending',
        attempts: 0,
        next_attempt_at: x.nextAttemptAt,
        duplicates: x.duplicates,
        sign_probe: x.signProbe,
        created_at: now,
        updated_at: now,
      });
    },

    /**
     * Claims due notifications: pending ones whose time has come, and deliveries whose lease ran out
     * (a process died mid-send). Each claim is a conditional update on the row as read, so of two
     * processes only one wins a given attempt.
     */
    async claimDueNotifications(now: Date, leaseUntil: Date, limit: number, claimToken: string): Promise<SandboxNotification[]> {
      const candidates = (await db(NOTIFICATIONS)
        .where((q) => q.where({ status: 'pending' }).andWhere('next_attempt_at', '<=', now))
        .orWhere((q) => q.where({ status: 'delivering' }).andWhere('claimed_until', '<', now))
        .orderBy('next_attempt_at')
        .limit(limit)
        .select('id', 'status', 'attempts')) as Row[];
      const claimed: SandboxNotification[] = [];
      for (const c of candidates) {
        const q = db(NOTIFICATIONS).where({ id: c.id, status: c.status, attempts: c.attempts });
        if (c.status === 'pending') q.andWhere('next_attempt_at', '<=', now);
        else q.andWhere('claimed_until', '<', now);
        const moved = await q.update({ status: 'delivering', claim_token: claimToken, claimed_until: leaseUntil, updated_at: now });
        if (moved === 1) {
          const row = (await db(NOTIFICATIONS).where({ id: c.id }).first()) as Row;
          claimed.push(toNotification(row));
        }
      }
      return claimed;
    },

    async recordProbe(id: number, claimToken: string, status: number | null): Promise<void> {
      await db(NOTIFICATIONS).where({ id, claim_token: claimToken }).update({ probe_http_status: status });
    },

    async finishAttempt(
      id: number,
      claimToken: string,
      r: { status: 'pending' | 'delivered' | 'failed'; attempts: number; nextAttemptAt: Date; httpStatus: number | null; error: string | null; now: Date },
    ): Promise<void> {
      await db(NOTIFICATIONS)
        .where({ id, claim_token: claimToken, status: 'delivering' })
        .update({
          status: r.status,
          attempts: r.attempts,
          next_attempt_at: r.nextAttemptAt,
          claim_token: null,
          claimed_until: null,
          last_http_status: r.httpStatus,
          last_error: r.error === null ? null : r.error.slice(0, 255),
          delivered_at: r.status === 'delivered' ? r.now : null,
          updated_at: r.now,
        });
    },

    async notificationsFor(outTradeNo: string): Promise<SandboxNotification[]> {
      const rows = (await db(NOTIFICATIONS).where({ out_trade_no: outTradeNo }).orderBy('id')) as Row[];
      return rows.map(toNotification);
    },
  };
}

export type SandboxRepository = ReturnType<typeof createSandboxRepository>;
