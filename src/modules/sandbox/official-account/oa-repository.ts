import type { Knex } from 'knex';
import { insertIfAbsent, toDate, toDateOrNull } from '../../../platform/db/index.js';

const USERS = 'sandbox_wechat_users';
const CODES = 'sandbox_wechat_codes';
const TOKENS = 'sandbox_wechat_tokens';
const MENUS = 'sandbox_wechat_menus';
const COUNTERS = 'sandbox_wechat_counters';
const TEMPLATE_MESSAGES = 'sandbox_oa_template_messages';

export type TokenKind = 'oauth' | 'client' | 'stable' | 'jsapi_ticket';
export type OauthScope = 'snsapi_base' | 'snsapi_userinfo';

export interface TestUser {
  appid: string;
  openid: string;
  unionid: string;
  nickname: string;
  headimgurl: string | null;
  createdAt: Date;
}

export interface AuthCode {
  code: string;
  appid: string;
  scope: OauthScope;
  openid: string;
  isSnapshotuser: boolean;
  expiresAt: Date;
  usedAt: Date | null;
}

export interface IssuedToken {
  kind: TokenKind;
  token: string;
  appid: string;
  series: string | null;
  openid: string | null;
  scope: OauthScope | null;
  isSnapshotuser: boolean;
  refreshToken: string | null;
  refreshExpiresAt: Date | null;
  expiresAt: Date;
  invalidAfter: Date | null;
  createdAt: Date;
}

/** A template message the sandbox accepted, as a test or the inspection route sees it. */
export interface SandboxTemplateMessage {
  /** WeChat's 64-bit msgid as its decimal digits (a JS number would round it). */
  msgid: string;
  touser: string;
  templateId: string;
  url: string | null;
  /** The `data` object as the caller sent it. */
  data: Record<string, unknown>;
  clientMsgId: string | null;
  createdAt: Date;
}

type Row = Record<string, unknown>;
const str = (v: unknown) => (v === null || v === undefined ? null : String(v));

const toUser = (r: Row): TestUser => ({
  appid: String(r.appid),
  openid: String(r.openid),
  unionid: String(r.unionid),
  nickname: String(r.nickname),
  headimgurl: str(r.headimgurl),
  createdAt: toDate(r.created_at),
});

const toCode = (r: Row): AuthCode => ({
  code: String(r.code),
  appid: String(r.appid),
  scope: r.scope as OauthScope,
  openid: String(r.openid),
  isSnapshotuser: Boolean(r.is_snapshotuser),
  expiresAt: toDate(r.expires_at),
  usedAt: toDateOrNull(r.used_at),
});

const toToken = (r: Row): IssuedToken => ({
  kind: r.kind as TokenKind,
  token: String(r.token),
  appid: String(r.appid),
  series: str(r.series),
  openid: str(r.openid),
  scope: str(r.scope) as OauthScope | null,
  isSnapshotuser: Boolean(r.is_snapshotuser),
  refreshToken: str(r.refresh_token),
  refreshExpiresAt: toDateOrNull(r.refresh_expires_at),
  expiresAt: toDate(r.expires_at),
  invalidAfter: toDateOrNull(r.invalid_after),
  createdAt: toDate(r.created_at),
});

const toTemplateMessage = (r: Row): SandboxTemplateMessage => ({
  msgid: String(r.msgid),
  touser: String(r.touser),
  templateId: String(r.template_id),
  url: str(r.url),
  data: JSON.parse(String(r.data_json)) as Record<string, unknown>,
  clientMsgId: str(r.client_msg_id),
  createdAt: toDate(r.created_at),
});

