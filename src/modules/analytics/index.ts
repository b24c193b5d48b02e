// Analytics: behaviour events (written in batches off the request path), attribution to the
// Official Account and share links, the creator's dashboard, and retention of raw events. Owns
// analytics_* tables; reads orders, refunds, access, progress and feedback for its reports.
import type { Knex } from 'knex';
import type { Clock } from '../../platform/clock.js';
import type { Logger } from '../../platform/logger.js';
import { createDashboard } from './dashboard-service.js';
import { serverEvent, type EventRefs, type EventSink, type EventType } from './event.js';
import { createMoneyEventRepair } from './money-event-repair.js';
import { createEventBuffer, type BufferOptions } from './event-buffer.js';
import { trackingContext } from './request-context.js';
import { createRetentionJob } from './retention-job.js';
import { createShareCodes } from './share-codes.js';
import { analyticsRoutes } from './analytics-routes.js';

export type { EventSink, EventType, EventRefs } from './event.js';
export { parseRange, FUNNEL_STEPS, type DashboardReport, type Granularity } from './dashboard-service.js';
export { barChart, rowChart } from './svg-chart.js';
export { TRACKING_COOKIES } from './request-context.js';
export { createAnalyticsPrivacy } from './analytics-privacy.js';

export function createAnalytics(deps: {
  db: Knex;
  clock: Clock;
  log: Logger;
  secureCookies: boolean;
  buffer: BufferOptions;
  retentionDays: number;
}) {
  const buffer = createEventBuffer({ db: deps.db, log: deps.log, options: deps.buffer });
  const retention = createRetentionJob({ db: deps.db, clock: deps.clock, log: deps.log, retentionDays: deps.retentionDays, intervalMs: 6 * 3600_000 });
  // Rebuilt from orders and refunds for a week at most, and never past half the retention, so a
  // purged event is not written again.
  const moneyRepair = createMoneyEventRepair({ db: deps.db, clock: deps.clock, log: deps.log, write: (events) => buffer.write(events), windowMs: Math.min(7 * 86_400_000, (deps.retentionDays * 86_400_000) / 2), intervalMs: 60_000 });
  /** Events with no learner's request behind them: a payment notification, a refund settling. */
  const sink: EventSink = {
    track(type: EventType, refs: EventRefs) {
      buffer.push(serverEvent(type, refs, deps.clock.now()));
    },
  };
  return {
    context: trackingContext({ clock: deps.clock, secure: deps.secureCookies, push: (e) => buffer.push(e) }),
    sink,
    buffer,
    retention,
    moneyRepair,
    shareCodes: createShareCodes(deps),
    routes: () => analyticsRoutes(),
    dashboard: createDashboard(deps),
    jobs: {
      start() {
        buffer.start();
        retention.start();
        moneyRepair.start();
      },
      async stop() {
        await retention.stop();
        await moneyRepair.stop();
        await buffer.stop();
      },
    },
  };
}

export type Analytics = ReturnType<typeof createAnalytics>;
