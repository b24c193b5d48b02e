// Signed-in learners by the hundred, for load tests: their sessions written straight into the
// session table (as the app's store writes them) with a CSRF token in each, so a test does not spend
// its time on hundreds of logins. The login itself is tested elsewhere.
import { createHmac, randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import { SESSION_COOKIE } from '../../src/platform/http/index.js';

/** express-session's cookie value: the id and its HMAC-SHA256, as cookie-signature makes it. */
function signed(sid: string, secret: string): string {
  return `${sid}.${createHmac('sha256', secret).update(sid).digest('base64').replace(/=+$/, '')}`;
}

export interface SeededSession {
  userId: number;
  /** The Cookie header value. */
  cookie: string;
  csrf: string;
}

export async function seedLearnerSessions(db: Knex, secret: string, n: number): Promise<SeededSession[]> {
  const now = new Date();
  const tag = `s${randomBytes(3).toString('hex')}`;
  const users = Array.from({ length: n }, (_, i) => ({ username: `${tag}u${i}`, password_hash: 'x', nickname: `学员${i}`, role: 'learner', created_at: now, updated_at: now }));
  for (let i = 0; i < users.length; i += 100) await db('users').insert(users.slice(i, i + 100));
  const ids = new Map(((await db('users').where('username', 'like', `${tag}u%`).select('id', 'username')) as Array<{ id: number; username: string }>).map((u) => [u.username, Number(u.id)]));
  const expires = new Date(now.getTime() + 24 * 3600_000);
  const out: SeededSession[] = [];
  const rows = users.map((u) => {
    const sid = randomBytes(18).toString('base64url');
    const csrf = randomBytes(32).toString('hex');
    const userId = ids.get(u.username)!;
    out.push({ userId, csrf, cookie: `${SESSION_COOKIE}=${encodeURIComponent(`s:${signed(sid, secret)}`)}` });
    const sess = { cookie: { originalMaxAge: 24 * 3600_000, expires: expires.toISOString(), httpOnly: true, path: '/', sameSite: 'lax' }, userId, csrfToken: csrf };
    return { sid, sess: JSON.stringify(sess), expires_at: expires, user_id: userId };
  });
  for (let i = 0; i < rows.length; i += 100) await db('sessions').insert(rows.slice(i, i + 100));
  return out;
}
