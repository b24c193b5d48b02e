// Test harness for the Official Account sandbox: a real HTTP server with only its router mounted,
// a fresh database (SQLite, or MySQL with TEST_DATABASE_URL), and a clock the test can move.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { Knex } from 'knex';
import { parseDatabaseUrl, type DatabaseConfig } from '../../../src/config/config.js';
import { fixedClock } from '../../../src/platform/clock.js';
import { migrateLatest, openDatabase } from '../../../src/platform/db/index.js';
import { createLogger } from '../../../src/platform/logger.js';
import { SANDBOX_OA, createOfficialAccountSandbox, type OfficialAccountSandboxConfig } from '../../../src/modules/sandbox/official-account/index.js';
import { createTestDatabase } from '../../support/test-db.js';

export const MOUNT = '/__sandbox/wechat';
export const APPID = SANDBOX_OA.appid;
export const SECRET = SANDBOX_OA.appsecret;

export interface RunningOaSandbox {
  /** http://127.0.0.1:<port>/__sandbox/wechat */
  base: string;
  db: Knex;
  clock: ReturnType<typeof fixedClock>;
  /** GET a WeChat API path under the base and parse its JSON. */
  get(pathAndQuery: string): Promise<Record<string, unknown>>;
  post(pathAndQuery: string, body: unknown): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

export async function startOaSandbox(overrides: Partial<OfficialAccountSandboxConfig> = {}): Promise<RunningOaSandbox> {
  const testDb = await createTestDatabase();
  const db = openDatabase(parseDatabaseUrl(testDb.url, 5, process.cwd()) as DatabaseConfig);
  await migrateLatest(db);
  const clock = fixedClock(new Date('2026-03-01T02:00:00.000Z'));
  const app = express();
  const server: Server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}${MOUNT}`;
  const sandbox = createOfficialAccountSandbox({
    db,
    clock,
    logger: createLogger('silent'),
    config: { appid: APPID, appsecret: SECRET, publicBaseUrl: base, ...overrides },
  });
  app.use('/static', express.static('public'));
  app.use(MOUNT, sandbox.router);
  const parse = async (res: Response) => {
    expect200(res);
    return (await res.json()) as Record<string, unknown>;
  };
  return {
    base,
    db,
    clock,
    get: async (p) => parse(await fetch(`${base}${p}`)),
    post: async (p, body) => parse(await fetch(`${base}${p}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) })),
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await db.destroy();
      await testDb.drop();
    },
  };
}

/** WeChat's API answers errors with HTTP 200 and an errcode. */
function expect200(res: Response): void {
  if (res.status !== 200) throw new Error(`expected HTTP 200, got ${res.status}`);
}

/** A browser-less trip through the authorize page: the redirect's Location, without following it. */
export async function authorize(s: RunningOaSandbox, form: Record<string, string>, cookie?: string): Promise<Response> {
  return fetch(`${s.base}/connect/oauth2/authorize`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...(cookie ? { Cookie: cookie } : {}) },
    body: new URLSearchParams(form).toString(),
  });
}

export function authorizeQuery(over: Record<string, string> = {}): Record<string, string> {
  return { appid: APPID, redirect_uri: 'http://127.0.0.1:3000/auth/wechat/callback?next=%2Fcourses', response_type: 'code', scope: 'snsapi_userinfo', state: 'abc123', ...over };
}

/** Consents as a new test user and returns the code from the redirect. */
export async function consentAsNewUser(s: RunningOaSandbox, over: Record<string, string> = {}): Promise<{ code: string; location: URL; cookie: string; openid: string }> {
  const res = await authorize(s, { ...authorizeQuery(), user: 'new', nickname: '测试同学', decision: 'allow', ...over });
  if (res.status !== 302) throw new Error(`expected 302, got ${res.status}: ${await res.text()}`);
  const location = new URL(res.headers.get('location')!);
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0]!;
  const code = location.searchParams.get('code')!;
  const row = (await s.db('sandbox_wechat_codes').where({ code }).first()) as { openid: string };
  return { code, location, cookie, openid: row.openid };
}

export const exchange = (s: RunningOaSandbox, code: string, over: Record<string, string> = {}) =>
  s.get(`/sns/oauth2/access_token?${new URLSearchParams({ appid: APPID, secret: SECRET, code, grant_type: 'authorization_code', ...over })}`);
