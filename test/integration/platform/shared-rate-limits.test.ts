import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../../src/platform/clock.js';
import { createRateLimiting } from '../../../src/platform/http/index.js';
import { createLogger } from '../../../src/platform/logger.js';
import { createUser } from '../../support/factories.js';
import { browser, logIn } from '../../support/forms.js';
import { startAppsOnOneDatabase, TEST_REDIS_URL, testRedisPrefix } from '../../support/shared-database-apps.js';

// A limit is one limit however many processes serve the site: failures counted by process A count
// in process B, in the database, in Redis, and in the database again while Redis is unreachable.
const LIMIT = 5;
const UNREACHABLE_REDIS = 'redis://127.0.0.1:1';
const redisUrl = TEST_REDIS_URL;

const variants = [
  { via: 'the database', redis: () => undefined, countedIn: 'database' },
  { via: 'the database while Redis is unreachable', redis: () => ({ url: UNREACHABLE_REDIS, prefix: testRedisPrefix() }), countedIn: 'database' },
  ...(redisUrl ? [{ via: 'Redis', redis: () => ({ url: redisUrl, prefix: testRedisPrefix() }), countedIn: 'redis' }] : []),
] as const;

describe.each(variants)('the login limit of two processes counted in $via', ({ redis, countedIn }) => {
  let shared: Awaited<ReturnType<typeof startAppsOnOneDatabase>>;
  let redisOpts: ReturnType<typeof redis>;
  beforeAll(async () => {
    redisOpts = redis();
    shared = await startAppsOnOneDatabase(2, { LOGIN_RATE_LIMIT: String(LIMIT) }, { redis: redisOpts });
    if (countedIn === 'redis') await shared.redisReady();
  });
  afterAll(async () => {
    // express-rate-limit takes a successful login off the count after the response has gone out.
    await new Promise((r) => setTimeout(r, 200));
    await shared?.close();
  });
  const a = () => shared.apps[0]!;
  const b = () => shared.apps[1]!;
  const loginRows = () => a().db('rate_limits').where('bucket', 'like', 'login:%');
  const redisKeys = async () => (b().redis?.ready ? await b().redis!.client.keys(`${redisOpts!.prefix}rl:login:*`) : []);

  it('refuses a 6th login on B after 5 failed ones on A, with 429 even for the right password, and counts where it should', async () => {
    const user = await createUser(a().db);

    for (let i = 0; i < LIMIT; i++) expect((await logIn(browser(a().app), user.username, 'wrong password')).status).toBe(422);
    const sixth = await logIn(browser(b().app), user.username, user.password);

    expect(sixth.status).toBe(429);
    expect(sixth.text).toContain('登录失败次数过多');
    if (countedIn === 'redis') {
      expect(await loginRows()).toHaveLength(0);
      expect(await redisKeys()).toHaveLength(1);
    } else {
      // The refused attempt counts too.
      expect((await loginRows()).map((r: { hits: number }) => Number(r.hits))).toEqual([LIMIT + 1]);
    }
  });

  it('forgets an erased account’s counters in every store, so the name is free again at once', async () => {
    const user = await createUser(a().db);
    for (let i = 0; i < LIMIT; i++) await logIn(browser(a().app), user.username, 'wrong password');
    expect((await logIn(browser(b().app), user.username, user.password)).status).toBe(429);
    // What privacy erasure calls, in A: B's counters are the same ones.
    const limits = createRateLimiting({ db: a().db, clock: systemClock, log: createLogger('silent'), redis: a().redis });

    await limits.forget(a().db, user.username);
    await limits.forgetShared(user.username);

    expect(await a().db('rate_limits').where('bucket', 'like', `%${user.username}`)).toHaveLength(0);
    expect((await redisKeys()).filter((k) => k.endsWith(user.username))).toEqual([]);
    expect((await logIn(browser(b().app), user.username, user.password)).status).toBe(303);
  });
});
