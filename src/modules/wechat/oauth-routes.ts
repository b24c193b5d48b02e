import { randomBytes } from 'node:crypto';
import { Router, type Request, type RequestHandler, type Response } from 'express';
import { ConflictError, ForbiddenError } from '../../platform/errors.js';
import { safeReturnPath, setFlash } from '../../platform/http/index.js';
import type { Clock } from '../../platform/clock.js';
import type { Logger } from '../../platform/logger.js';
import { logInAs, type AccountService } from '../accounts/index.js';
import { WechatApiError, type WechatApi } from './wechat-api.js';

type Scope = 'snsapi_base' | 'snsapi_userinfo';

declare module 'express-session' {
  interface SessionData {
    /** One pending WeChat authorisation: `state` is single-use and bound to this session. */
    wechatOAuth?: { state: string; next: string; scope: Scope; retried: boolean };
    /** When this session's user last authorised through WeChat (erasing a WeChat-only account asks for it). */
    wechatConfirmedAt?: number;
  }
}

export function isWechatBrowser(req: Request): boolean {
  return /MicroMessenger/i.test(req.get('user-agent') ?? '');
}

/** Pages that need to know who is asking; inside WeChat we find out silently instead of asking for a password. */
const NEEDS_IDENTITY = [/^\/me\//, /^\/orders\//, /^\/courses\/[^/]+\/lessons\//];

/** `refuseAdmins`: sandbox mode, where any visitor can be any test WeChat user. */
export function wechatOAuthRoutes(deps: { accounts: AccountService; api: WechatApi; appid: string; oauthBase: string; publicUrl: string; log: Logger; clock: Clock; refuseAdmins: boolean }): { router: Router; silentLogin: RequestHandler } {
  const router = Router();

  function authorizeUrl(req: Request, scope: Scope, next: string, retried = false): string {
    const state = randomBytes(16).toString('hex');
    req.session.wechatOAuth = { state, next, scope, retried };
    const q = new URLSearchParams({ appid: deps.appid, redirect_uri: `${deps.publicUrl}/auth/wechat/callback`, response_type: 'code', scope, state });
    return `${deps.oauthBase}/connect/oauth2/authorize?${q.toString()}#wechat_redirect`;
  }

  const fail = (res: Response, status: number, message: string, action?: { href: string; label: string }) =>
    res.status(status).render('errors/error', { title: message, status, code: 'WECHAT_LOGIN_FAILED', message, action });

  router.get('/auth/wechat', (req, res) => {
    const scope: Scope = req.query.scope === 'snsapi_base' ? 'snsapi_base' : 'snsapi_userinfo';
    res.redirect(302, authorizeUrl(req, scope, safeReturnPath(req.query.next)));
  });

  router.get('/auth/wechat/callback', async (req, res) => {
    const pending = req.session.wechatOAuth;
    const state = typeof req.query.state === 'string' ? req.query.state : '';
    // Single use, whatever happens next.
    delete req.session.wechatOAuth;
    if (!pending || state === '' || state !== pending.state) return fail(res, 400, '登录链接已失效，请重新进入页面');
    const code = typeof req.query.code === 'string' ? req.query.code : '';
    // Cancelled at WeChat: offer the password form, keeping where the learner was going.
    if (code === '') return fail(res, 403, '你取消了微信授权，可以改用用户名和密码登录', { href: `/login?next=${encodeURIComponent(pending.next)}`, label: '用账号密码登录' });

    let token;
    try {
      token = await deps.api.exchangeCode(code);
    } catch (err) {
      // A reused or expired code: start over once, then give up with a clear message.
      const codeRejected = err instanceof WechatApiError && (err.errcode === 40029 || err.errcode === 40163);
      if (codeRejected && !pending.retried) return res.redirect(302, authorizeUrl(req, pending.scope, pending.next, true));
      // Twice in a row: our link, not WeChat, is the problem; waiting will not help, opening the page again will.
      if (codeRejected) return fail(res, 400, '微信授权已失效，请返回重新打开页面后再登录');
      deps.log.warn({ event: 'wechat.oauth_failed', err }, 'WeChat code exchange failed');
      return fail(res, 502, '微信登录没有成功，请稍后再试');
    }
    if (token.is_snapshotuser === 1) return fail(res, 403, '请点击页面底部的“使用完整服务”后再登录');

    let profile: { nickname: string | null; avatarUrl: string | null; unionid: string | null } = { nickname: null, avatarUrl: null, unionid: token.unionid ?? null };
    if (token.scope.includes('snsapi_userinfo')) {
      const info = await deps.api.userInfo(token.access_token, token.openid).catch(() => null);
      if (info) profile = { nickname: info.nickname ?? null, avatarUrl: info.headimgurl ?? null, unionid: info.unionid ?? profile.unionid };
    }
    try {
      const { user, created, bound } = await deps.accounts.signInWithWechat({ openid: token.openid, ...profile }, req.currentUser?.id ?? null, { refuseAdmins: deps.refuseAdmins });
      if (!bound) await logInAs(req, user.id);
      // Proof, for a few minutes, that the person in this session just authorised as this WeChat
      // user (what erasing an account without a password asks for).
      req.session.wechatConfirmedAt = deps.clock.now().getTime();
      if (bound) setFlash(req, 'success', '已绑定微信，以后在微信里可直接登录');
      else if (created) setFlash(req, 'success', `欢迎加入知付，${user.nickname}`);
      res.redirect(303, pending.next);
    } catch (err) {
      if (err instanceof ConflictError) return fail(res, 409, err.message);
      if (err instanceof ForbiddenError) return fail(res, 403, err.message);
      throw err;
    }
  });

  const silentLogin: RequestHandler = (req, res, next) => {
    if (req.method !== 'GET' || req.currentUser || !isWechatBrowser(req) || !NEEDS_IDENTITY.some((r) => r.test(req.path))) return next();
    res.redirect(302, authorizeUrl(req, 'snsapi_base', safeReturnPath(req.originalUrl)));
  };

  return { router, silentLogin };
}
