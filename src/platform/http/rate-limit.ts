import type { Request, RequestHandler } from 'express';
import { ipKeyGenerator, rateLimit, type ClientRateLimitInfo, type Options, type Store } from 'express-rate-limit';
import type { Knex } from 'knex';
import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import type { RedisConnection } from '../redis.js';
import { toDate } from '../db/rows.js';
import { TooManyRequestsError } from '../errors.js';

const TABLE = 'rate_limits';
const PRUNE_EVERY_MS = 60_000;

/** Counters in the database: a limit holds across every app process, not per process. */
export class KnexRateLimitStore implements Store {
  private windowMs = 60_000;
  private lastPrune = 0;
  readonly localKeys = false;

  constructor(
    private readonly db: Knex,
    private readonly clock: Clock,
    readonly prefix: string,
  ) {}

  init(options: Options): void {
    this.windowMs = options.windowMs;
  }

  async get(key: string): Promise<ClientRateLimitInfo | undefined> {
    const row = await this.db(TABLE).where({ bucket: this.prefix + key }).andWhere('reset_at', '>', this.clock.now()).first();
    return row ? { totalHits: Number(row.hits), resetTime: toDate(row.reset_at) } : undefined;
  }

  async increment(key: string): Promise<ClientRateLimitInfo> {
    const bucket = this.prefix + key;
    const now = this.clock.now();
    await this.maybePrune(now);
    const newReset = new Date(now.getTime() + this.windowMs);
    return this.db.transaction(async (trx) => {
      // One upsert: a live window counts one more, a missing or expired one starts again at 1. An
      // update-then-insert lost counts and deadlocked on MySQL when requests arrived in parallel. The row
      // stays locked until commit, so the read below sees exactly this request's count. `hits` is
      // assigned first because MySQL applies the assignments in order: both still compare the old reset_at.
      await trx(TABLE)
        .insert({ bucket, hits: 1, reset_at: newReset })
        .onConflict('bucket')
        .merge({
          hits: trx.raw('case when ?? > ? then ?? + 1 else 1 end', ['reset_at', now, 'hits']),
          reset_at: trx.raw('case when ?? > ? then ?? else ? end', ['reset_at', now, 'reset_at', newReset]),
        });
      const row = await trx(TABLE).where({ bucket }).first();
      return { totalHits: Number(row.hits), resetTime: toDate(row.reset_at) };
    });
  }

  async decrement(key: string): Promise<void> {
    await this.db(TABLE).where({ bucket: this.prefix + key }).andWhere('hits', '>', 0).decrement('hits', 1);
  }

  async resetKey(key: string): Promise<void> {
    await this.db(TABLE).where({ bucket: this.prefix + key }).delete();
  }

  private async maybePrune(now: Date): Promise<void> {
    if (now.getTime() - this.lastPrune < PRUNE_EVERY_MS) return;
    this.lastPrune = now.getTime();
    await this.db(TABLE).where('reset_at', '<=', now).delete();
  }
}

/** Counter names for `name` alone or as the last part of a compound key (`ip|name`), in any limiter. */
const countsFor = (name: string) => (bucket: string) => bucket.endsWith(`|${name}`) || bucket.endsWith(`:${name}`);

/**
 * Forgets every database counter keyed by `name`: what an erased account leaves behind. LIKE narrows
 * the search (its _ may match more); the exact keys are picked in code.
 */
async function forgetStoredRateLimitsOf(db: Knex, name: string): Promise<void> {
  const buckets = (await db(TABLE).where('bucket', 'like', `%${name}`).pluck('bucket')).map(String).filter(countsFor(name));
  if (buckets.length > 0) await db(TABLE).whereIn('bucket', buckets).delete();
}

// One round trip: the first hit of a window sets its expiry, later hits only count (a fixed window,
// as in the database store). PEXPIRE is repeated when the key has none, so a key never lives forever.
const INCREMENT = `local hits = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) ttl = tonumber(ARGV[1]) end
return {hits, ttl}`;
const DECREMENT = `if (tonumber(redis.call('GET', KEYS[1]) or '0') > 0) then return redis.call('DECR', KEYS[1]) end return 0`;
const GLOB_SPECIAL = /[*?[\]\\]/g;
/** After the connection's prefix: every rate limit counter, so erasure can search them alone. */
const REDIS_KEYS = 'rl:';

/**
 * Counters in Redis, with the database store behind them: while Redis is unreachable (or a command
 * fails) the database counts, so a Redis outage never switches a limit off nor fails a login.
 */
class RedisRateLimitStore implements Store {
  private windowMs = 60_000;
  readonly localKeys = false;

  constructor(
    private readonly redis: RedisConnection,
    private readonly fallback: KnexRateLimitStore,
    private readonly log: Logger,
  ) {}

  get prefix(): string {
    return this.fallback.prefix;
  }

