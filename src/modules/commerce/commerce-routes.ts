import { Router, type NextFunction, type Request, type Response } from 'express';
import type { Clock } from '../../platform/clock.js';
import { AppError } from '../../platform/errors.js';
import { beijingDate } from '../../platform/time.js';
import { setFlash } from '../../platform/http/index.js';
import { requireLogin } from '../accounts/index.js';
import { couponView, daysLeftText, lastDay, planView, priceView, walletView } from './commerce-views.js';
import { couponState } from './coupon.js';
import type { CouponService } from './coupon-service.js';
import type { MembershipService } from './membership-service.js';

/** A plan checkout refused for its coupon: the 会员 page shows the message beside the typed code. */
export interface PlanRefusal {
  planId: number;
  couponCode: string;
  message: string;
}

/** The learner's side of commerce: 会员, 我的优惠券, claim links, and the renewal banner. */
export function createCommerceRoutes(deps: { coupons: CouponService; memberships: MembershipService; clock: Clock }) {
  const { coupons, memberships, clock } = deps;

  async function showMembership(req: Request, res: Response, refusal?: PlanRefusal): Promise<void> {
    const me = req.currentUser;
    const [plans, mine] = await Promise.all([memberships.plans(), me ? memberships.ofLearner(me.id) : Promise.resolve([])]);
    const now = clock.now();
    const offers = await Promise.all(
      plans.map(async (p) => {
        const best = me && !refusal ? await coupons.bestFor(me.id, { kind: 'membership', id: p.id, priceFen: p.priceFen }) : null;
        const current = mine.find((m) => m.plan.id === p.id);
        return {
          ...planView(p),
          coupon: best ? { name: best.coupon.name, ...priceView(best.price) } : null,
          // Buying again extends from the current end, not from today.
          renewsFrom: current ? lastDay(current.endsAt) : null,
          refusal: refusal?.planId === p.id ? refusal : null,
        };
      }),
    );
    if (refusal) res.status(422);
    res.render('commerce/membership', {
      title: '会员',
      plans: offers,
      mine: mine.map((m) => ({ name: m.plan.name, until: lastDay(m.endsAt), left: daysLeftText(m.endsAt, now), resumes: m.resumesAt ? beijingDate(m.resumesAt) : null })),
    });
  }

  const router = Router();

  router.get('/membership', (req, res) => showMembership(req, res));

  router.get('/me/coupons', requireLogin, async (req, res) => {
    const list = walletView(await coupons.wallet(req.currentUser!.id), clock.now());
    res.render('commerce/my-coupons', { title: '我的优惠券', usable: list.filter((c) => c.usable), others: list.filter((c) => !c.usable) });
  });

  router.get('/coupons/claim/:token', async (req, res) => {
    const c = await coupons.byToken(String(req.params.token));
    const left = Math.max(0, c.quantity - c.issuedCount);
    const held = req.currentUser ? await coupons.heldBy(req.currentUser.id, c.id) : 0;
    res.render('commerce/claim', { title: '领取优惠券', coupon: couponView(c), token: c.claimToken, left, state: couponState(c, clock.now()), held, full: held >= c.perLearner, perLearner: c.perLearner });
  });

  router.post('/coupons/claim/:token', requireLogin, async (req, res) => {
    const token = String(req.params.token);
    try {
      const c = await coupons.claim(req.currentUser!.id, token);
      setFlash(req, 'success', `已领取「${c.name}」，下单时自动使用`);
      res.redirect(303, '/me/coupons');
    } catch (err) {
      // 已领完, 已领过, 已过期: said on the claim page itself, which still shows the coupon.
      if (!(err instanceof AppError) || !err.code.startsWith('COUPON_') || err.code === 'COUPON_NOT_FOUND') throw err;
      setFlash(req, 'warn', err.message);
      res.redirect(303, `/coupons/claim/${encodeURIComponent(token)}`);
    }
  });

  /** Every page a member sees in their last 7 days says so, until they renew (pages only, not polls or APIs). */
  async function renewalBanner(req: Request, res: Response, next: NextFunction): Promise<void> {
    const page = req.method === 'GET' && !req.path.startsWith('/api/') && !req.path.endsWith('/status');
    if (req.currentUser && page) {
      const soon = await memberships.endingSoon(req.currentUser.id);
      if (soon) res.locals.renewal = { planName: soon.plan.name, until: lastDay(soon.endsAt), left: daysLeftText(soon.endsAt, clock.now()) };
    }
    next();
  }

  return { router, showMembership, renewalBanner };
}
