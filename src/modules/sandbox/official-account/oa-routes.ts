import path from 'node:path';
import ejs from 'ejs';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { PROJECT_ROOT } from '../../../config/environment.js';
import type { Logger } from '../../../platform/logger.js';
import { WechatApiError, wx } from './oa-errors.js';
import type { OauthScope, TestUser } from './oa-repository.js';
import type { OaService } from './oa-service.js';

const VIEWS = path.join(PROJECT_ROOT, 'views', 'sandbox');
/** Remembers the test user this browser picked, so snsapi_base can redirect silently next time. */
export const USER_COOKIE = 'sandbox_wx_user';
/** The authorize form's value for this browser's own test user (its openid stays in the cookie). */
const REMEMBERED = 'remembered';
const STATE_RE = /^[a-zA-Z0-9]{0,128}$/;
const NICKNAME_MAX = 32;

/** Something wrong with the authorize link itself: WeChat shows an error page, never redirects. */
class AuthorizeLinkError extends Error {}

interface AuthorizeRequest {
  appid: string;
  redirectUri: string;
  scope: OauthScope;
  state: string;
}

const one = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

function parseAuthorize(src: Record<string, unknown>, appid: string): AuthorizeRequest {
  const givenAppid = one(src.appid);
  if (!givenAppid) throw new AuthorizeLinkError('appid 参数错误：缺少 appid');
  if (givenAppid !== appid) throw new AuthorizeLinkError('appid 参数错误：该公众号不存在');
  const redirectUri = one(src.redirect_uri) ?? '';
  let url: URL | null;
  try {
    url = new URL(redirectUri);
  } catch {
    url = null;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) throw new AuthorizeLinkError('redirect_uri 参数错误：必须是完整的 http(s) 地址');
  if (one(src.response_type) !== 'code') throw new AuthorizeLinkError('response_type 参数错误：只能是 code');
  const scope = one(src.scope);
  if (scope !== 'snsapi_base' && scope !== 'snsapi_userinfo') throw new AuthorizeLinkError('Scope 参数错误或没有 Scope 权限');
  const state = one(src.state) ?? '';
  if (!STATE_RE.test(state)) throw new AuthorizeLinkError('state 参数错误：最多 128 个字母或数字');
  return { appid: givenAppid, redirectUri, scope, state };
}

/** redirect_uri?code=CODE&state=STATE, keeping the redirect_uri's own query; no code on refusal. */
function backTo(a: AuthorizeRequest, code: string | null): string {
  const url = new URL(a.redirectUri);
  url.hash = '';
  if (code !== null) url.searchParams.set('code', code);
  url.searchParams.set('state', a.state);
  return url.toString();
}

