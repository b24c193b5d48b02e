import { Router, type Request, type Response } from 'express';
import { ConflictError, ValidationError } from '../../platform/errors.js';
import { fieldErrors, formValues, setFlash } from '../../platform/http/index.js';
import type { AccountService } from './account-service.js';
import { NicknameForm, PasswordChangeForm, RegisterForm } from './account-schemas.js';
import { requireLogin } from './session-auth.js';

/** Ends an account's sessions other than the current one (the session store's job). */
export interface OtherSessions {
  destroyOthersOf(userId: number, keepSid: string): Promise<number>;
}

/**
 * 账号设置: nickname, password change (ending every other session), WeChat binding, and a username and
 * password for accounts that came through WeChat.
 */
export function accountSettingsRoutes(deps: { accounts: AccountService; sessions: OtherSessions }): Router {
  const router = Router();
  router.use('/me/account', requireLogin);

  async function render(req: Request, res: Response, status = 200, values: Record<string, string> = {}, errors: Record<string, string> = {}) {
    const me = req.currentUser!;
    values = { username: '', nickname: me.nickname, ...values };
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

  router.post('/me/account/nickname', async (req, res) => {
    const values = formValues(req.body, ['nickname']);
    const parsed = NicknameForm.safeParse(values);
    if (!parsed.success) return render(req, res, 422, values, fieldErrors(parsed.error));
    await deps.accounts.changeNickname(req.currentUser!.id, parsed.data.nickname);
    setFlash(req, 'success', '昵称已更新');
    res.redirect(303, '/me/account');
  });

  router.post('/me/account/password', async (req, res) => {
    const me = req.currentUser!;
    if (!(await deps.accounts.hasPassword(me.id))) throw new ConflictError('NO_PASSWORD', '这个账号还没有密码，请先设置用户名和密码');
    const parsed = PasswordChangeForm.safeParse(formValues(req.body, ['current_password', 'password', 'password_confirm']));
    if (!parsed.success) return render(req, res, 422, {}, fieldErrors(parsed.error));
    try {
      await deps.accounts.changePassword(me.id, parsed.data.current_password, parsed.data.password);
    } catch (err) {
      if (err instanceof ValidationError) return render(req, res, 422, {}, { [err.code === 'WRONG_PASSWORD' ? 'current_password' : 'password']: err.message });
      throw err;
    }
    // Whoever else knew the old password is logged out on every device; this one goes on.
    const ended = await deps.sessions.destroyOthersOf(me.id, req.sessionID);
    setFlash(req, 'success', ended > 0 ? `密码已修改，其他 ${ended} 个设备已退出登录` : '密码已修改');
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
