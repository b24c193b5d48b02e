import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { Knex } from 'knex';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseDatabaseUrl, type DatabaseConfig } from '../../../src/config/config.js';
import { systemClock } from '../../../src/platform/clock.js';
import { migrateLatest, openDatabase } from '../../../src/platform/db/index.js';
import { createLogger } from '../../../src/platform/logger.js';
import { createTokenCache, createWechatApi, WechatApiError } from '../../../src/modules/wechat/index.js';
import { createTestDatabase } from '../../support/test-db.js';

// What the app makes of answers that are not WeChat's: a stand-in server answers each call with
// whatever the test sets, and nothing it says may end up cached as a token.
let server: Server;
let base: string;
let answer: (res: express.Response) => void;
let db: Knex;
let drop: () => Promise<void>;
const log = createLogger('silent');

beforeAll(async () => {
  const testDb = await createTestDatabase();
  drop = testDb.drop;
  db = openDatabase(parseDatabaseUrl(testDb.url, 5, process.cwd()) as DatabaseConfig);
  await migrateLatest(db);
  const app = express();
  app.use((_req, res) => answer(res));
  server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => server?.close(() => resolve()));
  await db?.destroy();
  await drop?.();
});
beforeEach(async () => {
  await db('wechat_tokens').delete();
});

const api = (apiBase = base) => createWechatApi({ apiBase, appid: 'wx1', appsecret: 's', log });
const failure = (p: Promise<unknown>) => p.then(() => null, (err: unknown) => err);

describe('WeChat API answers that are not answers', () => {
  it('turns an errcode into a WechatApiError carrying it', async () => {
    answer = (res) => void res.json({ errcode: 40001, errmsg: 'invalid credential' });
    const err = await failure(api().jsapiTicket('t'));
    expect(err).toBeInstanceOf(WechatApiError);
    expect((err as WechatApiError).errcode).toBe(40001);
  });

  it('refuses an HTTP error whose body is JSON without an errcode', async () => {
    answer = (res) => void res.status(502).json({});
    const err = await failure(api().stableToken(false));
    expect(err).toBeInstanceOf(WechatApiError);
  });

  it('refuses an HTML error page', async () => {
    answer = (res) => void res.status(502).type('html').send('<h1>Bad Gateway</h1>');
    expect(await failure(api().stableToken(false))).toBeInstanceOf(WechatApiError);
  });

  it('reports a peer that does not answer at all', async () => {
    const err = await failure(api('http://127.0.0.1:1').stableToken(false));
    expect(err).toBeInstanceOf(WechatApiError);
    expect((err as WechatApiError).errcode).toBe(-1);
  });

  it('caches nothing when the token answer has no token in it', async () => {
    answer = (res) => void res.json({ expires_in: 7200 });
    const tokens = createTokenCache({ db, clock: systemClock, log, api: api() });

    expect(await failure(tokens.accessToken())).toBeInstanceOf(WechatApiError);
    expect(await db('wechat_tokens')).toEqual([]);
  });

  it('caches nothing when the token call fails, and fetches again next time', async () => {
    answer = (res) => void res.status(503).json({});
    const tokens = createTokenCache({ db, clock: systemClock, log, api: api() });
    expect(await failure(tokens.accessToken())).toBeInstanceOf(WechatApiError);
    expect(await db('wechat_tokens')).toEqual([]);

    answer = (res) => void res.json({ access_token: 'TOKEN-2', expires_in: 7200 });
    expect(await tokens.accessToken()).toBe('TOKEN-2');
    expect(await db('wechat_tokens').pluck('value')).toEqual(['TOKEN-2']);
  });
});