function readCookie(req: Request, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) {
      try {
        return decodeURIComponent(part.slice(i + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

function safeImageUrl(v: string | null): string | null {
  if (!v) return null;
  try {
    const u = new URL(v);
    return u.protocol === 'https:' || u.protocol === 'http:' ? u.toString() : null;
  } catch {
    return null;
  }
}

/** The JSON body of a WeChat API POST: any content type, as WeChat accepts; 44002 empty, 47001 not JSON. */
function jsonBody(req: Request): unknown {
  if (req.body !== undefined && typeof req.body === 'object' && !Buffer.isBuffer(req.body)) return req.body; // an app-level JSON parser ran first
  const text = Buffer.isBuffer(req.body) ? req.body.toString('utf8') : typeof req.body === 'string' ? req.body : '';
  if (text.trim() === '') throw wx.emptyPostData();
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw wx.dataFormatError();
  }
}

export function oaRoutes(deps: { service: OaService; logger: Logger }): Router {
  const { service, logger } = deps;
  const router = express.Router();

  async function render(res: Response, status: number, view: 'oauth-authorize' | 'oauth-message', model: Record<string, unknown>): Promise<void> {
    const html = await ejs.renderFile(path.join(VIEWS, `${view}.ejs`), model);
    res.status(status).type('html').setHeader('Cache-Control', 'no-store');
    res.send(html);
  }

  function rememberUser(req: Request, res: Response, openid: string): void {
    res.cookie(USER_COOKIE, openid, { httpOnly: true, sameSite: 'lax', path: req.baseUrl || '/', maxAge: 365 * 24 * 3600 * 1000 });
  }

  interface PageInput {
    selected?: string;
    nickname?: string;
    headimgurl?: string;
    snapshot?: boolean;
    errors?: Record<string, string>;
  }

  /**
   * Offers only the test user this browser picked before (by nickname; the radio says `remembered`),
   * never other people's identities or any openid: on a demo site anyone reaches this page.
   */
  async function authorizePage(req: Request, res: Response, a: AuthorizeRequest, status: number, input: PageInput = {}): Promise<void> {
    const rememberedOpenid = readCookie(req, USER_COOKIE);
    const mine = rememberedOpenid ? await service.userByOpenid(rememberedOpenid) : null;
    const users = mine ? [mine] : [];
    const selected = input.selected ?? (mine ? REMEMBERED : 'new');
    await render(res, status, 'oauth-authorize', {
      title: '微信授权（沙箱）',
      action: `${req.baseUrl}/connect/oauth2/authorize`,
      appid: a.appid,
      redirectUri: a.redirectUri,
      redirectHost: new URL(a.redirectUri).host,
      scope: a.scope,
      state: a.state,
      scopeText: a.scope === 'snsapi_userinfo' ? '获取你的昵称、头像' : '获取你的身份标识（openid）',
      users: users.map((u: TestUser) => ({ value: REMEMBERED, nickname: u.nickname, headimgurl: safeImageUrl(u.headimgurl), initial: [...u.nickname][0] ?? '?', checked: selected === REMEMBERED })),
      newChecked: selected === 'new',
      values: { nickname: input.nickname ?? '', headimgurl: input.headimgurl ?? '', snapshot: input.snapshot ?? false },
      errors: input.errors ?? {},
    });
  }

  // ---- Web authorisation (open.weixin.qq.com) ---------------------------------------------------
  router.get('/connect/oauth2/authorize', async (req, res) => {
    const a = parseAuthorize(req.query as Record<string, unknown>, service.appid);
    if (a.scope === 'snsapi_base') {
      // WeChat authorises snsapi_base silently: a browser that already picked a user goes straight back.
      const openid = readCookie(req, USER_COOKIE);
      const user = openid ? await service.userByOpenid(openid) : null;
      if (user) return res.redirect(302, backTo(a, await service.issueCode({ scope: a.scope, openid: user.openid, isSnapshotuser: false })));
    }
    return authorizePage(req, res, a, 200);
  });

  const form = express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 20 });
  router.post('/connect/oauth2/authorize', form, async (req, res) => {
    const b = (req.body ?? {}) as Record<string, unknown>;
    const a = parseAuthorize(b, service.appid);
    if (b.decision === 'deny') return res.redirect(302, backTo(a, null));
    if (b.decision !== 'allow') return authorizePage(req, res, a, 422, { errors: { decision: '请选择同意或拒绝' } });
    const selected = one(b.user) ?? '';
    const snapshot = b.snapshot === '1';
    const nickname = (one(b.nickname) ?? '').trim();
    const headimgurl = (one(b.headimgurl) ?? '').trim();
    let user: TestUser | null;
    if (selected === 'new') {
      const errors: Record<string, string> = {};
      if (nickname === '') errors.nickname = '请填写昵称';
      else if ([...nickname].length > NICKNAME_MAX) errors.nickname = `昵称最多 ${NICKNAME_MAX} 个字`;
      if (headimgurl !== '' && (!safeImageUrl(headimgurl) || headimgurl.length > 1024)) errors.headimgurl = '头像地址必须是 http(s) 开头的完整地址';
      if (Object.keys(errors).length > 0) return authorizePage(req, res, a, 422, { selected, nickname, headimgurl, snapshot, errors });
      user = await service.createUser({ nickname, headimgurl: headimgurl || null });
    } else {
      // `remembered` is this browser's own test user; an explicit openid is for scripts and tests.
      const openid = selected === REMEMBERED ? readCookie(req, USER_COOKIE) : selected;
      user = openid ? await service.userByOpenid(openid) : null;
      if (!user) return authorizePage(req, res, a, 422, { selected: 'new', nickname, headimgurl, snapshot, errors: { user: '请选择一个测试用户，或新建一个' } });
    }
    rememberUser(req, res, user.openid);
    const code = await service.issueCode({ scope: a.scope, openid: user.openid, isSnapshotuser: snapshot });
    return res.redirect(302, backTo(a, code));
  });

  // ---- API (api.weixin.qq.com): HTTP 200 with JSON, errors as {errcode, errmsg} ------------------
  const q = (req: Request) => req.query as Record<string, unknown>;
  const body = express.raw({ type: () => true, limit: '64kb' });

  router.get('/sns/oauth2/access_token', async (req, res) => res.json(await service.exchangeCode(q(req))));
  router.get('/sns/oauth2/refresh_token', async (req, res) => res.json(await service.refreshOauth(q(req))));
  router.get('/sns/auth', async (req, res) => {
    await service.checkOauth(q(req));
    res.json({ errcode: 0, errmsg: 'ok' });
  });
  router.get('/sns/userinfo', async (req, res) => res.json(await service.userinfo(q(req))));

  router.get('/cgi-bin/token', async (req, res) => res.json(await service.clientToken(q(req))));
  router.post('/cgi-bin/stable_token', body, async (req, res) => {
    const b = jsonBody(req);
    res.json(await service.stableToken(b && typeof b === 'object' ? (b as Record<string, unknown>) : {}));
  });
  router.get('/cgi-bin/ticket/getticket', async (req, res) => res.json(await service.ticket(q(req))));

  router.post('/cgi-bin/menu/create', body, async (req, res) => {
    await service.createMenu(q(req).access_token, () => jsonBody(req));
    res.json({ errcode: 0, errmsg: 'ok' });
  });
  router.get('/cgi-bin/menu/get', async (req, res) => {
    const menu = await service.menu(q(req).access_token);
    if (!menu) throw wx.menuNotExist();
    res.json({ menu });
  });
  router.get('/cgi-bin/menu/delete', async (req, res) => {
    await service.deleteMenu(q(req).access_token);
    res.json({ errcode: 0, errmsg: 'ok' });
  });
  router.get('/cgi-bin/get_current_selfmenu_info', async (req, res) => {
    const menu = await service.menu(q(req).access_token);
    if (!menu) return res.json({ is_menu_open: 0, selfmenu_info: { button: [] } });
    // This API nests sub-buttons one level deeper than menu/create does.
    const button = menu.button.map((b) =>
      Array.isArray(b.sub_button) && b.sub_button.length > 0 ? { name: b.name, sub_button: { list: b.sub_button } } : b,
    );
    return res.json({ is_menu_open: 1, selfmenu_info: { button } });
  });

  router.post('/cgi-bin/message/template/send', body, async (req, res) => {
    const { msgid } = await service.sendTemplateMessage(q(req).access_token, () => jsonBody(req));
    // msgid is a 64-bit integer written as a bare JSON number, as WeChat writes it; JSON.stringify
    // cannot (it is a string here so that it keeps every digit).
    res.type('application/json').send(`{"errcode":0,"errmsg":"ok","msgid":${msgid}}`);
  });
  router.get('/cgi-bin/template/get_all_private_template', async (req, res) => res.json({ template_list: await service.privateTemplates(q(req).access_token) }));

  // ---- Test controls (JSON, not WeChat's API) -------------------------------------------------------
  const controlJson = express.json({ limit: '16kb' });
  router.get('/sandbox/stats', async (_req, res) => res.json(await service.stats()));
  router.post('/sandbox/expire-tokens', async (_req, res) => res.json({ invalidated: await service.expireTokens() }));
  router.get('/sandbox/menu', async (_req, res) => res.json({ menu: await service.menu(null) }));
  // msgid stays a string here: this JSON is ours, and a test compares it digit for digit.
  router.get('/sandbox/template-messages', async (req, res) => res.json({ messages: await service.templateMessages(one(q(req).touser) || undefined) }));
  router.post('/sandbox/users', controlJson, async (req, res) => {
    const b = (req.body ?? {}) as Record<string, unknown>;
    const nickname = typeof b.nickname === 'string' ? b.nickname.trim() : '';
    if (nickname === '' || [...nickname].length > NICKNAME_MAX) return res.status(400).json({ errcode: 40001, errmsg: 'nickname required (≤ 32 characters)' });
    const u = await service.createUser({ nickname, headimgurl: typeof b.headimgurl === 'string' ? safeImageUrl(b.headimgurl) : null });
    return res.status(201).json({ openid: u.openid, unionid: u.unionid, nickname: u.nickname, headimgurl: u.headimgurl });
  });
  router.post('/sandbox/forget-user', async (req, res) => {
    res.clearCookie(USER_COOKIE, { httpOnly: true, sameSite: 'lax', path: req.baseUrl || '/' });
    await render(res, 200, 'oauth-message', { title: '已切换', heading: '已忘记当前测试用户', detail: '下次静默授权（snsapi_base）会先让你选择测试用户。' });
  });

  router.use((err: unknown, req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(err);
    if (err instanceof AuthorizeLinkError) return render(res, 400, 'oauth-message', { title: '授权出错', heading: '无法完成授权', detail: err.message });
    if (err instanceof WechatApiError) return res.status(200).json(err.toBody());
    const status = (err as { status?: unknown })?.status;
    if (typeof status === 'number' && status >= 400 && status < 500) return res.status(200).json(wx.dataFormatError().toBody());
    logger.error({ err, event: 'sandbox.wechat.error', path: req.path }, 'sandbox request failed');
    return res.status(500).json({ errcode: -1, errmsg: 'system error' });
  });

  return router;
}
