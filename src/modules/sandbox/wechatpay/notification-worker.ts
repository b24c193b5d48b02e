import { randomBytes, randomUUID } from 'node:crypto';
import type { Clock } from '../../../platform/clock.js';
import type { Logger } from '../../../platform/logger.js';
import type { ResolvedSandboxConfig } from './sandbox-config.js';
import { SIGNATURE_TYPE, SIGN_PROBE_PREFIX, randomAlphanumeric, randomHex, responseSigningMessage, signSha256WithRsa } from './sandbox-crypto.js';
import type { SandboxNotification } from './sandbox-repository.js';
import type { SandboxService } from './sandbox-service.js';

/** WeChat's retry schedule after a failed or timed-out delivery (15 retries at most). */
export const RETRY_SCHEDULE_MS = [15, 15, 30, 180, 600, 1200, 1800, 1800, 1800, 3600, 10800, 10800, 10800, 21600, 21600].map((s) => s * 1000);

const CLAIM_BATCH = 10;

export interface NotificationWorker {
  start(): void;
  stop(): Promise<void>;
  /** One pass: settle due refunds, deliver due notifications. Safe to call while started. */
  tick(): Promise<void>;
  /** Asks for a pass soon (after a notification was queued). */
  kick(): void;
}

export function createNotificationWorker(deps: { service: SandboxService; clock: Clock; logger: Logger; config: ResolvedSandboxConfig }): NotificationWorker {
  const { service, clock, logger, config } = deps;
  const repo = service.repo;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;
  let again = false;
  let started = false;

  function signedHeaders(body: string, probe: boolean): Record<string, string> {
    const timestamp = String(Math.floor(clock.now().getTime() / 1000));
    const nonce = randomAlphanumeric(32);
    const signer = config.signer.current();
    const signature = probe
      ? `${SIGN_PROBE_PREFIX}${randomBytes(48).toString('base64')}`
      : signSha256WithRsa(responseSigningMessage(timestamp, nonce, body), signer.key);
    return {
      'Content-Type': 'application/json',
      'User-Agent': 'Mozilla/4.0 (WeChat Pay sandbox)',
      'Request-ID': randomHex(16),
      'Wechatpay-Timestamp': timestamp,
      'Wechatpay-Nonce': nonce,
      'Wechatpay-Signature': signature,
      'Wechatpay-Serial': signer.serial,
      'Wechatpay-Signature-Type': SIGNATURE_TYPE,
    };
  }

  /** Success means 200 or 204 within the timeout, as WeChat counts it. */
  async function post(url: string, body: string, probe = false): Promise<{ ok: boolean; status: number | null; error: string | null }> {
    try {
      const res = await fetch(url, { method: 'POST', headers: signedHeaders(body, probe), body, redirect: 'manual', signal: AbortSignal.timeout(config.notifyTimeoutMs) });
      await res.arrayBuffer();
      return { ok: res.status === 200 || res.status === 204, status: res.status, error: null };
    } catch (err) {
      return { ok: false, status: null, error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) };
    }
  }

  async function deliver(n: SandboxNotification, claimToken: string): Promise<void> {
    const log = { eventId: n.eventId, eventType: n.eventType, outTradeNo: n.outTradeNo, attempt: n.attempts + 1 };
    if (n.signProbe && n.attempts === 0) {
      const probe = await post(n.notifyUrl, n.body, true);
      await repo.recordProbe(n.id, claimToken, probe.status);
      if (probe.ok) logger.warn({ event: 'sandbox.wechatpay.sign_probe_accepted', ...log }, 'the merchant accepted a WECHATPAY/SIGNTEST/ probe: its signature check is broken');
    }
    const r = await post(n.notifyUrl, n.body);
    const now = clock.now();
    const attempts = n.attempts + 1;
    if (r.ok) {
      await repo.finishAttempt(n.id, claimToken, { status: 'delivered', attempts, nextAttemptAt: n.nextAttemptAt, httpStatus: r.status, error: null, now });
      logger.info({ event: 'sandbox.wechatpay.notification_delivered', ...log }, 'notification delivered');
      if (n.duplicates > 0) await Promise.all(Array.from({ length: n.duplicates }, () => post(n.notifyUrl, n.body)));
      return;
    }
    const retryIn = RETRY_SCHEDULE_MS[attempts - 1];
    const giveUp = retryIn === undefined;
    await repo.finishAttempt(n.id, claimToken, {
      status: giveUp ? 'failed' : 'pending',
      attempts,
      nextAttemptAt: giveUp ? now : new Date(now.getTime() + retryIn / config.timeScale),
      httpStatus: r.status,
      error: r.error,
      now,
    });
    logger.warn({ event: giveUp ? 'sandbox.wechatpay.notification_abandoned' : 'sandbox.wechatpay.notification_retry', ...log, httpStatus: r.status, error: r.error }, 'notification not accepted');
  }

  async function pass(): Promise<void> {
    await service.settleDueRefunds();
    const now = clock.now();
    const claimToken = randomUUID();
    const leaseUntil = new Date(now.getTime() + config.notifyTimeoutMs * 2 + 10_000);
    const claimed = await repo.claimDueNotifications(now, leaseUntil, CLAIM_BATCH, claimToken);
    await Promise.all(claimed.map((n) => deliver(n, claimToken)));
    if (claimed.length === CLAIM_BATCH) again = true;
  }

  async function tick(): Promise<void> {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      try {
        do {
          again = false;
          await pass();
        } while (again && started);
      } catch (err) {
        logger.error({ err, event: 'sandbox.wechatpay.worker_failed' }, 'sandbox notification worker pass failed');
      } finally {
        running = null;
      }
    })();
    return running;
  }

  return {
    tick,
    kick() {
      if (started) setImmediate(() => void tick());
    },
    start() {
      if (timer) return;
      started = true;
      timer = setInterval(() => void tick(), config.pollIntervalMs);
      timer.unref();
    },
    async stop() {
      started = false;
      if (timer) clearInterval(timer);
      timer = null;
      if (running) await running;
    },
  };
}
