import { Router } from 'express';
import type { Clock } from '../../platform/clock.js';
import { requireAdmin, type AccountService } from '../accounts/index.js';
import type { CatalogAdminService } from '../catalog/index.js';
import type { CouponService, MembershipService } from '../commerce/index.js';

/** Coupons and membership plans for the creator. */
export function commerceAdminRoutes(deps: { coupons: CouponService; memberships: MembershipService; catalog: CatalogAdminService; accounts: AccountService; clock: Clock; publicUrl: string }): Router {
  void deps;
  const router = Router();
  router.use(['/admin/coupons', '/admin/memberships'], requireAdmin);
  return router;
}
