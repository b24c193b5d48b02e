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

/** A template message (模板消息): `data` maps each key of the template (`thing1`, `time2`…) to its text. */
export interface TemplateMessage {
  /** The follower's openid. */
  touser: string;
  templateId: string;
  /** Opened when the user taps the message; none: the message does not link anywhere. */
  url?: string;
  data: Record<string, string>;
  /** WeChat sends one message per openid + client_msg_id within 10 minutes: makes a retry safe. */
  clientMsgId?: string;
}

/**
 * WeChat's msgid is a 64-bit integer (19 digits), which JSON.parse would round to the nearest double;
 * quoting it first keeps every digit, so it still matches the MsgID of the later delivery event.
 */
const MSGID = /("msgid"\s*:\s*)(-?\d+)/g;
const parseAnswer = (text: string): unknown => JSON.parse(text.replace(MSGID, '$1"$2"'));

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
    const data = (await res.text().then(parseAnswer).catch(() => ({ errcode: -2, errmsg: `HTTP ${res.status} without JSON` }))) as { errcode?: number; errmsg?: string } & T;
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
    /** Sends a template message; answers WeChat's msgid as its decimal digits. */
    async sendTemplateMessage(accessToken: string, message: TemplateMessage): Promise<string> {
      const data = Object.fromEntries(Object.entries(message.data).map(([key, value]) => [key, { value }]));
      const body = { touser: message.touser, template_id: message.templateId, url: message.url, client_msg_id: message.clientMsgId, data };
      const answer = await call<{ msgid?: unknown }>(`/cgi-bin/message/template/send?${q({ access_token: accessToken })}`, { method: 'POST', body });
      if (typeof answer.msgid !== 'string') throw new WechatApiError(-2, 'WeChat accepted the template message without a msgid');
      return answer.msgid;
    },
  };
}

export type WechatApi = ReturnType<typeof createWechatApi>;
