import { Router, type Request, type Response } from 'express';
import { ConflictError } from '../../platform/errors.js';
import { fieldErrors, formValues, setFlash } from '../../platform/http/index.js';
import type { AccountService } from './account-service.js';
import { RegisterForm } from './account-schemas.js';
import { requireLogin } from './session-auth.js';

/** 账号设置: WeChat binding, and a username and password for accounts that came through WeChat. */
export function accountSettingsRoutes(deps: { accounts: AccountService }): Router {
  const router = Router();
  router.use('/me/account', requireLogin);

  async function render(req: Request, res: Response, status = 200, values: Record<string, string> = { username: '' }, errors: Record<string, string> = {}) {
    const me = req.currentUser!;
    res.status(status).render('accounts/settings', {
      title: '账号设置',
      me: { nickname: me.nickname, username: me.username, wechatBound: me.wechatOpenid !== null, hasPassword: await deps.accounts.hasPassword(me.id) },
      values,
      errors,
    });
  }

  router.get('/me/account', (req, res) => render(req, res));

  router.post('/me/account/credentials', async (req, res) => {
    const me = req.currentUser!;
    if (await deps.accounts.hasPassword(me.id)) throw new ConflictError('HAS_PASSWORD', '这个账号已经设置过用户名和密码');
    const values = formValues(req.body, ['username']);
    const parsed = RegisterForm.safeParse({ ...formValues(req.body, ['username', 'password', 'password_confirm']), nickname: '' });
    if (!parsed.success) return render(req, res, 422, values, fieldErrors(parsed.error));
    try {
      await deps.accounts.setCredentials(me.id, parsed.data);
    } catch (err) {
      if (err instanceof ConflictError && err.code === 'USERNAME_TAKEN') return render(req, res, 422, values, { username: err.message });
      throw err;
    }
    setFlash(req, 'success', '已设置用户名和密码，可以在电脑上登录了');
    res.redirect(303, '/me/account');
  });

  router.post('/me/account/unbind-wechat', async (req, res) => {
    try {
      await deps.accounts.unbindWechat(req.currentUser!.id);
      setFlash(req, 'success', '已解绑微信');
    } catch (err) {
      if (!(err instanceof ConflictError)) throw err;
      setFlash(req, 'warn', err.message);
    }
    res.redirect(303, '/me/account');
  });

  return router;
}
