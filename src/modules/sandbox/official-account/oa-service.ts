import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../../../platform/clock.js';
import type { Logger } from '../../../platform/logger.js';
import { validateMenu } from './menu-validation.js';
import { wx } from './oa-errors.js';
import type { IssuedToken, OaRepository, OauthScope, SandboxTemplateMessage, TestUser, TokenKind } from './oa-repository.js';
import { checkTemplateData, parseTemplateSend, SANDBOX_TEMPLATES, templateById, type SandboxTemplate } from './sandbox-templates.js';

export interface OfficialAccountSandboxConfig {
  appid: string;
  appsecret: string;
  /** Absolute URL where the router is reachable, e.g. http://127.0.0.1:3000/__sandbox/wechat */
  publicBaseUrl: string;
  /**
   * Answer `unionid` in the code exchange and userinfo, as an account bound to an Open Platform
   * account does. Default false: a plain Official Account gets no unionid.
   */
  unionid?: boolean;
}

const MINUTE = 60_000;
export const CODE_TTL_MS = 5 * MINUTE;
export const TOKEN_TTL_S = 7200;
/** A superseded /cgi-bin/token stays valid this long; a stable_token is renewed this close to expiry. */
export const OVERLAP_MS = 5 * MINUTE;
const REFRESH_TTL_MS = 30 * 24 * 60 * MINUTE;
const CGI_TOKEN_KINDS: TokenKind[] = ['client', 'stable'];
/** WeChat sends one message per openid + client_msg_id within this window (防重入, "10分钟有效"). */
export const CLIENT_MSG_ID_WINDOW_MS = 10 * MINUTE;
/** The inspection route answers at most this many messages. */
const INSPECT_LIMIT = 100;

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
export function randomAlnum(n: number): string {
  const buf = randomBytes(n);
  let out = '';
  for (let i = 0; i < n; i++) out += ALNUM[buf[i]! % ALNUM.length];
  return out;
}
/** WeChat's ids look like `oUpF8uMuAJO_M2pxb1Q9zNjWeS6o`: 28 characters of base64url starting with `o`. */
export const newOpenid = () => `o${randomBytes(21).toString('base64url').slice(0, 27)}`;
const newToken = () => randomBytes(96).toString('base64url');
/**
 * WeChat's template msgids are 19-digit 64-bit integers, beyond a JS number's exact range: the sandbox
 * answers them the same way, so a client that rounds them is caught here rather than in production.
 */
const newMsgid = () => String((randomBytes(8).readBigUInt64BE() % 8_000_000_000_000_000_000n) + 1_000_000_000_000_000_000n);

