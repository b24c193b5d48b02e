import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../src/config/config.js';

function problemsWith(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a ConfigError, but the configuration loaded');
}

describe('the settings of several processes', () => {
  it('default to one worker per CPU and no Redis', () => {
    expect(loadConfig({})).toMatchObject({ webConcurrency: os.availableParallelism(), redis: null });
  });

  it('take WEB_CONCURRENCY, and REDIS_URL with the default key prefix or another', () => {
    expect(loadConfig({ WEB_CONCURRENCY: '3', REDIS_URL: 'redis://:pw@cache:6379/2' })).toMatchObject({ webConcurrency: 3, redis: { url: 'redis://:pw@cache:6379/2', keyPrefix: 'zhifu:' } });
    expect(loadConfig({ REDIS_URL: 'rediss://cache:6380', REDIS_KEY_PREFIX: 'staging:' }).redis).toEqual({ url: 'rediss://cache:6380', keyPrefix: 'staging:' });
  });

  it('refuse a WEB_CONCURRENCY that is not a positive whole number, and a REDIS_URL that is not redis://', () => {
    expect(problemsWith({ WEB_CONCURRENCY: '0' })).toEqual([expect.stringMatching(/^WEB_CONCURRENCY: must be a positive whole number/)]);
    expect(problemsWith({ WEB_CONCURRENCY: 'max' })).toEqual([expect.stringMatching(/^WEB_CONCURRENCY:/)]);
    expect(problemsWith({ REDIS_URL: 'http://cache:6379' })).toEqual([expect.stringMatching(/^REDIS_URL: must be a redis:\/\/ or rediss:\/\/ URL/)]);
    expect(problemsWith({ REDIS_URL: 'redis://x', REDIS_KEY_PREFIX: 'has space' })).toEqual([expect.stringMatching(/^REDIS_KEY_PREFIX:/)]);
  });
});
