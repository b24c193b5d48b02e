import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import type { Clock } from '../../platform/clock.js';
import { isDuplicateKey } from '../../platform/db/index.js';
import { ConflictError, NotFoundError, ValidationError } from '../../platform/errors.js';
import type { Logger } from '../../platform/logger.js';
import type { AuditService } from '../audit/index.js';
import type { Reservation } from '../payments/index.js';
import { appliesTo, isCurrent, priceWith, type Coupon, type CouponGrant, type CouponStatus, type Price, type Product } from './coupon.js';
import { createCouponRepository, type NewCoupon } from './coupon-repository.js';

/** The actor of changes the system makes on its own, in the audit trail. */
const SYSTEM_ACTOR = 0;

/** Why a coupon cannot be used now, in the learner's words. Codes start with COUPON_ (checkout re-renders on them). */
function unusable(c: Coupon, now: Date): ValidationError | null {
  if (c.status === 'ended') return new ValidationError('COUPON_ENDED', '这张优惠券的活动已结束');
  if (c.status === 'paused') return new ValidationError('COUPON_PAUSED', '这张优惠券已暂停使用');
  if (c.validFrom && now < c.validFrom) return new ValidationError('COUPON_NOT_STARTED', '这张优惠券还没到使用时间');
  if (c.validUntil && now >= c.validUntil) return new ValidationError('COUPON_EXPIRED', '这张优惠券已过期');
  return null;
}

const soldOut = () => new ConflictError('COUPON_SOLD_OUT', '优惠券已领完');
const limitReached = (c: Coupon) => new ConflictError('COUPON_LIMIT', c.perLearner === 1 ? '你已经领过或用过这张优惠券了' : `这张优惠券每人限领 ${c.perLearner} 张，你已领完`);
const notApplicable = () => new ValidationError('COUPON_NOT_APPLICABLE', '这张优惠券不适用于这件商品');

const STATUS_MOVES: Record<'pause' | 'resume' | 'end', [CouponStatus[], CouponStatus]> = {
  pause: [['active'], 'paused'],
  resume: [['paused'], 'active'],
  end: [['active', 'paused'], 'ended'],
};

/** Full-width letters from a Chinese keyboard (ＳＰＲＩＮＧ) read as the code they look like. */
export const normaliseCode = (code: string) => code.normalize('NFKC').trim().toUpperCase();


/** A coupon with how many copies are held (claimed), held by open orders, used and refunded. */
export interface CouponCounts {
  coupon: Coupon;
  claimed: number;
  reserved: number;
  used: number;
  refunded: number;
}

