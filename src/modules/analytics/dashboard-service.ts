import type { Knex } from 'knex';
import type { Clock } from '../../platform/clock.js';
import { beijingDate, beijingDayStart } from '../../platform/time.js';
import { SOURCE_LABELS, type Source } from './event.js';
import { createReportRepository, type LearnerCourse, type Range } from './report-repository.js';
import { SEGMENTS, segmentOf, type LearnerActivity, type Segment } from './segments.js';

export type Granularity = 'day' | 'week' | 'month';
const DAY = 86_400_000;
export const MAX_RANGE_DAYS = 366;
const SEGMENT_LIST = 50;

/** A Beijing-day range from the filter form, or why it cannot be used (then the last 30 days). */
export function parseRange(from: string, to: string, now: Date): { range: Range; problem: string | null } {
  const today = beijingDate(now);
  const fallback = (problem: string | null) => {
    const fromDay = beijingDate(new Date(beijingDayStart(today).getTime() - 29 * DAY));
    return { range: { from: beijingDayStart(fromDay), until: beijingDayStart(today, 1), fromDay, toDay: today }, problem };
  };
  if (from === '' && to === '') return fallback(null);
  // Only a start: up to today. Only an end: the 30 days up to it.
  const toDay = to || today;
  const t = beijingDayStart(toDay);
  const fromDay = from || (Number.isNaN(t.getTime()) ? '' : beijingDate(new Date(t.getTime() - 29 * DAY)));
  const f = beijingDayStart(fromDay);
  if (Number.isNaN(f.getTime()) || Number.isNaN(t.getTime())) return fallback('日期格式应为 2026-12-01，已显示最近 30 天');
  if (t < f) return fallback('结束日期早于开始日期，已显示最近 30 天');
  if ((t.getTime() - f.getTime()) / DAY >= MAX_RANGE_DAYS) {
    // Too long: the last MAX_RANGE_DAYS days up to the end asked for, and say so.
    const start = beijingDate(new Date(t.getTime() - (MAX_RANGE_DAYS - 1) * DAY));
    return { range: { from: beijingDayStart(start), until: new Date(t.getTime() + DAY), fromDay: start, toDay }, problem: `时间范围最长 ${MAX_RANGE_DAYS} 天，已显示 ${start} 至 ${toDay}` };
  }
  return { range: { from: f, until: new Date(t.getTime() + DAY), fromDay, toDay }, problem: null };
}

/** The bucket a Beijing day falls in: itself, the Monday of its week, or its month. */
export function bucketOf(day: string, by: Granularity): string {
  if (by === 'day') return day;
  if (by === 'month') return day.slice(0, 7);
  const start = beijingDayStart(day);
  const weekday = (new Date(start.getTime() + 8 * 3600_000).getUTCDay() + 6) % 7; // Monday 0
  return beijingDate(new Date(start.getTime() - weekday * DAY));
}

/** The buckets of a range in order, each with the label a person reads: a week by its first day in the range. */
function bucketsBetween(r: Range, by: Granularity): { key: string; label: string }[] {
  const out: { key: string; label: string }[] = [];
  for (let t = r.from.getTime(); t < r.until.getTime(); t += DAY) {
    const day = beijingDate(new Date(t));
    const key = bucketOf(day, by);
    if (out[out.length - 1]?.key !== key) out.push({ key, label: by === 'week' ? day : key });
  }
  return out;
}

const pct = (n: number, d: number) => (d === 0 ? 0 : Math.round((n / d) * 1000) / 10);

/**
 * The creator's dashboard: revenue net of refunds (courses and memberships), the funnel, engagement and drop-off, traffic
 * sources and sharers, top courses, feedback activity and learner segments, for a Beijing-day range.
 * Events come from this module's rollups; money, access and progress from their owners' tables.
 */
