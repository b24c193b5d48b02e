import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import type { Clock } from '../../platform/clock.js';
import { everyInterval } from '../../platform/jobs/interval.js';
import { acquireLease } from '../../platform/jobs/lease.js';
import type { Logger } from '../../platform/logger.js';
import type { PaymentService } from './payment-service.js';

const JOB = 'payments.reconcile';

/**
 * Every interval, whichever process holds the lease asks WeChat about orders and refunds left open.
 * The lease lasts a little less than two intervals, so a crashed holder is replaced quickly while a
 * live one keeps it by renewing.
 */
export function createReconciler(deps: { db: Knex; clock: Clock; log: Logger; payments: PaymentService; intervalMs: number }) {
  const owner = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;

  async function runOnce(): Promise<boolean> {
    if (!(await acquireLease(deps.db, JOB, owner, Math.floor(deps.intervalMs * 1.8), deps.clock.now()))) return false;
    const done = await deps.payments.reconcile();
    if (done.orders + done.refunds > 0) deps.log.info({ event: 'payments.reconciled', ...done }, 'reconciliation pass');
    return true;
  }

  const schedule = everyInterval(deps.intervalMs, runOnce, (err) => deps.log.warn({ event: 'payments.reconcile.failed', err }, 'reconciliation failed'));
  return { runOnce, start: schedule.start, stop: schedule.stop };
}

export type Reconciler = ReturnType<typeof createReconciler>;
