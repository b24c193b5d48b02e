import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, DEVELOPMENT_SESSION_SECRET, loadConfig } from '../../../src/config/config.js';

const CWD = path.join(os.tmpdir(), 'zhifu-config-test');
const PRODUCTION_SECRET = 'k3y-for-production-0123456789-abcdefghij';

/** The ConfigError that loading `env` throws; fails the test when it loads fine. */
function problemsWith(env: Record<string, string | undefined>): string[] {
  try {
    loadConfig(env, CWD);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a ConfigError, but the configuration loaded');
}

describe('loadConfig', () => {
  it('with nothing set, runs in development on an embedded SQLite file under the working folder', () => {
    const config = loadConfig({}, CWD);

    expect(config).toMatchObject({
      env: 'development',
      isProduction: false,
      host: '127.0.0.1',
      port: 3000,
      database: { client: 'sqlite', filename: path.join(CWD, 'data', 'zhifu.db'), embedded: true },
      seedDemoData: true,
      session: { secret: DEVELOPMENT_SESSION_SECRET, maxAgeMs: 14 * 24 * 3600_000 },
      trustProxy: false,
      logLevel: 'info',
      argon2: { memoryCost: 19456, timeCost: 2, parallelism: 1 },
      rateLimits: { loginMax: 10, registerMax: 5, commentMax: 20, reportMax: 10, windowMs: 15 * 60_000 },
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('is silent by default under NODE_ENV=test', () => {
    expect(loadConfig({ NODE_ENV: 'test' }, CWD).logLevel).toBe('silent');
  });

  it('resolves a relative sqlite: path against the working folder and does not seed it', () => {
    const config = loadConfig({ DATABASE_URL: 'sqlite:var/app.db' }, CWD);

    expect(config.database).toEqual({ client: 'sqlite', filename: path.join(CWD, 'var', 'app.db'), embedded: false });
    expect(config.seedDemoData).toBe(false);
  });

  it('keeps an absolute sqlite: path as it is', () => {
    expect(loadConfig({ DATABASE_URL: 'sqlite:///srv/zhifu/app.db' }, CWD).database).toMatchObject({ filename: '/srv/zhifu/app.db' });
  });

  it('accepts a mysql:// URL with the pool size', () => {
    const config = loadConfig({ DATABASE_URL: 'mysql://zhifu:p%40ss@db.internal:3307/zhifu', DATABASE_POOL_MAX: '20' }, CWD);

    expect(config.database).toEqual({ client: 'mysql', url: 'mysql://zhifu:p%40ss@db.internal:3307/zhifu', poolMax: 20 });
    expect(config.seedDemoData).toBe(false);
  });

  it('reads numbers and switches from the environment', () => {
    const config = loadConfig(
      { PORT: '8080', ARGON2_MEMORY_KIB: '65536', ARGON2_ITERATIONS: '3', LOGIN_RATE_LIMIT: '4', RATE_LIMIT_WINDOW_MINUTES: '1', TRUST_PROXY: '1', PUBLIC_URL: 'https://learn.example.com/' },
      CWD,
    );

    expect(config.port).toBe(8080);
    expect(config.argon2).toEqual({ memoryCost: 65536, timeCost: 3, parallelism: 1 });
    expect(config.rateLimits).toMatchObject({ loginMax: 4, windowMs: 60_000 });
    expect(config.trustProxy).toBe(1);
    expect(config.publicUrl).toBe('https://learn.example.com');
  });

  it.each([
    ['PORT', { PORT: 'abc' }],
    ['PORT', { PORT: '70000' }],
    ['PORT', { PORT: '-1' }],
    ['DATABASE_URL', { DATABASE_URL: 'postgres://localhost/zhifu' }],
    ['DATABASE_URL', { DATABASE_URL: 'mysql://localhost' }],
    ['DATABASE_URL', { DATABASE_URL: 'sqlite:' }],
    ['LOG_LEVEL', { LOG_LEVEL: 'verbose' }],
    ['NODE_ENV', { NODE_ENV: 'staging' }],
    ['ARGON2_MEMORY_KIB', { ARGON2_MEMORY_KIB: '0' }],
    ['LOGIN_RATE_LIMIT', { LOGIN_RATE_LIMIT: 'ten' }],
    ['PUBLIC_URL', { PUBLIC_URL: 'learn.example.com' }],
  ])('refuses a bad %s, naming it', (name, env) => {
    const problems = problemsWith(env);

    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(new RegExp(`^${name}\\b`));
  });

  it('reads the recommendation settings: weights as name=value pairs over the defaults, a 0 interval to build nowhere', () => {
    const config = loadConfig({ RECS_WEIGHTS: 'purchase=2, view=0.05', RECS_BUILD_INTERVAL_MINUTES: '0', RECS_MODEL: 'knn', RECS_HALF_LIFE_DAYS: '30' }, CWD);
    expect(config.recommendations).toMatchObject({ weights: { purchase: 2, view: 0.05 }, buildIntervalMs: 0, model: 'knn', halfLifeDays: 30, denseMaxItems: 2000 });
    expect(loadConfig({}, CWD).recommendations).toMatchObject({ weights: {}, buildIntervalMs: 3600_000, model: 'auto', fullBuildEveryMs: 24 * 3600_000 });
  });

  it('refuses a recommendation weight it does not know, or one that is not a number, naming it', () => {
    expect(() => loadConfig({ RECS_WEIGHTS: 'purchase=1,clicks=3' }, CWD)).toThrow(/RECS_WEIGHTS: "clicks=3" is not name=number/);
    expect(() => loadConfig({ RECS_WEIGHTS: 'purchase=lots' }, CWD)).toThrow(/RECS_WEIGHTS/);
    expect(() => loadConfig({ RECS_MODEL: 'svd' }, CWD)).toThrow(/RECS_MODEL/);
  });

  it('lists every bad variable at once in the error message', () => {
    const err = (() => {
      try {
        loadConfig({ PORT: 'abc', LOG_LEVEL: 'verbose' }, CWD);
      } catch (e) {
        return e;
      }
    })();

    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).message).toMatch(/PORT: .*\n.*LOG_LEVEL: /s);
  });

  describe('in production', () => {
    const production = { NODE_ENV: 'production', DATABASE_URL: 'mysql://zhifu@db/zhifu', WECHATPAY_SANDBOX_IN_PRODUCTION: 'true', WECHAT_SANDBOX_IN_PRODUCTION: 'true' };

    it('starts with a long, non-default secret and mysql', () => {
      const config = loadConfig({ ...production, SESSION_SECRET: PRODUCTION_SECRET }, CWD);

      expect(config).toMatchObject({ isProduction: true, session: { secret: PRODUCTION_SECRET }, seedDemoData: false });
    });

    it('refuses a missing SESSION_SECRET', () => {
      expect(problemsWith(production)).toEqual([expect.stringMatching(/^SESSION_SECRET: required in production/)]);
    });

    it('refuses the development default SESSION_SECRET', () => {
      expect(problemsWith({ ...production, SESSION_SECRET: DEVELOPMENT_SESSION_SECRET })).toEqual([
        expect.stringMatching(/^SESSION_SECRET: still the development default/),
      ]);
    });

    it('refuses a SESSION_SECRET shorter than 32 characters', () => {
      expect(problemsWith({ ...production, SESSION_SECRET: 'x'.repeat(31) })).toEqual([expect.stringMatching(/^SESSION_SECRET: must be at least 32/)]);
      expect(loadConfig({ ...production, SESSION_SECRET: 'x'.repeat(32) }, CWD).session.secret).toHaveLength(32);
    });

    it('refuses SQLite unless ALLOW_SQLITE_IN_PRODUCTION is set', () => {
      const onSqlite = { NODE_ENV: 'production', SESSION_SECRET: PRODUCTION_SECRET, DATABASE_URL: 'sqlite:data/zhifu.db', WECHATPAY_SANDBOX_IN_PRODUCTION: 'true', WECHAT_SANDBOX_IN_PRODUCTION: 'true' };

      expect(problemsWith(onSqlite)).toEqual([expect.stringMatching(/^DATABASE_URL: production needs mysql/)]);
      expect(problemsWith({ NODE_ENV: 'production', SESSION_SECRET: PRODUCTION_SECRET, WECHATPAY_SANDBOX_IN_PRODUCTION: 'true', WECHAT_SANDBOX_IN_PRODUCTION: 'true' })).toEqual([expect.stringMatching(/^DATABASE_URL: /)]);
      expect(loadConfig({ ...onSqlite, ALLOW_SQLITE_IN_PRODUCTION: 'true' }, CWD).database.client).toBe('sqlite');
    });

    it('reports a missing secret, SQLite and the payment sandbox together', () => {
      const problems = problemsWith({ NODE_ENV: 'production' });

      expect(problems).toEqual([
        expect.stringMatching(/^SESSION_SECRET: /),
        expect.stringMatching(/^DATABASE_URL: /),
        expect.stringMatching(/production needs real WeChat Pay merchant settings/),
        expect.stringMatching(/production needs the real Official Account/),
      ]);
    });
  });

  describe('secrets from files', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'zhifu-secrets-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('reads SESSION_SECRET_FILE, without the trailing newline', () => {
      const file = path.join(dir, 'session_secret');
      writeFileSync(file, `${PRODUCTION_SECRET}\n`);

      const config = loadConfig({ NODE_ENV: 'production', DATABASE_URL: 'mysql://zhifu@db/zhifu', SESSION_SECRET_FILE: file, WECHATPAY_SANDBOX_IN_PRODUCTION: 'true', WECHAT_SANDBOX_IN_PRODUCTION: 'true' }, CWD);

      expect(config.session.secret).toBe(PRODUCTION_SECRET);
    });

    it('prefers SESSION_SECRET over SESSION_SECRET_FILE when both are set', () => {
      const file = path.join(dir, 'other_secret');
      writeFileSync(file, 'from-the-file-0123456789-0123456789');

      expect(loadConfig({ SESSION_SECRET: PRODUCTION_SECRET, SESSION_SECRET_FILE: file }, CWD).session.secret).toBe(PRODUCTION_SECRET);
    });

    it('reads DATABASE_URL_FILE', () => {
      const file = path.join(dir, 'database_url');
      writeFileSync(file, 'mysql://zhifu:secret@db/zhifu\n');

      expect(loadConfig({ DATABASE_URL_FILE: file }, CWD).database).toMatchObject({ client: 'mysql', url: 'mysql://zhifu:secret@db/zhifu' });
    });

    it('refuses an unreadable SESSION_SECRET_FILE, naming it', () => {
      const problems = problemsWith({ SESSION_SECRET_FILE: path.join(dir, 'missing') });

      expect(problems).toEqual([expect.stringMatching(/^SESSION_SECRET_FILE: cannot read /)]);
    });
  });
});

