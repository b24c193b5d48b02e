/**
 * Many signed-in learners, fast: rows written straight into `users` with one argon2 hash computed
 * once (at a low cost the app is configured to accept, so logging in never rehashes), then each one
 * logs in through the real form — GET /login for the session and its CSRF token, POST /login — and
 * opens `page` to read the CSRF token of the signed-in session, as a browser about to buy would.
 */
import type { Knex } from 'knex';
import { createPasswordHasher, type Argon2Params } from '../../src/modules/accounts/index.js';
import { SESSION_COOKIE } from '../../src/platform/http/index.js';

/** Cheap enough for a thousand logins in seconds; the app must be given the same (ARGON2_* env). */
export const BENCH_ARGON2: Argon2Params = { memoryCost: 1024, timeCost: 1, parallelism: 1 };
export const BENCH_ARGON2_ENV = { ARGON2_MEMORY_KIB: String(BENCH_ARGON2.memoryCost), ARGON2_ITERATIONS: String(BENCH_ARGON2.timeCost), ARGON2_PARALLELISM: String(BENCH_ARGON2.parallelism) };
const PASSWORD = 'bench password 1234';

export interface Learner {
  userId: number;
  username: string;
}

export interface SignedIn extends Learner {
  /** The Cookie header of the signed-in session. */
  cookie: string;
  csrf: string;
}

export async function seedLearners(db: Knex, tag: string, count: number, now: Date): Promise<Learner[]> {
  const passwordHash = await createPasswordHasher(BENCH_ARGON2).hash(PASSWORD);
  const rows = Array.from({ length: count }, (_, i) => ({
    username: `${tag}_${String(i).padStart(5, '0')}`,
    password_hash: passwordHash,
    nickname: `压测学员 ${tag} ${i + 1}`,
    role: 'learner',
    created_at: now,
    updated_at: now,
  }));
  await db.transaction(async (trx) => {
    for (let i = 0; i < rows.length; i += 200) await trx('users').insert(rows.slice(i, i + 200));
  });
  const ids = (await db('users').whereIn('username', rows.map((r) => r.username)).select('id', 'username')) as Array<{ id: number; username: string }>;
  const byName = new Map(ids.map((r) => [r.username, Number(r.id)]));
  return rows.map((r) => ({ userId: byName.get(r.username)!, username: r.username }));
}

const csrfOf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? null;
const sessionCookie = (res: Response) =>
  res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0]!)
    .find((c) => c.startsWith(`${SESSION_COOKIE}=`)) ?? null;

async function logIn(baseUrl: string, learner: Learner, page: string, extra: Record<string, string>): Promise<SignedIn> {
  const form = await fetch(`${baseUrl}/login`, { headers: extra });
  const anonymous = sessionCookie(form);
  const formCsrf = csrfOf(await form.text());
  if (!anonymous || !formCsrf) throw new Error(`GET /login gave no session or CSRF token (${form.status})`);
  const posted = await fetch(`${baseUrl}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { ...extra, cookie: anonymous, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: formCsrf, username: learner.username, password: PASSWORD }).toString(),
  });
  await posted.arrayBuffer();
  if (posted.status !== 303) throw new Error(`login of ${learner.username} answered ${posted.status}`);
  const cookie = sessionCookie(posted) ?? anonymous;
  const opened = await fetch(`${baseUrl}${page}`, { headers: { ...extra, cookie } });
  const csrf = csrfOf(await opened.text());
  if (opened.status !== 200 || !csrf) throw new Error(`${page} answered ${opened.status} without a CSRF token for ${learner.username}`);
  return { ...learner, cookie, csrf };
}

/**
 * Logs every learner in, `concurrency` at a time. `extra` headers go with every request: a production
 * app behind a proxy (TRUST_PROXY) sets its Secure session cookie only when told the visitor came over
 * HTTPS (X-Forwarded-Proto).
 */
export async function signIn(baseUrl: string, learners: Learner[], page: string, concurrency = 16, extra: Record<string, string> = {}): Promise<SignedIn[]> {
  const out: SignedIn[] = new Array(learners.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, learners.length) }, async () => {
      while (next < learners.length) {
        const i = next++;
        out[i] = await logIn(baseUrl, learners[i]!, page, extra);
      }
    }),
  );
  return out;
}
