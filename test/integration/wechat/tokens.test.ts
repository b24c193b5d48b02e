import request from 'supertest';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildApp } from '../../../src/app.js';
import { systemClock } from '../../../src/platform/clock.js';
import { createLogger } from '../../../src/platform/logger.js';
import { SANDBOX_OA } from '../../../src/modules/sandbox/official-account/index.js';
import { createTokenCache, createWechatApi, WechatApiError } from '../../../src/modules/wechat/index.js';
import { startListeningApp, type ListeningApp } from '../../support/listening-app.js';
import { OA_MOUNT, sandboxStats } from './oa-harness.js';

// access_token and jsapi_ticket live in wechat_tokens for every process; one process at a time
// fetches them (under a job lease). The sandbox counts every stable_token and getticket call.
let t: ListeningApp;
beforeAll(async () => {
  t = await startListeningApp();
});
afterAll(async () => t?.close());
beforeEach(async () => {
  await t.db('wechat_tokens').delete();
  await t.db('job_leases').where('name', 'like', 'wechat.%').delete();
});

const pageUrl = () => `${t.baseUrl}/courses/token-test`;
const jssdk = (agent = request(t.baseUrl)) => agent.get('/wechat/jssdk-config').query({ url: pageUrl() });
const tokenRow = (name: 'access_token' | 'jsapi_ticket') => t.db('wechat_tokens').where({ name }).first();
const log = createLogger('silent');

/** A token cache of its own, as another process would have, talking to the sandbox over HTTP. */
function anotherProcess() {
  const api = createWechatApi({ apiBase: t.baseUrl + OA_MOUNT, appid: SANDBOX_OA.appid, appsecret: SANDBOX_OA.appsecret, log });
  return { api, tokens: createTokenCache({ db: t.db, clock: systemClock, log, api }) };
}

async function delta<T>(act: () => Promise<T>): Promise<{ result: T; stable: number; tickets: number }> {
  const before = await sandboxStats(t);
  const result = await act();
  const after = await sandboxStats(t);
  return { result, stable: after.stableTokenFetches - before.stableTokenFetches, tickets: after.ticketFetches - before.ticketFetches };
}

describe('the shared WeChat token cache', () => {
  it('fetches one stable_token and one ticket for concurrent JS-SDK requests on two app instances sharing a database', async () => {
    // A second instance of the app on the same database, as a second server process would be.
    const second = buildApp({ config: t.config, db: t.db, clock: systemClock, logger: log });

    const { result: replies, stable, tickets } = await delta(() =>
      Promise.all([jssdk(), jssdk(), jssdk(), jssdk(request(second.app)), jssdk(request(second.app)), jssdk(request(second.app))]),
    );

    expect(replies.map((r) => r.status)).toEqual(Array(6).fill(200));
    expect(stable).toBe(1);
    expect(tickets).toBe(1);
    expect(await t.db('wechat_tokens').orderBy('name').pluck('name')).toEqual(['access_token', 'jsapi_ticket']);
    // Everyone signed with the one ticket: a second fetch would have left a different one behind.
    const ticket = (await tokenRow('jsapi_ticket')).value;
    const issued = await t.db('sandbox_wechat_tokens').where({ kind: 'jsapi_ticket' }).orderBy('id', 'desc').first();
    expect(issued.token).toBe(ticket);
  });

  it('fetches the access token once when two token caches ask at the same moment', async () => {
    const a = anotherProcess();
    const b = anotherProcess();

    const { result: tokens, stable } = await delta(() => Promise.all([a.tokens.accessToken(), b.tokens.accessToken(), a.tokens.accessToken(), b.tokens.accessToken()]));

    expect(stable).toBe(1);
    expect(new Set(tokens).size).toBe(1);
    expect((await tokenRow('access_token')).value).toBe(tokens[0]);
  });

  it('answers from the database without calling WeChat while the tokens are fresh', async () => {
    await jssdk();
    await t.db('wechat_tokens').update({ expires_at: new Date(Date.now() + 10 * 60_000) });

    const { result, stable, tickets } = await delta(() => jssdk());

    expect(result.status).toBe(200);
    expect(stable).toBe(0);
    expect(tickets).toBe(0);
  });

  it('refreshes a ticket that expires within five minutes, keeping the access token that is still fresh', async () => {
    await jssdk();
    const old = await tokenRow('jsapi_ticket');
    await t.db('wechat_tokens').where({ name: 'jsapi_ticket' }).update({ expires_at: new Date(Date.now() + 4 * 60_000) });

    const { result, stable, tickets } = await delta(() => jssdk());

    expect(result.status).toBe(200);
    expect(tickets).toBe(1);
    expect(stable).toBe(0);
    const fresh = await tokenRow('jsapi_ticket');
    expect(fresh.value).not.toBe(old.value);
    expect(new Date(fresh.expires_at).getTime()).toBeGreaterThan(Date.now() + 100 * 60_000);
  });

  it('refreshes an access token that expires within five minutes before fetching a ticket with it', async () => {
    await jssdk();
    await t.db('wechat_tokens').update({ expires_at: new Date(Date.now() + 60_000) });

    const { result, stable, tickets } = await delta(() => jssdk());

    expect(result.status).toBe(200);
    expect(stable).toBe(1);
    expect(tickets).toBe(1);
    expect(new Date((await tokenRow('access_token')).expires_at).getTime()).toBeGreaterThan(Date.now() + 100 * 60_000);
  });

  it('after WeChat revokes the access token (40001), refreshes it once and the call succeeds', async () => {
    await jssdk();
    const revoked = (await tokenRow('access_token')).value;
    const expire = await fetch(`${t.baseUrl}${OA_MOUNT}/sandbox/expire-tokens`, { method: 'POST' });
    expect(expire.status).toBe(200);
    // The next ticket fetch is the first call to use the revoked token.
    await t.db('wechat_tokens').where({ name: 'jsapi_ticket' }).delete();

    const { result, stable, tickets } = await delta(() => jssdk());

    expect(result.status).toBe(200);
    expect(stable).toBe(1);
    expect(tickets).toBe(1);
    expect((await tokenRow('access_token')).value).not.toBe(revoked);
  });

  it('retries a rejected call exactly once, with the refreshed token', async () => {
    const { api, tokens } = anotherProcess();
    const first = await tokens.accessToken();
    await fetch(`${t.baseUrl}${OA_MOUNT}/sandbox/expire-tokens`, { method: 'POST' });
    const used: string[] = [];

    const { result, stable } = await delta(() =>
      tokens.withAccessToken(async (token) => {
        used.push(token);
        return api.createMenu(token, { button: [{ type: 'view', name: '首页', url: `${t.baseUrl}/` }] });
      }),
    );

    expect(result).toMatchObject({ errcode: 0 });
    expect(stable).toBe(1);
    expect(used).toHaveLength(2);
    expect(used[0]).toBe(first);
    expect(used[1]).not.toBe(first);
  });

  it('gives up after one refresh when WeChat keeps rejecting the token', async () => {
    const { tokens } = anotherProcess();
    await tokens.accessToken();
    let calls = 0;

    const { result, stable } = await delta(() =>
      tokens
        .withAccessToken(async () => {
          calls++;
          throw new WechatApiError(40001, 'invalid credential');
        })
        .catch((err: unknown) => err),
    );

    expect(result).toBeInstanceOf(WechatApiError);
    expect(calls).toBe(2);
    expect(stable).toBe(1);
  });
});