export function createCouponService(deps: { db: Knex; clock: Clock; log: Logger; audit: AuditService }) {
  const { db, clock, log } = deps;
  const repo = createCouponRepository();

  /** The discount a coupon gives on the product, or the refusal. */
  function priceOrRefuse(c: Coupon, product: Product): Price {
    if (!appliesTo(c, product)) throw notApplicable();
    const price = priceWith(c, product.priceFen);
    if (!price) throw new ValidationError('COUPON_THRESHOLD', `满 ¥${((c.thresholdFen ?? 0) / 100).toFixed(2)} 才能使用这张优惠券`);
    return price;
  }

  /**
   * A new copy for the learner: one out of the quantity (conditional count, so never more than it)
   * and one of their per-learner slots (unique key). Inside the caller's transaction: a refusal
   * after the count rolls the count back with it.
   */
  async function issue(trx: Knex, c: Coupon, userId: number, source: CouponGrant['source'], status: 'available' | 'reserved', now: Date): Promise<number> {
    if ((await repo.heldCount(trx, c.id, userId)) >= c.perLearner) throw limitReached(c);
    if (!(await repo.takeOne(trx, c.id, now))) throw soldOut();
    const id = await repo.insertGrant(trx, { couponId: c.id, userId, perLearner: c.perLearner, source, status, now });
    if (id === null) throw limitReached(c);
    return id;
  }

  /** The coupon a typed code names, usable now on the product, with its price; or the refusal. */
  async function usableCode(q: Knex, typed: string, product: Product, now: Date): Promise<{ coupon: Coupon; price: Price }> {
    const code = normaliseCode(typed);
    const c = /^[A-Z0-9_-]{1,32}$/.test(code) ? await repo.findByCode(q, code) : null;
    if (!c) throw new ValidationError('COUPON_NOT_FOUND', `优惠码 ${code.slice(0, 32)} 不存在，请检查后重试`);
    const refusal = unusable(c, now);
    if (refusal) throw refusal;
    return { coupon: c, price: priceOrRefuse(c, product) };
  }

  /** The learner's usable copies, each with the price it gives on the product, best first. */
  async function usableFor(q: Knex, userId: number, product: Product, now: Date): Promise<Array<{ coupon: Coupon; grant: CouponGrant; price: Price }>> {
    const grants = await repo.grantsOfUser(q, userId, ['available']);
    const coupons = new Map((await repo.byIds(q, grants.map((g) => g.couponId))).map((c) => [c.id, c]));
    const out: Array<{ coupon: Coupon; grant: CouponGrant; price: Price }> = [];
    for (const grant of grants) {
      const coupon = coupons.get(grant.couponId);
      if (!coupon || !isCurrent(coupon, now) || !appliesTo(coupon, product)) continue;
      const price = priceWith(coupon, product.priceFen);
      if (price && price.discountFen > 0) out.push({ coupon, grant, price });
    }
    // The biggest discount; between equals, the copy that runs out first.
    return out.sort((a, b) => b.price.discountFen - a.price.discountFen || (a.coupon.validUntil?.getTime() ?? Infinity) - (b.coupon.validUntil?.getTime() ?? Infinity) || a.grant.id - b.grant.id);
  }

  async function withCounts(list: Coupon[]): Promise<CouponCounts[]> {
    const counts = await repo.counts(db, list.map((c) => c.id));
    return list.map((coupon) => ({ coupon, claimed: coupon.issuedCount, ...(counts.get(coupon.id) ?? { used: 0, refunded: 0, reserved: 0 }) }));
  }

  async function audited<T>(actorId: number, couponId: number, action: string, summary: Record<string, unknown>, change: (trx: Knex) => Promise<T>): Promise<T> {
    return db.transaction(async (trx) => {
      const out = await change(trx);
      await deps.audit.record(trx, { actorUserId: actorId, action, entityType: 'coupon', entityId: couponId, summary });
      return out;
    });
  }

  return {
    async create(actorId: number | null, c: Omit<NewCoupon, 'claimToken' | 'createdBy'>): Promise<Coupon> {
      const now = clock.now();
      try {
        const id = await db.transaction(async (trx) => {
          const couponId = await repo.insert(trx, { ...c, code: c.code === null ? null : normaliseCode(c.code), claimToken: randomBytes(12).toString('base64url').slice(0, 16), createdBy: actorId }, now);
          await deps.audit.record(trx, { actorUserId: actorId ?? SYSTEM_ACTOR, action: 'coupon.create', entityType: 'coupon', entityId: couponId, summary: { name: c.name, code: c.code, kind: c.kind, quantity: c.quantity } });
          return couponId;
        });
        log.info({ event: 'commerce.coupon_created', couponId: id }, 'coupon created');
        return (await repo.findById(db, id))!;
      } catch (err) {
        if (isDuplicateKey(err)) throw new ConflictError('COUPON_CODE_TAKEN', `优惠码 ${normaliseCode(c.code ?? '')} 已被使用，请换一个`);
        throw err;
      }
    },

    findById: (id: number) => repo.findById(db, id),

    async byId(id: number): Promise<Coupon> {
      const c = Number.isSafeInteger(id) ? await repo.findById(db, id) : null;
      if (!c) throw new NotFoundError('COUPON_NOT_FOUND', '优惠券不存在');
      return c;
    },

    async byToken(token: string): Promise<Coupon> {
      const c = /^[A-Za-z0-9_-]{8,24}$/.test(token) ? await repo.findByToken(db, token) : null;
      if (!c) throw new NotFoundError('COUPON_NOT_FOUND', '优惠券不存在或链接有误');
      return c;
    },

    /** 暂停, 恢复 and 结束: an ended coupon stays ended. Copies already reserved by open orders keep their price. */
    async setStatus(actorId: number, id: number, action: 'pause' | 'resume' | 'end'): Promise<Coupon> {
      const c = await this.byId(id);
      const [from, to] = STATUS_MOVES[action];
      await audited(actorId, id, `coupon.${action}`, { name: c.name, before: c.status, after: to }, async (trx) => {
        if (!(await repo.moveStatus(trx, id, from, to, clock.now()))) throw new ConflictError('COUPON_STATUS', c.status === 'ended' ? '这张优惠券已结束，不能再改' : '优惠券的状态已经变了，请刷新页面');
      });
      return this.byId(id);
    },

    /** A claim link: the learner takes a copy into 我的优惠券. */
    async claim(userId: number, token: string): Promise<Coupon> {
      const c = await this.byToken(token);
      const now = clock.now();
      const refusal = unusable(c, now);
      if (refusal) throw refusal;
      await db.transaction((trx) => issue(trx, c, userId, 'link', 'available', now));
      log.info({ event: 'commerce.coupon_claimed', couponId: c.id, userId }, 'coupon claimed');
      return c;
    },

    /** The creator gives named learners a copy each; those who reached their limit, or past the quantity, are skipped. */
    async grantTo(actorId: number, couponId: number, userIds: number[]): Promise<{ granted: number[]; skipped: Array<{ userId: number; why: 'limit' | 'sold_out' }> }> {
      const c = await this.byId(couponId);
      if (c.status === 'ended') throw new ConflictError('COUPON_ENDED', '这张优惠券的活动已结束');
      const now = clock.now();
      const granted: number[] = [];
      const skipped: Array<{ userId: number; why: 'limit' | 'sold_out' }> = [];
      for (const userId of new Set(userIds)) {
        try {
          await audited(actorId, couponId, 'coupon.grant', { name: c.name, userId }, (trx) => issue(trx, c, userId, 'admin', 'available', now));
          granted.push(userId);
        } catch (err) {
          if (!(err instanceof ConflictError) || (err.code !== 'COUPON_LIMIT' && err.code !== 'COUPON_SOLD_OUT')) throw err;
          skipped.push({ userId, why: err.code === 'COUPON_LIMIT' ? 'limit' : 'sold_out' });
        }
      }
      return { granted, skipped };
    },

    /**
     * Whether a typed code would be taken, checked before checkout touches the learner's open order:
     * a typo must not close it. The copy that open order holds counts as the learner's own. Throws the
     * refusal reserve would; returns the coupon's id. Reserve still decides, atomically.
     */
    async preflight(r: { userId: number; product: Product; couponCode: string; heldByOrder: number | null }): Promise<number> {
      const { coupon: c } = await usableCode(db, r.couponCode, r.product, clock.now());
      const mine = await repo.grantsOf(db, c.id, r.userId);
      if (mine.some((g) => g.status === 'available' || (g.status === 'reserved' && g.orderId === r.heldByOrder))) return c.id;
      if (mine.filter((g) => g.status !== 'released').length >= c.perLearner) throw limitReached(c);
      if (c.issuedCount >= c.quantity) throw soldOut();
      return c.id;
    },

    /**
     * Prices a checkout inside its transaction and reserves the copy it uses. A typed code uses the
     * learner's copy of it, or issues one (优惠券已领完 when none is left); no code takes the best
     * copy the learner holds. Throws ValidationError/ConflictError with a COUPON_ code.
     */
    async reserve(trx: Knex, r: { userId: number; product: Product; couponCode: string | null; now: Date }): Promise<Reservation> {
      const listOnly: Reservation = { listFen: r.product.priceFen, discountFen: 0, payableFen: r.product.priceFen, couponId: null, grantId: null };
      if (r.couponCode === null) {
        const best = (await usableFor(trx, r.userId, r.product, r.now))[0];
        if (!best || !(await repo.moveGrant(trx, best.grant.id, ['available'], 'reserved', {}, r.now))) return listOnly;
        return { ...best.price, couponId: best.coupon.id, grantId: best.grant.id };
      }
      const { coupon: c, price } = await usableCode(trx, r.couponCode, r.product, r.now);
      const mine = await repo.availableGrant(trx, c.id, r.userId);
      if (mine && (await repo.moveGrant(trx, mine.id, ['available'], 'reserved', {}, r.now))) return { ...price, couponId: c.id, grantId: mine.id };
      const grantId = await issue(trx, c, r.userId, 'code', 'reserved', r.now);
      return { ...price, couponId: c.id, grantId };
    },

    async attach(trx: Knex, grantId: number, orderId: number): Promise<void> {
      await trx('coupon_grants').where({ id: grantId }).update({ order_id: orderId });
    },

    /** The order was paid: its copy is used. */
    async consume(trx: Knex, grantId: number, orderId: number): Promise<void> {
      const now = clock.now();
      const g = await repo.findGrant(trx, grantId);
      if (!g || g.status === 'used' || g.status === 'refunded') {
        if (g && g.orderId !== orderId) log.error({ event: 'commerce.alert.coupon_used_twice', couponId: g.couponId, grantId, orderId }, 'a second paid order carries a coupon copy another order used');
        return;
      }
      if (g.status === 'reserved' && g.orderId !== orderId) {
        log.error({ event: 'commerce.alert.coupon_used_twice', couponId: g.couponId, grantId, orderId }, 'a payment arrived for an order whose coupon copy another order now holds');
        return;
      }
      // A payment WeChat took after the order had closed here, its copy already back: the learner
      // paid the discounted amount, so the copy is used (past the quantity, if it went to the pool).
      if (g.status === 'released') {
        await repo.takeOverQuantity(trx, g.couponId, now);
        log.error({ event: 'commerce.alert.coupon_over_quantity', couponId: g.couponId, grantId, orderId }, 'a payment arrived for an order whose coupon had gone back; counted past the quantity');
      }
      await repo.moveGrant(trx, grantId, [g.status], 'used', { orderId, usedAt: now }, now);
    },

    /** The order closed unpaid: a claimed copy goes back to the learner, a typed code's copy to the pool. */
    async release(trx: Knex, grantId: number, orderId: number): Promise<void> {
      const now = clock.now();
      const g = await repo.findGrant(trx, grantId);
      if (!g || g.status !== 'reserved' || g.orderId !== orderId) return;
      if (g.source !== 'code') {
        await repo.moveGrant(trx, grantId, ['reserved'], 'available', { orderId: null }, now);
        return;
      }
      if (await repo.moveGrant(trx, grantId, ['reserved'], 'released', {}, now)) await repo.giveBack(trx, g.couponId, now);
    },

    /** A full refund does not give the copy back: it is marked refunded, for the creator's counts. */
    async markRefunded(trx: Knex, grantId: number, orderId: number): Promise<void> {
      const g = await repo.findGrant(trx, grantId);
      if (g?.orderId === orderId) await repo.moveGrant(trx, grantId, ['used'], 'refunded', {}, clock.now());
    },

    /** How many copies of the coupon the learner holds (claimed and not given back). */
    heldBy: (userId: number, couponId: number) => repo.heldCount(db, couponId, userId),

    /** The best copy the learner holds for the product, with its price (the course page). */
    async bestFor(userId: number, product: Product): Promise<{ coupon: Coupon; price: Price } | null> {
      const best = (await usableFor(db, userId, product, clock.now()))[0];
      return best ? { coupon: best.coupon, price: best.price } : null;
    },

    /** 我的优惠券: every copy the learner holds, with its coupon. */
    async wallet(userId: number): Promise<Array<{ grant: CouponGrant; coupon: Coupon }>> {
      const grants = await repo.grantsOfUser(db, userId, ['available', 'reserved', 'used', 'refunded']);
      const coupons = new Map((await repo.byIds(db, grants.map((g) => g.couponId))).map((c) => [c.id, c]));
      return grants.filter((g) => coupons.has(g.couponId)).map((grant) => ({ grant, coupon: coupons.get(grant.couponId)! }));
    },

    /** The creator's list, with copies claimed, reserved by open orders, used and refunded. */
    async listWithCounts(limit = 200): Promise<Array<CouponCounts>> {
      return withCounts(await repo.list(db, limit));
    },

    /** One coupon with its counts (its admin page). */
    async withCounts(id: number): Promise<CouponCounts> {
      return (await withCounts([await this.byId(id)]))[0]!;
    },

  };
}

export type CouponService = ReturnType<typeof createCouponService>;
