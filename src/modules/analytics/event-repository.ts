import type { Knex } from 'knex';
import { insertIfAbsent } from '../../platform/db/index.js';
import { beijingDate } from '../../platform/time.js';
import type { AnalyticsEvent } from './event.js';

// One browser is one person before and after logging in: the visitor id comes first, so a course
// viewed, then viewed again after login, counts one viewer. Server-side events have only the user.
const actorOf = (e: { userId: number | null; visitorId: string | null }) => (e.visitorId ? `v:${e.visitorId}` : e.userId !== null ? `u:${e.userId}` : null);

/** A payment or a settled refund, as payments tells it (no browser behind it, always an order). */
const isMoneyEvent = (e: AnalyticsEvent): e is AnalyticsEvent & { orderId: number } => (e.type === 'order_paid' || e.type === 'refund') && e.orderId !== null;

/**
 * One key per payment and per settled refund, so the repair pass and a late batch never both count
 * one. The refund event is the order's n-th, written only while the order has fewer refund events
 * than settled refunds (null: nothing is missing, this one was written already).
 */
export async function moneyEventKey(trx: Knex, e: AnalyticsEvent & { orderId: number }): Promise<string | null> {
  if (e.type === 'order_paid') return `order_paid:${e.orderId}`;
  const count = async (q: Knex.QueryBuilder) => Number(((await q.count({ n: '*' }).first()) as { n: number | string } | undefined)?.n ?? 0);
  const settled = await count(trx('refunds').where({ order_id: e.orderId, status: 'succeeded' }));
  const recorded = await count(trx('analytics_events').where({ type: 'refund', order_id: e.orderId }));
  return recorded < settled ? `refund:${e.orderId}:${recorded + 1}` : null;
}

/** Writes batches of events and keeps the rollups and the visitors' touches current in the same transaction. */
export function createEventRepository() {
  return {
    async writeBatch(db: Knex, batch: AnalyticsEvent[]): Promise<void> {
      let events = batch;
      const codes = [...new Set(events.flatMap((e) => [e.touch.shareCode, e.firstTouch?.shareCode ?? null]).filter((c): c is string => c !== null))];
      await db.transaction(async (trx) => {
        const sharers = new Map<string, number>();
        if (codes.length > 0) for (const r of await trx('analytics_share_codes').whereIn('code', codes).select('code', 'user_id')) sharers.set(String(r.code), Number(r.user_id));
        const sharerOf = (code: string | null | undefined) => (code ? (sharers.get(code) ?? null) : null);
        const row = (e: AnalyticsEvent) => ({
          occurred_at: e.at,
          type: e.type,
          user_id: e.userId,
          visitor_id: e.visitorId,
          course_id: e.courseId,
          lesson_id: e.lessonId,
          order_id: e.orderId,
          source: e.touch.source,
          medium: e.touch.medium,
          campaign: e.touch.campaign,
          sharer_id: sharerOf(e.touch.shareCode),
          first_source: e.firstTouch?.source ?? null,
          first_sharer_id: sharerOf(e.firstTouch?.shareCode),
          ua_class: e.uaClass,
          referrer_class: e.referrerClass,
          path: e.path,
          dedupe_key: null as string | null,
        });
        const keyed = (e: AnalyticsEvent) => isMoneyEvent(e) || e.dedupeKey !== undefined;
        const plain = events.filter((e) => !keyed(e));
        // Multi-row inserts, in chunks SQLite's variable limit allows.
        for (let i = 0; i < plain.length; i += 50) await trx('analytics_events').insert(plain.slice(i, i + 50).map(row));
        // A money event may also have been written by the repair pass (or by this batch before a
        // retry): only the first copy counts, here and in the rollups below.
        const written = [...plain];
        for (const e of events.filter(keyed)) {
          const dedupeKey = e.dedupeKey ?? (isMoneyEvent(e) ? await moneyEventKey(trx, e) : null);
          if (dedupeKey !== null && (await insertIfAbsent(trx, 'analytics_events', { ...row(e), dedupe_key: dedupeKey }, ['dedupe_key']))) written.push(e);
        }
        events = written;

        const counts = new Map<string, { day: string; type: string; source: string; course_id: number; events: number }>();
        const actors = new Map<string, { day: string; type: string; course_id: number; actor: string }>();
        for (const e of events) {
          const day = beijingDate(e.at);
          // A visit is counted by its source once; every other event under the source it came with.
          const type = e.isTouch ? 'visit' : e.type;
          for (const t of e.isTouch ? ['visit', e.type] : [type]) {
            const key = `${day}|${t}|${e.touch.source}|${e.courseId ?? 0}`;
            const c = counts.get(key) ?? { day, type: t, source: e.touch.source, course_id: e.courseId ?? 0, events: 0 };
            c.events += 1;
            counts.set(key, c);
          }
          const actor = actorOf(e);
          if (actor) actors.set(`${day}|${e.type}|${e.courseId ?? 0}|${actor}`, { day, type: e.type, course_id: e.courseId ?? 0, actor });
        }
        for (const c of counts.values()) {
          await trx('analytics_daily')
            .insert(c)
            .onConflict(['day', 'type', 'source', 'course_id'])
            .merge({ events: trx.raw('?? + ?', ['analytics_daily.events', c.events]) });
        }
        const actorRows = [...actors.values()];
        for (let i = 0; i < actorRows.length; i += 100) await trx('analytics_daily_actors').insert(actorRows.slice(i, i + 100)).onConflict(['day', 'type', 'course_id', 'actor']).ignore();

        // The browser's account, once it is known (login), so 我的数据 can find its touches.
        const seen = new Map(events.filter((x) => x.visitorId && x.userId !== null).map((x) => [x.visitorId!, x.userId!]));
        for (const [visitorId, userId] of seen) await trx('analytics_visitors').where({ visitor_id: visitorId }).update({ user_id: userId });
        for (const e of events.filter((x) => x.isTouch && x.visitorId)) {
          const last = { last_source: e.touch.source, last_medium: e.touch.medium, last_sharer_id: sharerOf(e.touch.shareCode), last_at: e.touch.at };
          const first = e.firstTouch ?? e.touch;
          await trx('analytics_visitors')
            .insert({ visitor_id: e.visitorId, user_id: e.userId, first_source: first.source, first_medium: first.medium, first_sharer_id: sharerOf(first.shareCode), first_at: first.at, ...last })
            .onConflict('visitor_id')
            .merge({ ...last, ...(e.userId !== null ? { user_id: e.userId } : {}) });
        }
      });
    },
  };
}
