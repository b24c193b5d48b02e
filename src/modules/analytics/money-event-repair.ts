import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { Clock } from '../../platform/clock.js';
import { toDate } from '../../platform/db/index.js';
import { acquireLease } from '../../platform/jobs/lease.js';
import type { Logger } from '../../platform/logger.js';
import { serverEvent, type AnalyticsEvent } from './event.js';

const JOB = 'analytics-money-repair';
const CHUNK = 500;
/** Longer than a batch waits in memory (ANALYTICS_FLUSH_MS) and a write takes. */
const CREATED_SETTLE_MS = 15_000;

type Row = Record<string, unknown>;

/**
 * Payments tells analytics about a payment or a settled refund after its commit, and the event waits
 * in that process's memory for the next batch: a process killed in between (SIGKILL, a crash, the
 * OOM killer) loses it, though the money moved. The same goes for a checkout's order_created. This
 * pass rebuilds what is missing from orders and refunds (read, never written) for the last
 * `windowMs`, and writes it through the same batch writer, whose keys (`order_paid:<order>`,
 * `refund:<order>:<n>`) keep one event per payment and per refund however the repair and a late
 * batch interleave. A checkout's own order_created has no key (a learner back at an open order
 * records it again, and reports count each order once); a rebuilt one has `order_created:<order>`,
 * so it is written once, and reports take the real one first when a late batch brings it after all.
 * One process at a time (the lease).
 */
export function createMoneyEventRepair(deps: { db: Knex; clock: Clock; log: Logger; write: (events: AnalyticsEvent[]) => Promise<void>; windowMs: number; intervalMs: number }) {
  const { db } = deps;
  const owner = randomUUID();
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<unknown> | null = null;

  /** How many events of `type` each of these orders already has (legacy rows without a key included). */
  async function recorded(type: 'order_created' | 'order_paid' | 'refund', orderIds: number[], since: Date): Promise<Map<number, number>> {
    const out = new Map<number, number>();
    for (let i = 0; i < orderIds.length; i += CHUNK) {
      const rows = (await db('analytics_events')
        .where({ type })
        .where('occurred_at', '>=', new Date(since.getTime() - 86_400_000))
        .whereIn('order_id', orderIds.slice(i, i + CHUNK))
        .groupBy('order_id')
        .select('order_id', db.raw('count(*) as n'))) as Row[];
      for (const r of rows) out.set(Number(r.order_id), Number(r.n));
    }
    return out;
  }

  async function runOnce(): Promise<{ payments: number; refunds: number; orders: number } | null> {
    const now = deps.clock.now();
    if (!(await acquireLease(db, JOB, owner, Math.floor(deps.intervalMs * 0.9), now))) return null;
    const since = new Date(now.getTime() - deps.windowMs);
    // First payments only, as payments tells them: a flagged order (a second payment, one WeChat
    // reported already refunded) never had an order_paid.
    const paid = (await db('orders').whereIn('status', ['paid', 'refunding', 'refunded']).whereNull('flag').where('paid_at', '>=', since).select('id', 'user_id', 'course_id', 'paid_at')) as Row[];
    const havePaid = await recorded('order_paid', paid.map((o) => Number(o.id)), since);
    const missing: AnalyticsEvent[] = paid
      .filter((o) => !havePaid.has(Number(o.id)))
      .map((o) => serverEvent('order_paid', { userId: o.user_id === null ? null : Number(o.user_id), courseId: o.course_id === null ? null : Number(o.course_id), orderId: Number(o.id) }, toDate(o.paid_at)));

    // A checkout's order_created waits in memory like the rest; an order with none at all (its
    // process died first) gets one, marked as from no campaign, since the request's touch is gone.
    // Orders of the last few seconds may still be in a live process's next batch: they wait a pass.
    const created = (await db('orders').where('created_at', '>=', since).where('created_at', '<', new Date(now.getTime() - CREATED_SETTLE_MS)).select('id', 'user_id', 'course_id', 'created_at')) as Row[];
    const haveCreated = await recorded('order_created', created.map((o) => Number(o.id)), since);
    const orders = created.filter((o) => !haveCreated.has(Number(o.id)));
    missing.push(...orders.map((o) => ({ ...serverEvent('order_created', { userId: Number(o.user_id), courseId: o.course_id === null ? null : Number(o.course_id), orderId: Number(o.id) }, toDate(o.created_at)), dedupeKey: `order_created:${String(o.id)}` })));

    const settled = (await db('refunds as r').join('orders as o', 'o.id', 'r.order_id').where('r.status', 'succeeded').where('r.succeeded_at', '>=', since).orderBy('r.succeeded_at').select('r.order_id', 'r.succeeded_at', 'o.user_id', 'o.course_id')) as Row[];
    const haveRefunds = await recorded('refund', [...new Set(settled.map((r) => Number(r.order_id)))], since);
    let refunds = 0;
    for (const r of settled) {
      const orderId = Number(r.order_id);
      const left = haveRefunds.get(orderId) ?? 0;
      if (left > 0) {
        haveRefunds.set(orderId, left - 1);
        continue;
      }
      refunds += 1;
      missing.push(serverEvent('refund', { userId: r.user_id === null ? null : Number(r.user_id), courseId: r.course_id === null ? null : Number(r.course_id), orderId }, toDate(r.succeeded_at)));
    }
    const payments = missing.length - orders.length - refunds;
    if (missing.length === 0) return { payments, refunds, orders: 0 };
    for (let i = 0; i < missing.length; i += CHUNK) await deps.write(missing.slice(i, i + CHUNK));
    deps.log.warn({ event: 'analytics.money_events.repaired', payments, refunds, orders: orders.length }, 'order, payment and refund events rebuilt from orders and refunds');
    return { payments, refunds, orders: orders.length };
  }

  const kick = () => {
    running ??= runOnce()
      .catch((err: unknown) => deps.log.warn({ err, event: 'analytics.money_events.repair_failed' }, 'money event repair failed'))
      .finally(() => (running = null));
  };

  return {
    runOnce,
    /** A pass at once (a restarted process repairs what its previous life lost), then every interval. */
    start() {
      if (timer) return;
      kick();
      timer = setInterval(kick, deps.intervalMs);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = null;
      await running;
    },
  };
}