export function createDashboard(deps: { db: Knex; clock: Clock }) {
  const repo = createReportRepository();

  function activities(live: { userId: number; courseId: number; since: Date }[], progress: LearnerCourse[], lessons: Map<number, number>): LearnerActivity[] {
    const byUser = new Map<number, LearnerActivity & { lessons: number; done: number }>();
    const prog = new Map(progress.map((p) => [`${p.userId}:${p.courseId}`, p]));
    for (const g of live) {
      const a = byUser.get(g.userId) ?? { userId: g.userId, since: g.since, lastActive: null, seconds: 0, completion: 0, courses: 0, lessons: 0, done: 0 };
      if (g.since < a.since) a.since = g.since;
      const p = prog.get(`${g.userId}:${g.courseId}`);
      if (p) {
        a.seconds += p.seconds;
        a.done += p.done;
        if (p.lastActive && (!a.lastActive || p.lastActive > a.lastActive)) a.lastActive = p.lastActive;
      }
      a.lessons += lessons.get(g.courseId) ?? 0;
      a.courses += 1;
      byUser.set(g.userId, a);
    }
    return [...byUser.values()].map((a) => ({ ...a, completion: a.lessons === 0 ? 0 : a.done / a.lessons }));
  }

  return {
    async report(range: Range, opts: { by: Granularity; courseId: number | null }) {
      const db = deps.db;
      const now = deps.clock.now();
      const [paid, refunds, created, free, viewers, daily, orderSources, sharerVisitors, progress, live, lessons, courses, feedback, ratings, planNames] = await Promise.all([
        repo.paidOrders(db, range),
        repo.refunds(db, range),
        repo.ordersCreated(db, range),
        repo.freeEnrolments(db, range),
        repo.distinctActors(db, 'course_view', range),
        repo.countsBySource(db, ['visit'], range),
        repo.orderSources(db, range),
        repo.sharerVisitors(db, range),
        repo.progress(db),
        repo.liveLearners(db),
        repo.lessonCounts(db),
        repo.courses(db),
        repo.feedbackActivity(db, range),
        repo.ratingAverages(db),
        repo.planNames(db),
      ]);

      // Revenue: payments on the Beijing day they were paid, refunds on the day they settled. A payment
      // counts what was actually paid (amount_fen: the list price less any coupon), memberships
      // included; a 100%-off coupon order is a paid order that adds nothing.
      const buckets = bucketsBetween(range, opts.by);
      const rev = new Map(buckets.map((b) => [b.key, { label: b.label, grossFen: 0, refundFen: 0, netFen: 0, orders: 0 }]));
      for (const o of paid) {
        const b = rev.get(bucketOf(beijingDate(o.at), opts.by));
        if (b) {
          b.grossFen += o.amountFen;
          b.orders += 1;
        }
      }
      for (const r of refunds) {
        const b = rev.get(bucketOf(beijingDate(r.at), opts.by));
        if (b) b.refundFen += r.amountFen;
      }
      for (const b of rev.values()) b.netFen = b.grossFen - b.refundFen;
      const revenue = [...rev.values()];
      const totals = revenue.reduce((t, b) => ({ grossFen: t.grossFen + b.grossFen, refundFen: t.refundFen + b.refundFen, netFen: t.netFen + b.netFen, orders: t.orders + b.orders }), { grossFen: 0, refundFen: 0, netFen: 0, orders: 0 });
      // What coupons took off the list price of the orders paid in the range (not revenue: shown beside it).
      let discountFen = 0;
      for (const o of paid) discountFen += o.discountFen;

      // Funnel per course: viewers → ordered → paid (or joined free) → started → completed.
      // A membership order buys no course: it is in the revenue and order counts, not in a course's funnel.
      const distinct = (rows: { userId: number; courseId: number | null }[]) => {
        const m = new Map<number, Set<number>>();
        for (const r of rows) if (r.courseId !== null) m.set(r.courseId, (m.get(r.courseId) ?? new Set()).add(r.userId));
        return m;
      };
      const ordered = distinct([...created, ...free]);
      const payers = distinct([...paid, ...free]);
      const progressOf = new Map(progress.map((p) => [`${p.userId}:${p.courseId}`, p]));
      const funnel = courses.map((c) => {
        const cohort = [...(payers.get(c.id) ?? [])];
        const started = cohort.filter((u) => (progressOf.get(`${u}:${c.id}`)?.opened ?? 0) > 0).length;
        const total = lessons.get(c.id) ?? 0;
        const completed = cohort.filter((u) => total > 0 && (progressOf.get(`${u}:${c.id}`)?.done ?? 0) >= total).length;
        return { courseId: c.id, title: c.title, steps: [viewers.get(c.id) ?? 0, ordered.get(c.id)?.size ?? 0, cohort.length, started, completed] };
      });
      const overall = [0, 1, 2, 3, 4].map((i) => funnel.reduce((s, f) => s + f.steps[i]!, 0));

      // Engagement per course over everyone who may study it now.
      const learnersOf = new Map<number, number[]>();
      for (const g of live) {
        const list = learnersOf.get(g.courseId);
        if (list) list.push(g.userId);
        else learnersOf.set(g.courseId, [g.userId]);
      }
      const engagement = courses.map((c) => {
        const ls = learnersOf.get(c.id) ?? [];
        const total = lessons.get(c.id) ?? 0;
        const completed = ls.filter((u) => total > 0 && (progressOf.get(`${u}:${c.id}`)?.done ?? 0) >= total).length;
        const seconds = ls.reduce((s, u) => s + (progressOf.get(`${u}:${c.id}`)?.seconds ?? 0), 0);
        return { courseId: c.id, title: c.title, learners: ls.length, completed, completionRate: pct(completed, ls.length), avgMinutes: ls.length === 0 ? 0 : Math.round(seconds / ls.length / 60) };
      });

      // Sources: visits from the rollup; orders, payments and money from the orders' own events.
      const sources = new Map<string, { source: string; label: string; visits: number; orders: number; paid: number; netFen: number }>();
      const sourceRow = (s: string) => {
        const row = sources.get(s) ?? { source: s, label: SOURCE_LABELS[s as Source] ?? s, visits: 0, orders: 0, paid: 0, netFen: 0 };
        sources.set(s, row);
        return row;
      };
      for (const d of daily) sourceRow(d.source).visits += d.n;
      const sharers = new Map<number, { visitors: number; orders: number; paid: number; netFen: number }>();
      for (const [id, n] of sharerVisitors) sharers.set(id, { visitors: n, orders: 0, paid: 0, netFen: 0 });
      // A learner who comes back to a pending order records order_created again: count each order once,
      // under the source it was first created from.
      const counted = new Set<number>();
      for (const o of orderSources) {
        if (counted.has(o.orderId)) continue;
        counted.add(o.orderId);
        const row = sourceRow(o.source);
        row.orders += 1;
        if (o.paid) row.paid += 1;
        row.netFen += o.netFen;
        if (o.sharerId !== null) {
          const s = sharers.get(o.sharerId) ?? { visitors: 0, orders: 0, paid: 0, netFen: 0 };
          s.orders += 1;
          if (o.paid) s.paid += 1;
          s.netFen += o.netFen;
          sharers.set(o.sharerId, s);
        }
      }

      // Top courses by net revenue in the range, with learners, ratings and comments; membership
      // orders (no course) are netted per plan instead, so the rows still add up to the total.
      const net = new Map<number, { netFen: number; paid: number }>();
      const planNet = new Map<number, { netFen: number; paid: number }>();
      const netOf = (x: { courseId: number | null; planId: number | null }) => {
        const [m, id] = x.courseId !== null ? [net, x.courseId] : [planNet, x.planId ?? 0];
        const n = m.get(id) ?? { netFen: 0, paid: 0 };
        m.set(id, n);
        return n;
      };
      for (const o of paid) {
        const n = netOf(o);
        n.netFen += o.amountFen;
        n.paid += 1;
      }
      for (const r of refunds) netOf(r).netFen -= r.amountFen;
      const memberships = [...planNet.entries()]
        .map(([planId, n]) => ({ planId, title: `会员：${planNames.get(planId) ?? `#${planId}`}`, netFen: n.netFen, paid: n.paid }))
        .sort((a, b) => b.netFen - a.netFen || a.planId - b.planId);
      const commentsBy = new Map<number, number>();
      for (const c of feedback.comments) commentsBy.set(c.courseId, (commentsBy.get(c.courseId) ?? 0) + 1);
      const topCourses = courses
        .map((c) => ({ courseId: c.id, title: c.title, netFen: net.get(c.id)?.netFen ?? 0, paid: net.get(c.id)?.paid ?? 0, learners: learnersOf.get(c.id)?.length ?? 0, rating: ratings.get(c.id) ?? null, comments: commentsBy.get(c.id) ?? 0 }))
        .sort((a, b) => b.netFen - a.netFen || b.learners - a.learners);

      const feedbackDays = new Map(bucketsBetween(range, opts.by).map((b) => [b.key, { label: b.label, comments: 0, ratings: 0 }]));
      for (const c of feedback.comments) {
        const b = feedbackDays.get(bucketOf(beijingDate(c.at), opts.by));
        if (b) b.comments += 1;
      }
      for (const r of feedback.ratings) {
        const b = feedbackDays.get(bucketOf(beijingDate(r.at), opts.by));
        if (b) b.ratings += 1;
      }

      // Segments over every learner with live access.
      const acts = activities(live, progress, lessons);
      const grouped = new Map<Segment, LearnerActivity[]>(Object.keys(SEGMENTS).map((k) => [k as Segment, []]));
      for (const a of acts) grouped.get(segmentOf(a, now))!.push(a);
      const shown = [...grouped.values()].flatMap((list) => list.sort((a, b) => (b.lastActive?.getTime() ?? 0) - (a.lastActive?.getTime() ?? 0)).slice(0, SEGMENT_LIST));
      const selected = opts.courseId === null ? null : courses.find((c) => c.id === opts.courseId) ?? null;
      const courseLearners = selected ? (learnersOf.get(selected.id) ?? []) : [];
      const names = await repo.nicknames(db, [...new Set([...shown.map((a) => a.userId), ...courseLearners, ...sharers.keys()])]);
      const segments = [...grouped.entries()].map(([key, list]) => ({
        key,
        ...SEGMENTS[key],
        count: list.length,
        members: list.slice(0, SEGMENT_LIST).map((a) => ({ userId: a.userId, name: names.get(a.userId) ?? `#${a.userId}`, lastActive: a.lastActive, minutes: Math.round(a.seconds / 60), completion: Math.round(a.completion * 100), courses: a.courses })),
      }));
      const segmentOfUser = new Map(acts.map((a) => [a.userId, segmentOf(a, now)]));

      return {
        range,
        by: opts.by,
        revenue,
        totals: { ...totals, discountFen, refundsCount: refunds.length },
        funnel: { overall, perCourse: funnel.filter((f) => f.steps.some((n) => n > 0)) },
        engagement,
        dropoff: selected ? await repo.lessonReach(db, selected.id) : null,
        selected,
        sources: [...sources.values()].sort((a, b) => b.visits - a.visits || b.orders - a.orders),
        sharers: [...sharers.entries()].map(([id, s]) => ({ userId: id, name: names.get(id) ?? `#${id}`, ...s })).sort((a, b) => b.paid - a.paid || b.visitors - a.visitors).slice(0, 20),
        topCourses,
        memberships,
        feedback: { comments: feedback.comments.length, ratings: feedback.ratings.length, byBucket: [...feedbackDays.values()] },
        segments,
        progressTable: selected
          ? courseLearners
              .map((u) => {
                const p = progressOf.get(`${u}:${selected.id}`);
                const total = lessons.get(selected.id) ?? 0;
                return { userId: u, name: names.get(u) ?? `#${u}`, done: p?.done ?? 0, total, percent: total === 0 ? 0 : Math.round(((p?.done ?? 0) / total) * 100), minutes: Math.round((p?.seconds ?? 0) / 60), lastActive: p?.lastActive ?? null, segment: SEGMENTS[segmentOfUser.get(u) ?? 'not_started'].label };
              })
              .sort((a, b) => b.percent - a.percent || (b.lastActive?.getTime() ?? 0) - (a.lastActive?.getTime() ?? 0))
          : [],
        courses: courses.map((c) => ({ id: c.id, title: c.title })),
      };
    },
  };
}

export type Dashboard = ReturnType<typeof createDashboard>;
export type DashboardReport = Awaited<ReturnType<Dashboard['report']>>;
export const FUNNEL_STEPS = ['浏览课程', '下单或加入', '支付或免费加入', '开始学习', '全部学完'];
