import type { Logger } from '../../platform/logger.js';

const TIMEOUT_MS = 5000;

/** An `errcode` from WeChat's web APIs (40001 invalid token, 40029 invalid code, …). */
export class WechatApiError extends Error {
  constructor(
    readonly errcode: number,
    readonly errmsg: string,
  ) {
    super(`WeChat API error ${errcode}: ${errmsg}`);
    this.name = 'WechatApiError';
  }
}

export interface OAuthToken {
  access_token: string;
  expires_in: number;
  openid: string;
  scope: string;
  unionid?: string;
  is_snapshotuser?: number;
}

export interface WechatUserInfo {
  openid: string;
  nickname?: string;
  headimgurl?: string;
  unionid?: string;
}

/** The Official Account web APIs we call, against WeChat or the sandbox (same paths). */
export function createWechatApi(deps: { apiBase: string; appid: string; appsecret: string; log: Logger }) {
  async function call<T>(path: string, init?: { method?: 'GET' | 'POST'; body?: unknown }): Promise<T> {
    let res: Response;
    try {
      res = await fetch(deps.apiBase + path, {
        method: init?.method ?? 'GET',
        headers: init?.body === undefined ? undefined : { 'Content-Type': 'application/json' },
        body: init?.body === undefined ? undefined : JSON.stringify(init.body),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (err) {
      throw new WechatApiError(-1, `no answer from WeChat: ${(err as Error).message}`);
    }
    const data = (await res.json().catch(() => ({ errcode: -2, errmsg: `HTTP ${res.status} without JSON` }))) as { errcode?: number; errmsg?: string } & T;
    if (typeof data.errcode === 'number' && data.errcode !== 0) throw new WechatApiError(data.errcode, data.errmsg ?? '');
    // WeChat answers errors with HTTP 200 and an errcode; anything else (a proxy's 502 page, a gateway's
    // `{}`) is not an answer, and must not be cached as a token.
    if (!res.ok) throw new WechatApiError(-2, `HTTP ${res.status}`);
    return data;
  }
  const q = (params: Record<string, string>) => new URLSearchParams(params).toString();
  const { appid, appsecret } = deps;

  return {
    exchangeCode(code: string): Promise<OAuthToken> {
      return call(`/sns/oauth2/access_token?${q({ appid, secret: appsecret, code, grant_type: 'authorization_code' })}`);
    },
    userInfo(accessToken: string, openid: string): Promise<WechatUserInfo> {
      return call(`/sns/userinfo?${q({ access_token: accessToken, openid, lang: 'zh_CN' })}`);
    },
    /** The stable token does not invalidate the previous one, so it is what a cluster should use. */
    stableToken(forceRefresh: boolean): Promise<{ access_token: string; expires_in: number }> {
      return call('/cgi-bin/stable_token', { method: 'POST', body: { grant_type: 'client_credential', appid, secret: appsecret, force_refresh: forceRefresh } });
    },
    jsapiTicket(accessToken: string): Promise<{ ticket: string; expires_in: number }> {
      return call(`/cgi-bin/ticket/getticket?${q({ access_token: accessToken, type: 'jsapi' })}`);
    },
    createMenu(accessToken: string, menu: unknown): Promise<unknown> {
      return call(`/cgi-bin/menu/create?${q({ access_token: accessToken })}`, { method: 'POST', body: menu });
    },
  };
}

export type WechatApi = ReturnType<typeof createWechatApi>;
