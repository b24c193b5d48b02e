import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRetentionJob } from '../../../src/modules/analytics/retention-job.js';
import { createLogger } from '../../../src/platform/logger.js';
import { fixedClock } from '../../../src/platform/clock.js';
import { startTestApp, type TestApp } from '../../support/test-app.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => t.close());

const event = (occurredAt: Date, type = 'page_view') => ({ occurred_at: occurredAt, type, source: 'direct', ua_class: 'desktop', referrer_class: 'none' });

describe('retention of raw events', () => {
  it('purges only events older than the retention period, and the per-person daily rows with them, once per lease', async () => {
    const now = new Date('2026-12-10T04:00:00Z');
    const day = 86_400_000;
    await t.db('analytics_events').insert([event(new Date(now.getTime() - 181 * day)), event(new Date(now.getTime() - 200 * day)), event(new Date(now.getTime() - 179 * day)), event(now)]);
    await t.db('analytics_daily_actors').insert([
      { day: '2026-05-01', type: 'course_view', course_id: 1, actor: 'u:1' },
      { day: '2026-12-01', type: 'course_view', course_id: 1, actor: 'u:1' },
    ]);
    await t.db('analytics_daily').insert({ day: '2026-05-01', type: 'visit', source: 'menu', course_id: 0, events: 3 });
    const job = () => createRetentionJob({ db: t.db, clock: fixedClock(now), log: createLogger('silent'), retentionDays: 180, intervalMs: 60_000 });

    const first = job();
    const result = await first.runOnce();
    const second = await job().runOnce();

    expect(result).toEqual({ events: 2, actors: 1 });
    expect(second).toBeNull();
    expect(await t.db('analytics_events').count({ n: '*' }).first()).toMatchObject({ n: 2 });
    expect(await t.db('analytics_daily_actors').pluck('day')).toEqual(['2026-12-01']);
    expect(await t.db('analytics_daily').where({ day: '2026-05-01' })).toHaveLength(1);
    expect(await first.runOnce()).toEqual({ events: 0, actors: 0 });
  });
});

describe('a full event buffer', () => {
  it('drops what does not fit, counts it, and writes the rest', async () => {
    const { createEventBuffer } = await import('../../../src/modules/analytics/event-buffer.js');
    const buffer = createEventBuffer({ db: t.db, log: createLogger('silent'), options: { batchSize: 100, flushMs: 3_600_000, maxBuffered: 2 } });
    const e = { type: 'page_view' as const, at: new Date(), userId: null, visitorId: 'bufferfullvisitor1', courseId: null, lessonId: null, orderId: null, touch: { source: 'direct' as const, medium: null, campaign: null, shareCode: null, at: new Date() }, firstTouch: null, isTouch: false, uaClass: 'desktop' as const, referrerClass: 'none' as const, path: '/' };

    for (let i = 0; i < 3; i++) buffer.push(e);
    await buffer.stop();

    expect(buffer.stats()).toEqual({ waiting: 0, written: 2, dropped: 1 });
    expect(await t.db('analytics_events').where({ visitor_id: 'bufferfullvisitor1' })).toHaveLength(2);
  });
});
