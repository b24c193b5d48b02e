import type { Knex } from 'knex';
import { toDate, toDateOrNull } from '../../platform/db/index.js';

// Reports read other modules' tables (orders, refunds, access_grants, lesson_progress, lessons,
// courses, membership_plans, users, comments, ratings) with plain SQL that runs on both dialects, and never write them.

type Row = Record<string, unknown>;
/** Aggregate queries lose their column types in knex's typings: read them as plain rows. */
const rowsOf = async (q: PromiseLike<unknown>): Promise<Row[]> => (await q) as Row[];

/** `column` within the range: from inclusive, until exclusive. */
const within = (q: Knex.QueryBuilder, column: string, r: { from: Date; until: Date }) => q.andWhere(column, '>=', r.from).andWhere(column, '<', r.until);

/** A nullable id column: null stays null (Number(null) would be 0, a course that does not exist). */
const idOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

export interface Range {
  from: Date;
  /** Exclusive. */
  until: Date;
  fromDay: string;
  /** Inclusive, the last Beijing day shown. */
  toDay: string;
}

export interface LearnerCourse {
  userId: number;
  courseId: number;
  opened: number;
  done: number;
  seconds: number;
  lastActive: Date | null;
}

export function createReportRepository() {
  return {
    /**
     * Orders paid in the range. amount_fen is what the learner actually paid (the list price less
     * the coupon's discount; 0 for a 100%-off coupon), so revenue is summed from it and never from
     * the list price. A membership order has no course (courseId null) and a planId instead.
     */
    async paidOrders(db: Knex, r: Range) {
      const rows = await within(db('orders').whereNotNull('paid_at'), 'paid_at', r).select('id', 'user_id', 'course_id', 'plan_id', 'amount_fen', 'list_price_fen', 'discount_fen', 'paid_at');
      return rows.map((o: Row) => ({
        id: Number(o.id),
        userId: Number(o.user_id),
        courseId: idOrNull(o.course_id),
        planId: idOrNull(o.plan_id),
        amountFen: Number(o.amount_fen),
        listPriceFen: Number(o.list_price_fen ?? o.amount_fen),
        discountFen: Number(o.discount_fen ?? 0),
        at: toDate(o.paid_at),
      }));
    },

    /** Refunds settled in the range, with what their order bought (a course, or a plan when courseId is null). */
    async refunds(db: Knex, r: Range) {
      const rows = await within(db('refunds as r').join('orders as o', 'o.id', 'r.order_id').where('r.status', 'succeeded'), 'r.succeeded_at', r).select('r.amount_fen', 'r.succeeded_at', 'o.course_id', 'o.plan_id');
      return rows.map((x: Row) => ({ amountFen: Number(x.amount_fen), courseId: idOrNull(x.course_id), planId: idOrNull(x.plan_id), at: toDate(x.succeeded_at) }));
    },

    /** Orders created in the range; a membership order's courseId is null. */
    async ordersCreated(db: Knex, r: Range) {
      const rows = await within(db('orders'), 'created_at', r).select('user_id', 'course_id');
      return rows.map((o: Row) => ({ userId: Number(o.user_id), courseId: idOrNull(o.course_id) }));
    },

    async freeEnrolments(db: Knex, r: Range) {
      const rows = await within(db('access_grants').where({ source: 'free' }), 'granted_at', r).select('user_id', 'course_id');
      return rows.map((g: Row) => ({ userId: Number(g.user_id), courseId: Number(g.course_id) }));
    },

    /** Distinct people per course who did `type`, from the daily actors rollup. */
    async distinctActors(db: Knex, type: string, r: Range): Promise<Map<number, number>> {
      const rows = await rowsOf(db('analytics_daily_actors').where({ type }).andWhere('day', '>=', r.fromDay).andWhere('day', '<=', r.toDay).groupBy('course_id').select('course_id').countDistinct({ n: 'actor' }));
      return new Map(rows.map((x) => [Number(x.course_id), Number(x.n)]));
    },

    /** Events of these types per source over the range, from the daily rollup. */
    async countsBySource(db: Knex, types: string[], r: Range) {
      const rows = await rowsOf(db('analytics_daily').whereIn('type', types).andWhere('day', '>=', r.fromDay).andWhere('day', '<=', r.toDay).groupBy('source').select('source').sum({ n: 'events' }));
      return rows.map((x) => ({ source: String(x.source), n: Number(x.n) }));
    },

    /**
     * Orders created in the range with the source they came from (the event's last touch). A rebuilt
     * event (its batch was lost, then came after all) sorts after the real one, which knows the source.
     */
    async orderSources(db: Knex, r: Range) {
      const rows = await within(db('analytics_events as e').join('orders as o', 'o.id', 'e.order_id').where('e.type', 'order_created'), 'e.occurred_at', r).orderByRaw('case when e.dedupe_key is null then 0 else 1 end, e.id').select('e.order_id', 'e.source', 'e.sharer_id', 'e.first_source', 'o.user_id', 'o.paid_at', 'o.amount_fen', 'o.refunded_fen');
      return rows.map((x: Row) => ({
        orderId: Number(x.order_id),
        source: String(x.source),
        firstSource: x.first_source === null ? null : String(x.first_source),
        // A learner who opens their own link and buys shared with nobody.
        sharerId: x.sharer_id === null || Number(x.sharer_id) === Number(x.user_id) ? null : Number(x.sharer_id),
        paid: x.paid_at !== null,
        netFen: x.paid_at === null ? 0 : Number(x.amount_fen) - Number(x.refunded_fen),
      }));
    },

    /** Visitors each sharer brought in the range (their first or last touch is the sharer's link). */
    async sharerVisitors(db: Knex, r: Range): Promise<Map<number, number>> {
      const rows = await rowsOf(
        db('analytics_visitors')
          .whereNotNull('last_sharer_id')
          .andWhere('last_at', '>=', r.from)
          .andWhere('last_at', '<', r.until)
          // Their own browser is not someone they brought.
          .andWhere((w) => w.whereNull('user_id').orWhereRaw('user_id <> last_sharer_id'))
          .groupBy('last_sharer_id').select('last_sharer_id').count({ n: '*' }));
      return new Map(rows.map((x) => [Number(x.last_sharer_id), Number(x.n)]));
    },

    /** Every learner's progress per course, one row per learner and course. */
    async progress(db: Knex, courseId?: number): Promise<LearnerCourse[]> {
      const q = db('lesson_progress').groupBy('user_id', 'course_id').select('user_id', 'course_id');
      if (courseId !== undefined) q.where({ course_id: courseId });
      const rows = await rowsOf(
        q
        .count({ opened: '*' })
        .sum({ done: db.raw('case when completed_at is not null then 1 else 0 end') })
        .sum({ seconds: 'seconds_studied' })
        .max({ last: 'last_active_at' }),
      );
      return rows.map((x) => ({
        userId: Number(x.user_id),
        courseId: Number(x.course_id),
        opened: Number(x.opened),
        done: Number(x.done ?? 0),
        seconds: Number(x.seconds ?? 0),
        lastActive: toDateOrNull(x.last),
      }));
    },

    /** Live access per learner and course, with when the first live source began. */
    async liveLearners(db: Knex, courseId?: number) {
      const q = db('access_grants').whereNull('revoked_at').groupBy('user_id', 'course_id').select('user_id', 'course_id').min({ since: 'granted_at' });
      if (courseId !== undefined) q.where({ course_id: courseId });
      return (await rowsOf(q)).map((x) => ({ userId: Number(x.user_id), courseId: Number(x.course_id), since: toDate(x.since) }));
    },

    /** How many learners opened each lesson of the course, in outline order. */
    async lessonReach(db: Knex, courseId: number) {
      const lessons = await db('lessons').where({ course_id: courseId }).orderBy('position').select('id', 'title');
      const reach = await rowsOf(db('lesson_progress').where({ course_id: courseId }).groupBy('lesson_id').select('lesson_id').count({ n: '*' }).sum({ done: db.raw('case when completed_at is not null then 1 else 0 end') }));
      const by = new Map(reach.map((x) => [Number(x.lesson_id), { opened: Number(x.n), done: Number(x.done ?? 0) }]));
      return lessons.map((l) => ({ lessonId: Number(l.id), title: String(l.title), ...(by.get(Number(l.id)) ?? { opened: 0, done: 0 }) }));
    },

    async lessonCounts(db: Knex): Promise<Map<number, number>> {
      const rows = await rowsOf(db('lessons').groupBy('course_id').select('course_id').count({ n: '*' }));
      return new Map(rows.map((x) => [Number(x.course_id), Number(x.n)]));
    },

    async courses(db: Knex) {
      const rows = await db('courses').orderBy('id').select('id', 'title', 'slug', 'price_fen', 'status');
      return rows.map((c) => ({ id: Number(c.id), title: String(c.title), slug: String(c.slug), priceFen: Number(c.price_fen), published: c.status === 'published' }));
    },

    /** Membership plans by id (commerce's table), to name membership revenue. */
    async planNames(db: Knex): Promise<Map<number, string>> {
      const rows = await db('membership_plans').select('id', 'name');
      return new Map(rows.map((p: Row) => [Number(p.id), String(p.name)]));
    },

    async nicknames(db: Knex, ids: number[]): Promise<Map<number, string>> {
      const out = new Map<number, string>();
      for (let i = 0; i < ids.length; i += 500) {
        for (const u of await db('users').whereIn('id', ids.slice(i, i + 500)).select('id', 'nickname')) out.set(Number(u.id), String(u.nickname));
      }
      return out;
    },

    /** Comments and ratings written per Beijing day in the range, per course. */
    async feedbackActivity(db: Knex, r: Range) {
      const comments = await within(db('comments').whereIn('status', ['published', 'held']), 'created_at', r).select('course_id', 'created_at');
      const ratings = await within(db('ratings'), 'updated_at', r).select('course_id', 'updated_at', 'stars');
      return {
        comments: comments.map((c: Row) => ({ courseId: Number(c.course_id), at: toDate(c.created_at) })),
        ratings: ratings.map((x: Row) => ({ courseId: Number(x.course_id), at: toDate(x.updated_at), stars: Number(x.stars) })),
      };
    },

    async ratingAverages(db: Knex): Promise<Map<number, { count: number; average: number }>> {
      const rows = await rowsOf(db('ratings').where({ status: 'published' }).groupBy('course_id').select('course_id').count({ n: '*' }).avg({ a: 'stars' }));
      return new Map(rows.map((x) => [Number(x.course_id), { count: Number(x.n), average: Number(x.a) }]));
    },
  };
}
