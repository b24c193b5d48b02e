import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Knex } from 'knex';
import type { Clock } from '../../platform/clock.js';
import { toDate } from '../../platform/db/index.js';
import { acquireLease, releaseLease } from '../../platform/jobs/lease.js';
import type { Logger } from '../../platform/logger.js';
import { WechatApiError, type WechatApi } from './wechat-api.js';

/** Refresh this long before WeChat's expiry, so no request ever uses a token in its last minutes. */
const REFRESH_MARGIN_MS = 5 * 60_000;
const LEASE_MS = 15_000;
const WAIT_STEP_MS = 100;
const WAIT_MAX_MS = 8_000;
const INVALID_TOKEN = new Set([40001, 42001, 40014]);

type TokenName = 'access_token' | 'jsapi_ticket';

/**
 * access_token and jsapi_ticket, cached in the database for every process. The process that takes
 * the refresh lease fetches; the others wait and reread, so two processes never fetch in parallel.
 */
export function createTokenCache(deps: { db: Knex; clock: Clock; log: Logger; api: WechatApi }) {
  const processOwner = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  let attempts = 0;
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  // Concurrent requests in this process share one lookup: a lease is re-entrant for its owner, so
  // without this two requests here would both "hold" it and both fetch.
  const inflight = new Map<string, Promise<string>>();

  async function read(name: TokenName): Promise<{ value: string; expiresAt: Date } | null> {
    const row = await deps.db('wechat_tokens').where({ name }).first();
    return row ? { value: String(row.value), expiresAt: toDate(row.expires_at) } : null;
  }

  const fresh = (t: { expiresAt: Date }) => t.expiresAt.getTime() - REFRESH_MARGIN_MS > deps.clock.now().getTime();

  function get(name: TokenName, fetch: () => Promise<{ value: string; expiresIn: number }>, rejected: string | null = null): Promise<string> {
    const key = `${name}:${rejected ?? ''}`;
    let pending = inflight.get(key);
    if (!pending) {
      pending = load(name, fetch, rejected).finally(() => inflight.delete(key));
      inflight.set(key, pending);
    }
    return pending;
  }

  async function load(name: TokenName, fetch: () => Promise<{ value: string; expiresIn: number }>, rejected: string | null): Promise<string> {
    const deadline = Date.now() + WAIT_MAX_MS;
    // Each lookup is its own lease owner, so even two lookups in one process exclude each other.
    const owner = `${processOwner}:${++attempts}`;
    for (;;) {
      const cached = await read(name);
      if (cached && fresh(cached) && cached.value !== rejected) return cached.value;
      const lease = `wechat.${name}`;
      if (await acquireLease(deps.db, lease, owner, LEASE_MS, deps.clock.now())) {
        try {
          // Another process may have refreshed between our read and our lease.
          const again = await read(name);
          if (again && fresh(again) && again.value !== rejected) return again.value;
          const { value, expiresIn } = await fetch();
          if (typeof value !== 'string' || value === '' || !(expiresIn > 0)) throw new WechatApiError(-2, `WeChat answered without a ${name}`);
          const now = deps.clock.now();
          const row = { name, value, expires_at: new Date(now.getTime() + expiresIn * 1000), updated_at: now };
          await deps.db('wechat_tokens').insert(row).onConflict('name').merge(['value', 'expires_at', 'updated_at']);
          deps.log.info({ event: 'wechat.token_refreshed', name }, 'WeChat token refreshed');
          return value;
        } finally {
          await releaseLease(deps.db, lease, owner);
        }
      }
      if (Date.now() > deadline) throw new WechatApiError(-3, `timed out waiting for another process to refresh ${name}`);
      await sleep(WAIT_STEP_MS);
    }
  }

  const accessToken = (rejected: string | null = null) =>
    get('access_token', async () => {
      const t = await deps.api.stableToken(rejected !== null);
      return { value: t.access_token, expiresIn: t.expires_in };
    }, rejected);

  /** Runs `call` with the access token; on an invalid-token errcode refreshes once and retries. */
  async function withAccessToken<T>(call: (token: string) => Promise<T>): Promise<T> {
    const token = await accessToken();
    try {
      return await call(token);
    } catch (err) {
      if (!(err instanceof WechatApiError) || !INVALID_TOKEN.has(err.errcode)) throw err;
      deps.log.warn({ event: 'wechat.token_rejected', errcode: err.errcode }, 'access_token rejected, refreshing once');
      return call(await accessToken(token));
    }
  }

  return {
    accessToken: () => accessToken(),
    withAccessToken,
    async jsapiTicket(): Promise<string> {
      return get('jsapi_ticket', async () => {
        const t = await withAccessToken((token) => deps.api.jsapiTicket(token));
        return { value: t.ticket, expiresIn: t.expires_in };
      });
    },
  };
}

export type TokenCache = ReturnType<typeof createTokenCache>;
