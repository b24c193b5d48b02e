import session from 'express-session';
import type { Knex } from 'knex';
import type { Clock } from '../clock.js';
import { toDate } from '../db/rows.js';
import { createLru } from '../lru.js';

const TABLE = 'sessions';
/** A session's expiry is pushed forward at most this often, so reading pages does not write every time. */
const TOUCH_GRANULARITY_MS = 60 * 60_000;
/** Sessions whose stored expiry this process remembers (the most recently used). */
const MAX_KNOWN_EXPIRIES = 10_000;

/**
 * express-session store on our own `sessions` table (created by a migration), so every app process
 * sees the same sessions on SQLite and MySQL alike.
 */
export class KnexSessionStore extends session.Store {
  /**
   * The stored expiry of recently used sessions, as this process last read or wrote it. Nearly every
   * touch would push the expiry by less than the granularity: knowing the stored expiry, such a touch
   * needs no statement at all. Other processes only ever extend an expiry or delete the row, and
   * either way the skipped update would have changed nothing.
   */
  private readonly knownExpiry = createLru<number>(MAX_KNOWN_EXPIRIES);

  constructor(
    private readonly db: Knex,
    private readonly clock: Clock,
    private readonly defaultTtlMs: number,
  ) {
    super();
  }

  private expiry(sess: session.SessionData): Date {
    const expires = sess.cookie?.expires;
    return expires ? new Date(expires) : new Date(this.clock.now().getTime() + this.defaultTtlMs);
  }

  override get(sid: string, cb: (err: unknown, session?: session.SessionData | null) => void): void {
    this.db(TABLE)
      .where({ sid })
      .andWhere('expires_at', '>', this.clock.now())
      .first('sess', 'expires_at')
      .then((row: { sess: string; expires_at: unknown } | undefined) => {
        if (!row) return cb(null, null);
        this.knownExpiry.set(sid, toDate(row.expires_at).getTime());
        cb(null, JSON.parse(row.sess) as session.SessionData);
      }, cb);
  }

  override set(sid: string, sess: session.SessionData, cb?: (err?: unknown) => void): void {
    const expiresAt = this.expiry(sess);
    this.knownExpiry.delete(sid);
    this.db(TABLE)
      .insert({ sid, sess: JSON.stringify(sess), expires_at: expiresAt, user_id: (sess as { userId?: number }).userId ?? null })
      .onConflict('sid')
      .merge(['sess', 'expires_at', 'user_id'])
      .then(() => {
        this.knownExpiry.set(sid, expiresAt.getTime());
        cb?.();
      }, (err: unknown) => cb?.(err));
  }

  override touch(sid: string, sess: session.SessionData, cb?: (err?: unknown) => void): void {
    const expiresAt = this.expiry(sess);
    const stored = this.knownExpiry.get(sid);
    if (stored !== undefined && stored >= expiresAt.getTime() - TOUCH_GRANULARITY_MS) {
      cb?.();
      return;
    }
    this.db(TABLE)
      .where({ sid })
      .andWhere('expires_at', '<', new Date(expiresAt.getTime() - TOUCH_GRANULARITY_MS))
      .update({ expires_at: expiresAt })
      .then((changed: number) => {
        // Unchanged: the row holds a later expiry than the one we knew (or is gone); read it next time.
        if (changed > 0) this.knownExpiry.set(sid, expiresAt.getTime());
        else this.knownExpiry.delete(sid);
        cb?.();
      }, (err: unknown) => cb?.(err));
  }

  override destroy(sid: string, cb?: (err?: unknown) => void): void {
    this.knownExpiry.delete(sid);
    this.db(TABLE)
      .where({ sid })
      .delete()
      .then(() => cb?.(), (err: unknown) => cb?.(err));
  }

  /** Logs a user out everywhere (an erased account); pass the transaction the erasure runs in. */
  static async endAllOf(db: Knex, userId: number): Promise<number> {
    return db(TABLE).where({ user_id: userId }).delete();
  }

  /** Logs a user out everywhere but here (a password change); returns how many sessions ended. */
  async destroyOthersOf(userId: number, keepSid: string): Promise<number> {
    return this.db(TABLE).where({ user_id: userId }).whereNot({ sid: keepSid }).delete();
  }

  /** Deletes expired sessions; safe for several processes to run at once. */
  async prune(): Promise<number> {
    return this.db(TABLE).where('expires_at', '<=', this.clock.now()).delete();
  }

  async expiresAt(sid: string): Promise<Date | null> {
    const row = await this.db(TABLE).where({ sid }).first('expires_at');
    return row ? toDate(row.expires_at) : null;
  }
}
