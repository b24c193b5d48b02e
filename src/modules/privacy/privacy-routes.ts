import { Router, type RequestHandler } from 'express';
import { AppError } from '../../platform/errors.js';
import { formValues } from '../../platform/http/index.js';
import { requireLogin } from '../accounts/index.js';
import type { PrivacyService } from './privacy-service.js';

/** /privacy (what we collect), 我的数据 at /me/privacy, its export and 注销账号. */
export function privacyRoutes(deps: {
  privacy: PrivacyService;
  accounts: { hasPassword(id: number): Promise<boolean> };
  retentionDays: number;
  /** Wrong passwords here count like failed logins: a stolen session cannot guess at leisure. */
  eraseLimiter: RequestHandler;
  /** The analytics cookies of this browser, cleared with the account so its next visits start afresh. */
  trackingCookies: readonly string[];
}): Router {
  const router = Router();

  router.get('/privacy', (req, res) => {
    res.render('privacy/policy', { title: '隐私说明', retentionDays: deps.retentionDays, erased: req.query.erased === '1' });
  });

  router.get('/me/privacy', requireLogin, async (req, res) => {
    res.render('privacy/my-data', { title: '我的数据', hasPassword: await deps.accounts.hasPassword(req.currentUser!.id), error: null, isAdmin: req.currentUser!.isAdmin });
  });

  router.get('/me/privacy/export', requireLogin, async (req, res) => {
    const data = await deps.privacy.exportData(req.currentUser!.id);
    res.attachment(`zhifu-my-data-${data.exportedAt.slice(0, 10)}.json`);
    res.type('application/json').send(JSON.stringify(data, null, 2));
  });

  router.post('/me/privacy/erase', requireLogin, deps.eraseLimiter, async (req, res) => {
    const userId = req.currentUser!.id;
    const { password } = formValues(req.body, ['password']);
    try {
      await deps.privacy.erase(userId, { password: password || null, wechatConfirmedAt: req.session.wechatConfirmedAt ?? null });
    } catch (err) {
      if (!(err instanceof AppError) || err.status >= 500) throw err;
      return res.status(err.status).render('privacy/my-data', { title: '我的数据', hasPassword: await deps.accounts.hasPassword(userId), error: err.message, isAdmin: req.currentUser!.isAdmin });
    }
    await new Promise<void>((resolve) => req.session.destroy(() => resolve()));
    for (const name of deps.trackingCookies) res.clearCookie(name, { path: '/' });
    res.redirect(303, '/privacy?erased=1');
  });

  return router;
}
