import type { Knex } from 'knex';
import { insertIfAbsent, toDate, toDateOrNull } from '../../platform/db/index.js';
import type { Coupon, CouponGrant, CouponKind, CouponScope, CouponStatus, GrantSource, GrantStatus } from './coupon.js';

type Row = Record<string, unknown>;
const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));

function toCoupon(r: Row, courseIds: number[]): Coupon {
  return {
    id: Number(r.id),
    name: String(r.name),
    code: (r.code as string | null) ?? null,
    claimToken: String(r.claim_token),
    kind: r.kind as CouponKind,
    amountOffFen: num(r.amount_off_fen),
    thresholdFen: num(r.threshold_fen),
    percentOff: num(r.percent_off),
    scope: r.scope as CouponScope,
    courseIds,
    validFrom: toDateOrNull(r.valid_from),
    validUntil: toDateOrNull(r.valid_until),
    quantity: Number(r.quantity),
    issuedCount: Number(r.issued_count),
    perLearner: Number(r.per_learner),
    status: r.status as CouponStatus,
    createdAt: toDate(r.created_at),
  };
}

function toGrant(r: Row): CouponGrant {
  return {
    id: Number(r.id),
    couponId: Number(r.coupon_id),
    userId: Number(r.user_id),
    source: r.source as GrantSource,
    status: r.status as GrantStatus,
    orderId: num(r.order_id),
    claimedAt: toDate(r.claimed_at),
    usedAt: toDateOrNull(r.used_at),
  };
}

/** Copies a learner holds: everything but those given back to the pool. */
const HELD: GrantStatus[] = ['available', 'reserved', 'used', 'refunded'];

export interface NewCoupon {
  name: string;
  code: string | null;
  claimToken: string;
  kind: CouponKind;
  amountOffFen: number | null;
  thresholdFen: number | null;
  percentOff: number | null;
  scope: CouponScope;
  courseIds: number[];
  validFrom: Date | null;
  validUntil: Date | null;
  quantity: number;
  perLearner: number;
  createdBy: number | null;
}

