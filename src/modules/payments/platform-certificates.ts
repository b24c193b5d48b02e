import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import type { Clock } from '../../platform/clock.js';
import { insertIfAbsent } from '../../platform/db/index.js';
import { acquireLease } from '../../platform/jobs/lease.js';
import type { Logger } from '../../platform/logger.js';
import type { WechatPayKeyring } from './wechatpay-crypto.js';

const LEASE = 'payments.platform_certificates';
/** At most one download per this long across all processes, however many unknown serials arrive. */
const MIN_INTERVAL_MS = 10_000;
const MAX_BACKOFF_MS = 600_000;
/** A proactive refresh picks up a rotated certificate during WeChat's overlap, before it signs anything. */
const REFRESH_AFTER_MS = 12 * 3600_000;

export interface DownloadedCertificate {
  serial: string;
  pem: string;
  expiresAt: Date | null;
}

/**
 * Certificate mode's platform certificates, kept in the database for every process. An unknown
 * serial (a rotation, or a fresh process) first rereads the table, since another process may have
 * downloaded it; only then does one process, under a lease that doubles as the rate limit and as
 * the backoff after a failure, download /v3/certificates again. A serial still unknown after that is
 * remembered for 10 s, so a flood of forged serials touches the database once per serial.
 */
export function createPlatformCertificates(deps: { db: Knex; clock: Clock; log: Logger; keyring: WechatPayKeyring; download: () => Promise<DownloadedCertificate[]> }) {
  const { db, clock, log, keyring } = deps;
  let backoffMs = MIN_INTERVAL_MS;
  const misses = new Map<string, number>();
  let lastDownloadAt = 0;

  async function loadStored(): Promise<void> {
    const rows: { pem: string }[] = await db('wechatpay_platform_certificates').select('pem');
    for (const r of rows) keyring.addCertificate(r.pem);
  }

  async function download(): Promise<boolean> {
    const now = clock.now();
    // A fresh owner each time: the lease is taken only once it has expired, even by this process.
    if (!(await acquireLease(db, LEASE, `dl-${randomBytes(6).toString('hex')}`, backoffMs, now))) return false;
    try {
      const certificates = await deps.download();
      for (const c of certificates) {
        await insertIfAbsent(db, 'wechatpay_platform_certificates', { serial_no: c.serial, pem: c.pem, expires_at: c.expiresAt, fetched_at: now }, ['serial_no']);
        keyring.addCertificate(c.pem);
      }
      backoffMs = MIN_INTERVAL_MS;
      lastDownloadAt = now.getTime();
      log.info({ event: 'payments.certificates_downloaded', serials: certificates.map((c) => c.serial) }, 'platform certificates downloaded');
      return true;
    } catch (err) {
      // The lease already holds off the next attempt for backoffMs; the one after waits twice as long.
      backoffMs = Math.min(backoffMs * 2, MAX_BACKOFF_MS);
      log.error({ event: 'payments.certificates_failed', err }, 'could not download the platform certificates');
      return false;
    }
  }

  return {
    /** Whether the key for `serial` is known, after rereading the table and, if need be, downloading. */
    async ensure(serial: string): Promise<boolean> {
      if (keyring.get(serial)) return true;
      // A serial looked for and not found stays unknown here for a while: no table read, no lease write.
      const missedAt = misses.get(serial);
      if (missedAt !== undefined && clock.now().getTime() - missedAt < MIN_INTERVAL_MS) return false;
      await loadStored();
      if (keyring.get(serial)) return true;
      // Another process holding the lease is downloading (or just did): this one answers "unknown"
      // now rather than wait, and WeChat's retry or the next request finds the stored certificate.
      await download();
      if (keyring.get(serial)) return true;
      if (misses.size > 1000) misses.clear();
      misses.set(serial, clock.now().getTime());
      return false;
    },

    /** Reconciliation's periodic refresh; a no-op while the last download is recent. */
    async refreshIfStale(): Promise<void> {
      if (clock.now().getTime() - lastDownloadAt >= REFRESH_AFTER_MS) await download();
    },
  };
}

export type PlatformCertificates = ReturnType<typeof createPlatformCertificates>;