describe('the settings of several processes', () => {
  it('default to one worker per CPU and no Redis', () => {
    expect(loadConfig({}, CWD)).toMatchObject({ webConcurrency: os.availableParallelism(), redis: null });
  });

  it('take WEB_CONCURRENCY, and REDIS_URL with the default key prefix or another', () => {
    expect(loadConfig({ WEB_CONCURRENCY: '3', REDIS_URL: 'redis://:pw@cache:6379/2' }, CWD)).toMatchObject({ webConcurrency: 3, redis: { url: 'redis://:pw@cache:6379/2', keyPrefix: 'zhifu:' } });
    expect(loadConfig({ REDIS_URL: 'rediss://cache:6380', REDIS_KEY_PREFIX: 'staging:' }, CWD).redis).toEqual({ url: 'rediss://cache:6380', keyPrefix: 'staging:' });
  });

  it('refuse a WEB_CONCURRENCY that is not a positive whole number, and a REDIS_URL that is not redis://', () => {
    expect(problemsWith({ WEB_CONCURRENCY: '0' })).toEqual([expect.stringMatching(/^WEB_CONCURRENCY: must be a positive whole number/)]);
    expect(problemsWith({ WEB_CONCURRENCY: 'max' })).toEqual([expect.stringMatching(/^WEB_CONCURRENCY:/)]);
    expect(problemsWith({ REDIS_URL: 'http://cache:6379' })).toEqual([expect.stringMatching(/^REDIS_URL: must be a redis:\/\/ or rediss:\/\/ URL/)]);
    expect(problemsWith({ REDIS_URL: 'redis://x', REDIS_KEY_PREFIX: 'has space' })).toEqual([expect.stringMatching(/^REDIS_KEY_PREFIX:/)]);
  });
});