export function createOaRepository(db: Knex) {
  return {
    async insertUser(u: TestUser): Promise<void> {
      await db(USERS).insert({ appid: u.appid, openid: u.openid, unionid: u.unionid, nickname: u.nickname, headimgurl: u.headimgurl, created_at: u.createdAt });
    },
    async userByOpenid(appid: string, openid: string): Promise<TestUser | null> {
      const r = (await db(USERS).where({ appid, openid }).first()) as Row | undefined;
      return r ? toUser(r) : null;
    },

    async insertCode(c: AuthCode, now: Date): Promise<void> {
      await db(CODES).insert({ code: c.code, appid: c.appid, scope: c.scope, openid: c.openid, is_snapshotuser: c.isSnapshotuser, expires_at: c.expiresAt, used_at: null, created_at: now });
    },
    async codeByValue(code: string): Promise<AuthCode | null> {
      const r = (await db(CODES).where({ code }).first()) as Row | undefined;
      return r ? toCode(r) : null;
    },
    /** True for exactly one caller, however many race: the conditional update is the lock. */
    async markCodeUsed(code: string, now: Date): Promise<boolean> {
      const changed = await db(CODES).where({ code }).whereNull('used_at').update({ used_at: now });
      return Number(changed) === 1;
    },

    async insertToken(t: IssuedToken): Promise<boolean> {
      const row = {
        kind: t.kind,
        token: t.token,
        appid: t.appid,
        series: t.series,
        openid: t.openid,
        scope: t.scope,
        is_snapshotuser: t.isSnapshotuser,
        refresh_token: t.refreshToken,
        refresh_expires_at: t.refreshExpiresAt,
        expires_at: t.expiresAt,
        invalid_after: t.invalidAfter,
        created_at: t.createdAt,
      };
      if (t.series === null) {
        await db(TOKENS).insert(row);
        return true;
      }
      return insertIfAbsent(db, TOKENS, row, ['series']);
    },
    async tokenByValue(token: string): Promise<IssuedToken | null> {
      const r = (await db(TOKENS).where({ token }).first()) as Row | undefined;
      return r ? toToken(r) : null;
    },
    async tokenByRefresh(refreshToken: string): Promise<IssuedToken | null> {
      const r = (await db(TOKENS).where({ refresh_token: refreshToken }).first()) as Row | undefined;
      return r ? toToken(r) : null;
    },
    async latestOfKind(appid: string, kind: TokenKind): Promise<IssuedToken | null> {
      const r = (await db(TOKENS).where({ appid, kind }).orderBy('id', 'desc').first()) as Row | undefined;
      return r ? toToken(r) : null;
    },
    /**
     * Tokens of these kinds other than `except` stop working at `at` unless they already stop sooner.
     * Used for supersession (at = now + 5 min) and for revocation (at = now).
     */
    async invalidateOthers(appid: string, kinds: TokenKind[], except: string | null, at: Date): Promise<number> {
      const q = db(TOKENS)
        .where({ appid })
        .whereIn('kind', kinds)
        .where((w) => w.whereNull('invalid_after').orWhere('invalid_after', '>', at));
      if (except !== null) q.whereNot('token', except);
      return Number(await q.update({ invalid_after: at }));
    },

    async saveMenu(appid: string, menuJson: string, now: Date): Promise<void> {
      await db(MENUS).insert({ appid, menu_json: menuJson, created_at: now, updated_at: now }).onConflict('appid').merge(['menu_json', 'updated_at']);
    },
    async menu(appid: string): Promise<{ menuJson: string; updatedAt: Date } | null> {
      const r = (await db(MENUS).where({ appid }).first()) as Row | undefined;
      return r ? { menuJson: String(r.menu_json), updatedAt: toDate(r.updated_at) } : null;
    },
    async deleteMenu(appid: string): Promise<void> {
      await db(MENUS).where({ appid }).delete();
    },

    async insertTemplateMessage(m: SandboxTemplateMessage): Promise<void> {
      await db(TEMPLATE_MESSAGES).insert({
        msgid: m.msgid,
        touser: m.touser,
        template_id: m.templateId,
        url: m.url,
        data_json: JSON.stringify(m.data),
        client_msg_id: m.clientMsgId,
        created_at: m.createdAt,
      });
    },
    /** The first message to this user with this client_msg_id sent after `since`, if any. */
    async templateMessageByClientId(touser: string, clientMsgId: string, since: Date): Promise<SandboxTemplateMessage | null> {
      const r = (await db(TEMPLATE_MESSAGES).where({ touser, client_msg_id: clientMsgId }).where('created_at', '>', since).orderBy('id', 'asc').first()) as Row | undefined;
      return r ? toTemplateMessage(r) : null;
    },
    /** Newest first (by id: under a fixed clock many share a created_at). */
    async templateMessages(filter: { touser?: string; limit: number }): Promise<SandboxTemplateMessage[]> {
      const q = db(TEMPLATE_MESSAGES).orderBy('id', 'desc').limit(filter.limit);
      if (filter.touser !== undefined) q.where({ touser: filter.touser });
      return ((await q) as Row[]).map(toTemplateMessage);
    },

    async increment(name: string): Promise<void> {
      await insertIfAbsent(db, COUNTERS, { name, value: 0 }, ['name']);
      await db(COUNTERS).where({ name }).increment('value', 1);
    },
    async counters(names: string[]): Promise<Record<string, number>> {
      const rows = (await db(COUNTERS).whereIn('name', names)) as Row[];
      const out: Record<string, number> = Object.fromEntries(names.map((n) => [n, 0]));
      for (const r of rows) out[String(r.name)] = Number(r.value);
      return out;
    },
  };
}

export type OaRepository = ReturnType<typeof createOaRepository>;
