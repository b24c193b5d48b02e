import type { Request, RequestHandler } from 'express';
import { ipKeyGenerator, rateLimit, type ClientRateLimitInfo, type Options, type Store } from 'express-rate-limit';
import type { Knex } from 'knex';
import type { Clock } from '../clock.js';
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

/**
 * Forgets every counter keyed by `name` alone or as the last part of a compound key (`ip|name`), in
 * any limiter: what an erased account leaves behind. LIKE narrows the search (its _ may match more);
 * the exact keys are picked in code.
 */
export async function forgetRateLimitsOf(db: Knex, name: string): Promise<void> {
  const buckets = (await db(TABLE).where('bucket', 'like', `%${name}`).pluck('bucket')).map(String).filter((b) => b.endsWith(`|${name}`) || b.endsWith(`:${name}`));
  if (buckets.length > 0) await db(TABLE).whereIn('bucket', buckets).delete();
}

/** The client's IP, IPv6 addresses grouped by /56 as express-rate-limit advises. */
export function clientIp(req: Request): string {
  return ipKeyGenerator(req.ip ?? 'unknown');
}

export function limitRequests(opts: {
  db: Knex;
  clock: Clock;
  name: string;
  max: number;
  windowMs: number;
  message: string;
  /** Count only requests that failed (logins) or only those that succeeded (sign-ups). */
  count: 'failures' | 'successes';
  /** What is counted together; the client's IP unless given (a login counts per IP and account too). */
  key?: (req: Request) => string;
}): RequestHandler {
  return rateLimit({
    windowMs: opts.windowMs,
    limit: opts.max,
    store: new KnexRateLimitStore(opts.db, opts.clock, `${opts.name}:`),
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    keyGenerator: opts.key ?? clientIp,
    skipSuccessfulRequests: opts.count === 'failures',
    skipFailedRequests: opts.count === 'successes',
    // Hand the refusal to the error handler so it renders like every other error page.
    handler: (_req, _res, next) => next(new TooManyRequestsError('RATE_LIMITED', opts.message)),
  });
}
