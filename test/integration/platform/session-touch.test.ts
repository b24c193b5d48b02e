import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toDate } from '../../../src/platform/db/index.js';
import { signedIn } from '../../support/catalog-factories.js';
import { startTestApp, type TestApp } from '../../support/test-app.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => t.close());

const HOUR_MS = 3600_000;
const expiryOf = async (userId: number) => toDate((await t.db('sessions').where({ user_id: userId }).first('expires_at'))!.expires_at);

/** The statements the app sends to the sessions table while `act` runs. */
async function sessionStatements(act: () => Promise<unknown>): Promise<string[]> {
  const seen: string[] = [];
  const onQuery = (q: { sql: string }) => {
    if (/\bsessions\b/.test(q.sql)) seen.push(q.sql.split(' ')[0]!.toLowerCase());
  };
  t.db.on('query', onQuery);
  try {
    await act();
  } finally {
    t.db.off('query', onQuery);
  }
  return seen;
}

describe('keeping a signed-in session alive', () => {
  it('reads the session on every page but writes nothing while its expiry is less than an hour from due', async () => {
    const learner = await signedIn(t.app, t.db);
    const before = await expiryOf(learner.user.id);

    const statements = await sessionStatements(async () => {
      for (let i = 0; i < 5; i++) expect((await learner.agent.get('/me/courses')).status).toBe(200);
    });

    expect(statements).toEqual(['select', 'select', 'select', 'select', 'select']);
    expect((await expiryOf(learner.user.id)).getTime()).toBe(before.getTime());
  });

  it('pushes the expiry forward on the next page once the stored one is more than an hour behind, even if this process saw a later one', async () => {
    const learner = await signedIn(t.app, t.db);
    await learner.agent.get('/me/courses');
    // As if the session had last been touched two hours ago (by this process or another one).
    const old = new Date((await expiryOf(learner.user.id)).getTime() - 2 * HOUR_MS);
    await t.db('sessions').where({ user_id: learner.user.id }).update({ expires_at: old });

    const statements = await sessionStatements(() => learner.agent.get('/me/courses'));

    expect(statements).toEqual(['select', 'update']);
    expect((await expiryOf(learner.user.id)).getTime()).toBeGreaterThan(old.getTime() + HOUR_MS);
  });

  it('ends a logged-out session for good: the old cookie finds no session', async () => {
    const learner = await signedIn(t.app, t.db);
    const logout = await learner.agent.post('/logout').type('form').send({ _csrf: learner.csrf });
    expect(logout.status).toBe(303);

    const page = await learner.agent.get('/me/courses');

    expect(page.status).toBe(303);
    expect(await t.db('sessions').where({ user_id: learner.user.id }).first()).toBeUndefined();
  });
});