function secretMatches(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

const str = (v: unknown) => (typeof v === 'string' ? v : undefined);

export function createOaService(deps: { repo: OaRepository; clock: Clock; logger: Logger; config: OfficialAccountSandboxConfig }) {
  const { repo, clock, logger, config } = deps;
  const appid = config.appid;
  const withUnionid = config.unionid ?? false;

  function checkApp(givenAppid: unknown, givenSecret: unknown): void {
    if (typeof givenAppid !== 'string' || givenAppid === '') throw wx.missingAppid();
    if (givenAppid !== appid) throw wx.invalidAppid();
    if (typeof givenSecret !== 'string' || givenSecret === '') throw wx.missingSecret();
    if (!secretMatches(givenSecret, config.appsecret)) throw wx.invalidSecret();
  }

  /** 40001 for an unknown, superseded or revoked token; 42001 once it has expired. */
  async function liveToken(token: unknown, kinds: TokenKind[]): Promise<IssuedToken> {
    if (typeof token !== 'string' || token === '') throw wx.missingAccessToken();
    const t = await repo.tokenByValue(token);
    const now = clock.now().getTime();
    if (!t || !kinds.includes(t.kind) || t.appid !== appid) throw wx.invalidCredential();
    if (t.invalidAfter && t.invalidAfter.getTime() <= now) throw wx.invalidCredential();
    if (t.expiresAt.getTime() <= now) throw wx.accessTokenExpired();
    return t;
  }

  const expiresIn = (t: IssuedToken) => Math.max(0, Math.floor((t.expiresAt.getTime() - clock.now().getTime()) / 1000));

  function oauthBody(t: IssuedToken, refreshToken: string): Record<string, unknown> {
    const body: Record<string, unknown> = { access_token: t.token, expires_in: TOKEN_TTL_S, refresh_token: refreshToken, openid: t.openid, scope: t.scope };
    if (t.isSnapshotuser) body.is_snapshotuser = 1;
    return body;
  }

  async function withUnion(body: Record<string, unknown>, openid: string): Promise<Record<string, unknown>> {
    if (!withUnionid) return body;
    const u = await repo.userByOpenid(appid, openid);
    return u ? { ...body, unionid: u.unionid } : body;
  }

  return {
    appid,

    // ---- Test users and web authorisation -------------------------------------------------------
    userByOpenid: (openid: string) => repo.userByOpenid(appid, openid),
    async createUser(input: { nickname: string; headimgurl: string | null }): Promise<TestUser> {
      const user: TestUser = { appid, openid: newOpenid(), unionid: newOpenid(), nickname: input.nickname, headimgurl: input.headimgurl, createdAt: clock.now() };
      await repo.insertUser(user);
      logger.info({ event: 'sandbox.wechat.user_created', openid: user.openid }, 'sandbox test user created');
      return user;
    },
    async issueCode(input: { scope: OauthScope; openid: string; isSnapshotuser: boolean }): Promise<string> {
      const code = randomAlnum(32);
      const now = clock.now();
      await repo.insertCode({ code, appid, scope: input.scope, openid: input.openid, isSnapshotuser: input.isSnapshotuser, expiresAt: new Date(now.getTime() + CODE_TTL_MS), usedAt: null }, now);
      return code;
    },

    // ---- /sns -----------------------------------------------------------------------------------
    async exchangeCode(q: Record<string, unknown>): Promise<Record<string, unknown>> {
      checkApp(q.appid, q.secret);
      if (q.grant_type !== 'authorization_code') throw wx.invalidGrantType();
      const code = str(q.code);
      if (!code) throw wx.missingCode();
      const c = await repo.codeByValue(code);
      const now = clock.now();
      if (!c || c.appid !== appid) throw wx.invalidCode();
      if (c.usedAt) throw wx.codeBeenUsed();
      // WeChat answers an expired code like an unknown one.
      if (c.expiresAt.getTime() <= now.getTime()) throw wx.invalidCode();
      if (!(await repo.markCodeUsed(code, now))) throw wx.codeBeenUsed();
      const refreshToken = newToken();
      const t: IssuedToken = {
        kind: 'oauth',
        token: newToken(),
        appid,
        series: null,
        openid: c.openid,
        scope: c.scope,
        isSnapshotuser: c.isSnapshotuser,
        refreshToken,
        refreshExpiresAt: new Date(now.getTime() + REFRESH_TTL_MS),
        expiresAt: new Date(now.getTime() + TOKEN_TTL_S * 1000),
        invalidAfter: null,
        createdAt: now,
      };
      await repo.insertToken(t);
      return withUnion(oauthBody(t, refreshToken), c.openid);
    },
    async refreshOauth(q: Record<string, unknown>): Promise<Record<string, unknown>> {
      if (q.appid !== appid) throw typeof q.appid === 'string' && q.appid ? wx.invalidAppid() : wx.missingAppid();
      if (q.grant_type !== 'refresh_token') throw wx.invalidGrantType();
      const given = str(q.refresh_token);
      const original = given ? await repo.tokenByRefresh(given) : null;
      const now = clock.now();
      if (!original || original.appid !== appid) throw wx.invalidRefreshToken();
      if (original.refreshExpiresAt && original.refreshExpiresAt.getTime() <= now.getTime()) throw wx.refreshTokenExpired();
      const t: IssuedToken = { ...original, token: newToken(), refreshToken: null, refreshExpiresAt: null, expiresAt: new Date(now.getTime() + TOKEN_TTL_S * 1000), invalidAfter: null, createdAt: now };
      await repo.insertToken(t);
      return oauthBody(t, given!);
    },
    async checkOauth(q: Record<string, unknown>): Promise<void> {
      const t = await liveToken(q.access_token, ['oauth']);
      if (q.openid !== t.openid) throw wx.invalidOpenid();
    },
    async userinfo(q: Record<string, unknown>): Promise<Record<string, unknown>> {
      const t = await liveToken(q.access_token, ['oauth']);
      if (typeof q.openid !== 'string' || q.openid === '') throw wx.missingOpenid();
      if (q.openid !== t.openid) throw wx.invalidOpenid();
      if (t.scope !== 'snsapi_userinfo') throw wx.apiUnauthorized();
      const u = await repo.userByOpenid(appid, t.openid!);
      if (!u) throw wx.invalidOpenid();
      const body: Record<string, unknown> = { openid: u.openid, nickname: u.nickname, sex: 0, language: '', city: '', province: '', country: '', headimgurl: u.headimgurl ?? '', privilege: [] };
      if (withUnionid) body.unionid = u.unionid;
      return body;
    },

    // ---- /cgi-bin tokens and tickets --------------------------------------------------------------
    async clientToken(q: Record<string, unknown>): Promise<{ access_token: string; expires_in: number }> {
      if (q.grant_type !== 'client_credential') throw wx.invalidGrantType();
      checkApp(q.appid, q.secret);
      const now = clock.now();
      const t: IssuedToken = { kind: 'client', token: newToken(), appid, series: null, openid: null, scope: null, isSnapshotuser: false, refreshToken: null, refreshExpiresAt: null, expiresAt: new Date(now.getTime() + TOKEN_TTL_S * 1000), invalidAfter: null, createdAt: now };
      await repo.insertToken(t);
      // Every fetch supersedes the previous token, which keeps working for five more minutes.
      await repo.invalidateOthers(appid, ['client'], t.token, new Date(now.getTime() + OVERLAP_MS));
      await repo.increment('token');
      logger.info({ event: 'sandbox.wechat.token_issued', kind: 'client' }, 'sandbox access_token issued');
      return { access_token: t.token, expires_in: TOKEN_TTL_S };
    },
    async stableToken(b: Record<string, unknown>): Promise<{ access_token: string; expires_in: number }> {
      if (b.grant_type !== 'client_credential') throw wx.invalidGrantType();
      checkApp(b.appid, b.secret);
      const force = b.force_refresh === true;
      for (let attempt = 0; attempt < 5; attempt++) {
        const now = clock.now();
        const current = await repo.latestOfKind(appid, 'stable');
        const usable = current && !current.invalidAfter && current.expiresAt.getTime() - now.getTime() > OVERLAP_MS;
        if (usable && !force) {
          await repo.increment('stable_token');
          return { access_token: current.token, expires_in: expiresIn(current) };
        }
        const generation = current?.series ? Number(current.series.split(':').pop()) + 1 : 1;
        const t: IssuedToken = { kind: 'stable', token: newToken(), appid, series: `stable:${appid}:${generation}`, openid: null, scope: null, isSnapshotuser: false, refreshToken: null, refreshExpiresAt: null, expiresAt: new Date(now.getTime() + TOKEN_TTL_S * 1000), invalidAfter: null, createdAt: now };
        if (!(await repo.insertToken(t))) {
          // Another process renewed it at the same moment: everyone gets that one.
          if (force) {
            const winner = await repo.latestOfKind(appid, 'stable');
            if (winner && !winner.invalidAfter) {
              await repo.increment('stable_token');
              return { access_token: winner.token, expires_in: expiresIn(winner) };
            }
          }
          continue;
        }
        // Forced refresh ends the previous stable token at once; a renewal near expiry lets it run out.
        if (force) await repo.invalidateOthers(appid, ['stable'], t.token, now);
        await repo.increment('stable_token');
        logger.info({ event: 'sandbox.wechat.token_issued', kind: 'stable', force }, 'sandbox stable_token issued');
        return { access_token: t.token, expires_in: TOKEN_TTL_S };
      }
      throw new Error('stable_token: could not settle on a token');
    },
    async ticket(q: Record<string, unknown>): Promise<Record<string, unknown>> {
      await liveToken(q.access_token, CGI_TOKEN_KINDS);
      if (q.type !== 'jsapi' && q.type !== 'wx_card') throw wx.invalidTicketType();
      const now = clock.now();
      const t: IssuedToken = { kind: 'jsapi_ticket', token: `${randomAlnum(22)}-${randomAlnum(63)}`, appid, series: null, openid: null, scope: null, isSnapshotuser: false, refreshToken: null, refreshExpiresAt: null, expiresAt: new Date(now.getTime() + TOKEN_TTL_S * 1000), invalidAfter: null, createdAt: now };
      await repo.insertToken(t);
      await repo.increment('ticket');
      return { errcode: 0, errmsg: 'ok', ticket: t.token, expires_in: TOKEN_TTL_S };
    },

    // ---- Custom menu ------------------------------------------------------------------------------
    /** The body is read after the token is checked: token errors come first, as at WeChat. */
    async createMenu(accessToken: unknown, readBody: () => unknown): Promise<void> {
      await liveToken(accessToken, CGI_TOKEN_KINDS);
      const menu = validateMenu(readBody());
      await repo.saveMenu(appid, JSON.stringify(menu), clock.now());
    },
    async menu(accessToken: unknown | null): Promise<{ button: Record<string, unknown>[] } | null> {
      if (accessToken !== null) await liveToken(accessToken, CGI_TOKEN_KINDS);
      const m = await repo.menu(appid);
      return m ? (JSON.parse(m.menuJson) as { button: Record<string, unknown>[] }) : null;
    },
    async deleteMenu(accessToken: unknown): Promise<void> {
      await liveToken(accessToken, CGI_TOKEN_KINDS);
      await repo.deleteMenu(appid);
    },

    // ---- Template messages (模板消息) ---------------------------------------------------------------
    /**
     * Token errors first, then the body (44002/47001), the openid (40003), the template (40037) and its
     * values (47003). A repeat of openid + client_msg_id within 10 minutes answers the first msgid and
     * records nothing, so a retried send reaches the user once.
     */
    async sendTemplateMessage(accessToken: unknown, readBody: () => unknown): Promise<{ msgid: string }> {
      await liveToken(accessToken, CGI_TOKEN_KINDS);
      const send = parseTemplateSend(readBody());
      // Every sandbox test user counts as a follower: the sandbox does not model unsubscribing (43004).
      if (!(await repo.userByOpenid(appid, send.touser))) throw wx.invalidOpenid();
      const template = templateById(send.templateId);
      if (!template) throw wx.invalidTemplateId();
      checkTemplateData(template, send.data);
      const now = clock.now();
      if (send.clientMsgId !== null) {
        const first = await repo.templateMessageByClientId(send.touser, send.clientMsgId, new Date(now.getTime() - CLIENT_MSG_ID_WINDOW_MS));
        if (first) {
          logger.info({ event: 'sandbox.wechat.template_repeat', templateId: send.templateId, msgid: first.msgid }, 'sandbox template message repeated, not sent again');
          return { msgid: first.msgid };
        }
      }
      const message: SandboxTemplateMessage = { msgid: newMsgid(), ...send, createdAt: now };
      await repo.insertTemplateMessage(message);
      logger.info({ event: 'sandbox.wechat.template_sent', templateId: send.templateId, msgid: message.msgid }, 'sandbox template message recorded');
      return { msgid: message.msgid };
    },
    async privateTemplates(accessToken: unknown): Promise<SandboxTemplate[]> {
      await liveToken(accessToken, CGI_TOKEN_KINDS);
      return SANDBOX_TEMPLATES.map((t) => ({ ...t }));
    },
    templateMessages: (touser: string | undefined) => repo.templateMessages({ touser, limit: INSPECT_LIMIT }),

    // ---- Test controls ----------------------------------------------------------------------------
    async stats(): Promise<{ tokenFetches: number; stableTokenFetches: number; ticketFetches: number }> {
      const c = await repo.counters(['token', 'stable_token', 'ticket']);
      return { tokenFetches: c.token!, stableTokenFetches: c.stable_token!, ticketFetches: c.ticket! };
    },
    /** Every access_token (/cgi-bin/token and stable_token) answers 40001 from now on. */
    async expireTokens(): Promise<number> {
      const n = await repo.invalidateOthers(appid, CGI_TOKEN_KINDS, null, clock.now());
      logger.info({ event: 'sandbox.wechat.tokens_expired', count: n }, 'sandbox access tokens invalidated');
      return n;
    },
  };
}

export type OaService = ReturnType<typeof createOaService>;
