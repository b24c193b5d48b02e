import type { Knex } from 'knex';
import { insertIfAbsent } from '../db/rows.js';

/**
 * Takes or renews the lease on `name` for `ttlMs`. True when this owner now holds it. Backed by the
 * primary key and a conditional update, so two processes never both hold an unexpired lease, on
 * MySQL or SQLite.
 */
export async function acquireLease(db: Knex, name: string, owner: string, ttlMs: number, now: Date): Promise<boolean> {
  const expiresAt = new Date(now.getTime() + ttlMs);
  if (await insertIfAbsent(db, 'job_leases', { name, owner, expires_at: expiresAt }, ['name'])) return true;
  const taken = await db('job_leases')
    .where({ name })
    .andWhere((q) => q.where({ owner }).orWhere('expires_at', '<=', now))
    .update({ owner, expires_at: expiresAt });
  return taken > 0;
}

export async function releaseLease(db: Knex, name: string, owner: string): Promise<void> {
  await db('job_leases').where({ name, owner }).delete();
}