export function createCouponRepository() {
  async function withCourses(db: Knex, rows: Row[]): Promise<Coupon[]> {
    if (rows.length === 0) return [];
    const links: Row[] = await db('coupon_courses').whereIn('coupon_id', rows.map((r) => Number(r.id))).orderBy('course_id');
    return rows.map((r) => toCoupon(r, links.filter((l) => Number(l.coupon_id) === Number(r.id)).map((l) => Number(l.course_id))));
  }

  return {
    /** The new coupon's id; a taken code is a duplicate-key error for the caller to word. */
    async insert(trx: Knex, c: NewCoupon, now: Date): Promise<number> {
      const [id] = await trx('coupons').insert({
        name: c.name,
        code: c.code,
        claim_token: c.claimToken,
        kind: c.kind,
        amount_off_fen: c.amountOffFen,
        threshold_fen: c.thresholdFen,
        percent_off: c.percentOff,
        scope: c.scope,
        valid_from: c.validFrom,
        valid_until: c.validUntil,
        quantity: c.quantity,
        issued_count: 0,
        per_learner: c.perLearner,
        status: 'active',
        created_by: c.createdBy,
        created_at: now,
        updated_at: now,
      });
      const couponId = Number(id);
      if (c.courseIds.length > 0) await trx('coupon_courses').insert(c.courseIds.map((courseId) => ({ coupon_id: couponId, course_id: courseId })));
      return couponId;
    },

    async findById(db: Knex, id: number): Promise<Coupon | null> {
      return (await withCourses(db, await db('coupons').where({ id }).limit(1)))[0] ?? null;
    },

    async findByCode(db: Knex, code: string): Promise<Coupon | null> {
      return (await withCourses(db, await db('coupons').where({ code }).limit(1)))[0] ?? null;
    },

    async findByToken(db: Knex, token: string): Promise<Coupon | null> {
      return (await withCourses(db, await db('coupons').where({ claim_token: token }).limit(1)))[0] ?? null;
    },

    async byIds(db: Knex, ids: number[]): Promise<Coupon[]> {
      if (ids.length === 0) return [];
      return withCourses(db, await db('coupons').whereIn('id', [...new Set(ids)]));
    },

    async list(db: Knex, limit: number): Promise<Coupon[]> {
      return withCourses(db, await db('coupons').orderBy('id', 'desc').limit(limit));
    },

    async moveStatus(db: Knex, id: number, from: CouponStatus[], to: CouponStatus, now: Date): Promise<boolean> {
      return (await db('coupons').where({ id }).whereIn('status', from).update({ status: to, updated_at: now })) > 0;
    },

    /** One more copy out of the quantity, if any is left: the only way a copy is issued. */
    async takeOne(trx: Knex, couponId: number, now: Date): Promise<boolean> {
      const n = await trx('coupons').where({ id: couponId }).whereRaw('issued_count < quantity').update({ issued_count: trx.raw('issued_count + 1'), updated_at: now });
      return n > 0;
    },

    /**
     * A copy issued past the quantity: a payment WeChat took for an order whose copy had gone back to
     * the pool. The money is real, so the copy is counted rather than refused.
     */
    async takeOverQuantity(trx: Knex, couponId: number, now: Date): Promise<void> {
      await trx('coupons').where({ id: couponId }).update({ issued_count: trx.raw('issued_count + 1'), updated_at: now });
    },

    async giveBack(trx: Knex, couponId: number, now: Date): Promise<void> {
      await trx('coupons').where({ id: couponId }).where('issued_count', '>', 0).update({ issued_count: trx.raw('issued_count - 1'), updated_at: now });
    },

    async heldCount(db: Knex, couponId: number, userId: number): Promise<number> {
      const row = await db('coupon_grants').where({ coupon_id: couponId, user_id: userId }).whereIn('status', HELD).count({ n: '*' }).first();
      return Number(row?.n ?? 0);
    },

    /**
     * A new copy in the learner's first free slot; null when all `perLearner` slots are taken (the
     * unique key decides between two checkouts of one learner at once).
     */
    async insertGrant(trx: Knex, g: { couponId: number; userId: number; perLearner: number; source: GrantSource; status: GrantStatus; now: Date }): Promise<number | null> {
      const taken = new Set(((await trx('coupon_grants').where({ coupon_id: g.couponId, user_id: g.userId }).whereNotNull('slot').pluck('slot')) as unknown[]).map(Number));
      for (let slot = 1; slot <= g.perLearner; slot++) {
        if (taken.has(slot)) continue;
        const row = { coupon_id: g.couponId, user_id: g.userId, slot, source: g.source, status: g.status, order_id: null, claimed_at: g.now, updated_at: g.now };
        if (await insertIfAbsent(trx, 'coupon_grants', row, ['coupon_id', 'user_id', 'slot'])) {
          const r = await trx('coupon_grants').where({ coupon_id: g.couponId, user_id: g.userId, slot }).first('id');
          return Number(r.id);
        }
      }
      return null;
    },

    async findGrant(db: Knex, id: number): Promise<CouponGrant | null> {
      const r = await db('coupon_grants').where({ id }).first();
      return r ? toGrant(r) : null;
    },

    /** The learner's oldest copy of the coupon that is free to use. */
    async availableGrant(db: Knex, couponId: number, userId: number): Promise<CouponGrant | null> {
      const r = await db('coupon_grants').where({ coupon_id: couponId, user_id: userId, status: 'available' }).orderBy('id').first();
      return r ? toGrant(r) : null;
    },

    /** Every copy of one coupon the learner ever had, released ones included. */
    async grantsOf(db: Knex, couponId: number, userId: number): Promise<CouponGrant[]> {
      const rows = await db('coupon_grants').where({ coupon_id: couponId, user_id: userId }).orderBy('id');
      return rows.map(toGrant);
    },

    async grantsOfUser(db: Knex, userId: number, statuses: GrantStatus[]): Promise<CouponGrant[]> {
      const rows = await db('coupon_grants').where({ user_id: userId }).whereIn('status', statuses).orderBy('id', 'desc').limit(500);
      return rows.map(toGrant);
    },

    /** A conditional move; `released` also frees the learner's slot. */
    async moveGrant(trx: Knex, id: number, from: GrantStatus[], to: GrantStatus, extra: { orderId?: number | null; usedAt?: Date }, now: Date): Promise<boolean> {
      const n = await trx('coupon_grants')
        .where({ id })
        .whereIn('status', from)
        .update({
          status: to,
          updated_at: now,
          ...(extra.orderId !== undefined ? { order_id: extra.orderId } : {}),
          ...(extra.usedAt ? { used_at: extra.usedAt } : {}),
          ...(to === 'released' ? { slot: null } : {}),
        });
      return n > 0;
    },

    /** Per coupon: copies held, used (paid orders) and refunded. */
    async counts(db: Knex, couponIds: number[]): Promise<Map<number, { used: number; refunded: number; reserved: number }>> {
      const out = new Map<number, { used: number; refunded: number; reserved: number }>();
      if (couponIds.length === 0) return out;
      const rows: Row[] = await db('coupon_grants').whereIn('coupon_id', couponIds).whereIn('status', ['used', 'refunded', 'reserved']).groupBy('coupon_id', 'status').select('coupon_id', 'status').count({ n: '*' });
      for (const r of rows) {
        const c = out.get(Number(r.coupon_id)) ?? { used: 0, refunded: 0, reserved: 0 };
        c[r.status as 'used' | 'refunded' | 'reserved'] = Number(r.n);
        out.set(Number(r.coupon_id), c);
      }
      return out;
    },

  };
}

export type CouponRepository = ReturnType<typeof createCouponRepository>;
