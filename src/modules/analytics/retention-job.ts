import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { Clock } from '../../platform/clock.js';
import { acquireLease } from '../../platform/jobs/lease.js';
import type { Logger } from '../../platform/logger.js';
import { beijingDate } from '../../platform/time.js';

const JOB = 'analytics-retention';
const CHUNK = 5000;

/**
 * Raw events older than the retention period are deleted, in chunks so no statement holds locks for
 * long, and so are the per-person daily rows; the anonymous daily counts stay for the long charts.
 * One process runs it at a time (the lease); a second run finds nothing left to do.
 */
export function createRetentionJob(deps: { db: Knex; clock: Clock; log: Logger; retentionDays: number; intervalMs: number }) {
  const owner = randomUUID();
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<unknown> | null = null;

  async function runOnce(): Promise<{ events: number; actors: number } | null> {
    const now = deps.clock.now();
    if (!(await acquireLease(deps.db, JOB, owner, Math.max(60_000, deps.intervalMs), now))) return null;
    const cutoff = new Date(now.getTime() - deps.retentionDays * 86_400_000);
    let events = 0;
    for (;;) {
      const ids = (await deps.db('analytics_events').where('occurred_at', '<', cutoff).orderBy('id').limit(CHUNK).pluck('id')).map(Number);
      if (ids.length === 0) break;
      events += await deps.db('analytics_events').whereIn('id', ids).delete();
    }
    const actors = await deps.db('analytics_daily_actors').where('day', '<', beijingDate(cutoff)).delete();
    if (events + actors > 0) deps.log.info({ event: 'analytics.retention.purged', events, actors, cutoff }, 'old analytics purged');
    return { events, actors };
  }

  return {
    runOnce,
    start() {
      timer ??= setInterval(() => {
        running ??= runOnce()
          .catch((err: unknown) => deps.log.warn({ err, event: 'analytics.retention.failed' }, 'retention run failed'))
          .finally(() => (running = null));
      }, deps.intervalMs);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = null;
      await running;
    },
  };
}
