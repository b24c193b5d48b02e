// Commerce for tests that build a payment service by hand: the real coupons and memberships.
import type { Knex } from 'knex';
import type { AuditService } from '../../src/modules/audit/index.js';
import { createCommerce } from '../../src/modules/commerce/index.js';
import type { Clock } from '../../src/platform/clock.js';
import type { Logger } from '../../src/platform/logger.js';

export function realPricing(db: Knex, clock: Clock, log: Logger, audit: AuditService) {
  return createCommerce({ db, clock, log, audit, openidOf: async () => null, sendReminder: null, reminderIntervalMs: 60_000 }).pricing;
}