  init(options: Options): void {
    this.windowMs = options.windowMs;
    this.fallback.init(options);
  }

  private key(key: string): string {
    return `${this.redis.prefix}${REDIS_KEYS}${this.prefix}${key}`;
  }

  private async either<T>(what: string, inRedis: () => Promise<T>, inDatabase: () => Promise<T>): Promise<T> {
    if (!this.redis.ready) return inDatabase();
    try {
      return await inRedis();
    } catch (err) {
      this.log.warn({ event: 'rate_limit.redis_failed', what, err }, 'rate limit counted in the database instead of Redis');
      return inDatabase();
    }
  }

  async get(key: string): Promise<ClientRateLimitInfo | undefined> {
    return this.either(
      'get',
      async () => {
        const [hits, ttl] = await Promise.all([this.redis.client.get(this.key(key)), this.redis.client.pTTL(this.key(key))]);
        return hits === null || ttl < 0 ? undefined : { totalHits: Number(hits), resetTime: new Date(Date.now() + ttl) };
      },
      () => this.fallback.get(key),
    );
  }

  async increment(key: string): Promise<ClientRateLimitInfo> {
    return this.either(
      'increment',
      async () => {
        const [hits, ttl] = (await this.redis.client.eval(INCREMENT, { keys: [this.key(key)], arguments: [String(this.windowMs)] })) as [number, number];
        return { totalHits: Number(hits), resetTime: new Date(Date.now() + Number(ttl)) };
      },
      () => this.fallback.increment(key),
    );
  }

  async decrement(key: string): Promise<void> {
    await this.either('decrement', async () => void (await this.redis.client.eval(DECREMENT, { keys: [this.key(key)] })), () => this.fallback.decrement(key));
  }

  async resetKey(key: string): Promise<void> {
    // Both: a counter may have been kept in the database during an outage.
    await this.either('reset', async () => void (await this.redis.client.del(this.key(key))), async () => {});
    await this.fallback.resetKey(key);
  }
}

export interface RateLimiting {
  limit(opts: LimitOptions): RequestHandler;
  /**
   * Forgets every counter keyed by `name` alone or as the last part of a compound key (`ip|name`),
   * in any limiter: what an erased account leaves behind. `forget` is the database's part, in the
   * caller's transaction; `forgetShared` is Redis's, to call after the commit, so a slow Redis never
   * holds the transaction's locks.
   */
  forget(db: Knex, name: string): Promise<void>;
  forgetShared(name: string): Promise<void>;
}

/** Rate limits shared by every app process: in the database, or in Redis when it is configured. */
export function createRateLimiting(deps: { db: Knex; clock: Clock; log: Logger; redis: RedisConnection | null }): RateLimiting {
  const { redis } = deps;
  return {
    limit(opts) {
      const stored = new KnexRateLimitStore(deps.db, deps.clock, `${opts.name}:`);
      return limitRequests(opts, redis ? new RedisRateLimitStore(redis, stored, deps.log) : stored);
    },
    forget: forgetStoredRateLimitsOf,
    async forgetShared(name) {
      if (!redis?.ready) return;
      try {
        const pattern = `${redis.prefix}${REDIS_KEYS}*${name.replace(GLOB_SPECIAL, '\\$&')}`;
        for await (const keys of redis.client.scanIterator({ MATCH: pattern, COUNT: 500 })) {
          const exact = keys.filter((k) => countsFor(name)(k.slice(redis.prefix.length + REDIS_KEYS.length)));
          if (exact.length > 0) await redis.client.del(exact);
        }
      } catch (err) {
        // The counters expire with their window anyway; the erasure itself goes on.
        deps.log.warn({ event: 'rate_limit.redis_forget_failed', err }, 'could not forget rate limit counters in Redis');
      }
    },
  };
}

/** The client's IP, IPv6 addresses grouped by /56 as express-rate-limit advises. */
export function clientIp(req: Request): string {
  return ipKeyGenerator(req.ip ?? 'unknown');
}

interface LimitOptions {
  name: string;
  max: number;
  windowMs: number;
  message: string;
  /** Count only requests that failed (logins) or only those that succeeded (sign-ups). */
  count: 'failures' | 'successes';
  /** What is counted together; the client's IP unless given (a login counts per IP and account too). */
  key?: (req: Request) => string;
}

function limitRequests(opts: LimitOptions, store: Store): RequestHandler {
  return rateLimit({
    windowMs: opts.windowMs,
    limit: opts.max,
    store,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    keyGenerator: opts.key ?? clientIp,
    skipSuccessfulRequests: opts.count === 'failures',
    skipFailedRequests: opts.count === 'successes',
    // Hand the refusal to the error handler so it renders like every other error page.
    handler: (_req, _res, next) => next(new TooManyRequestsError('RATE_LIMITED', opts.message)),
  });
}
