import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import type { Clock } from '../../platform/clock.js';
import { everyInterval } from '../../platform/jobs/interval.js';
import { acquireLease } from '../../platform/jobs/lease.js';
import type { Logger } from '../../platform/logger.js';
import { daysLeft } from './membership.js';
import type { MembershipService } from './membership-service.js';

const JOB = 'commerce.renewal_reminders';
const DAY_MS = 86_400_000;

/**
 * Sends one renewal reminder through the Official Account's template message; returns its msgid.
 * `daysLeft` counts Beijing calendar days from today to the last day, as the banner does: 0 on the
 * last day itself (the 1-day reminder), 1 the day before.
 */
export type ReminderSender = (m: { openid: string; planName: string; endsAt: Date; daysLeft: number }) => Promise<string>;

/**
 * 7 days and 1 day before a membership ends, whichever process holds the lease sends the learner a
 * template message (when one is configured). Each reminder is claimed in membership_reminders
 * (unique per learner, plan, end and kind) before it is sent, so it goes once even when two
 * processes overlap; a learner who renewed has a later end and is not reminded of the old one.
 */
export function createRenewalReminders(deps: {
  db: Knex;
  clock: Clock;
  log: Logger;
  memberships: MembershipService;
  openidOf: (userId: number) => Promise<string | null>;
  send: ReminderSender | null;
  intervalMs: number;
}) {
  const owner = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  const repo = deps.memberships.repository;

  async function runOnce(): Promise<{ sent: number; skipped: number; failed: number }> {
    const tally = { sent: 0, skipped: 0, failed: 0 };
    const now = deps.clock.now();
    if (!(await acquireLease(deps.db, JOB, owner, Math.floor(deps.intervalMs * 1.8), now))) return tally;
    const due = await deps.memberships.endingWithin(7);
    for (const m of due) {
      const left = m.endsAt.getTime() - now.getTime();
      const kind = left <= DAY_MS ? '1d' : '7d';
      const key = { userId: m.userId, planId: m.plan.id, endsAt: m.endsAt, kind } as const;
      if (!(await repo.claimReminder(deps.db, { ...key, now }))) continue;
      const openid = await deps.openidOf(m.userId);
      if (!deps.send || !openid) {
        await repo.settleReminder(deps.db, { ...key, outcome: deps.send ? 'no_openid' : 'no_template', detail: '' });
        tally.skipped++;
        continue;
      }
      try {
        const msgid = await deps.send({ openid, planName: m.plan.name, endsAt: m.endsAt, daysLeft: daysLeft(m.endsAt, now) });
        await repo.settleReminder(deps.db, { ...key, outcome: 'sent', detail: `msgid ${msgid}` });
        tally.sent++;
      } catch (err) {
        // Not retried: the banner on every page still tells the learner, and a retry loop against a
        // refusing template (unsubscribed, quota) would only repeat the refusal.
        await repo.settleReminder(deps.db, { ...key, outcome: 'failed', detail: (err as Error).message });
        deps.log.warn({ event: 'commerce.reminder_failed', userId: m.userId, planId: m.plan.id, err }, 'renewal reminder not sent');
        tally.failed++;
      }
    }
    if (tally.sent + tally.failed > 0) deps.log.info({ event: 'commerce.reminders', ...tally }, 'renewal reminders');
    return tally;
  }

  const schedule = everyInterval(deps.intervalMs, runOnce, (err) => deps.log.warn({ event: 'commerce.reminders.failed', err }, 'renewal reminders failed'));
  return { runOnce, start: schedule.start, stop: schedule.stop };
}

export type RenewalReminders = ReturnType<typeof createRenewalReminders>;
