import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCourse } from '../../support/factories.js';
import { signedIn } from '../../support/catalog-factories.js';
import { startTestApp, type TestApp } from '../../support/test-app.js';

let t: TestApp;
beforeAll(async () => {
  // Two failed logins allowed per window, so six failed checkouts per learner.
  t = await startTestApp({ LOGIN_RATE_LIMIT: '2' });
});
afterAll(async () => t?.close());

describe('guessing coupon codes', () => {
  it('is slowed down: after 6 refused checkouts in the window the learner is told to wait, and others are not', async () => {
    const course = await createCourse(t.db, { priceFen: 9900 });
    const guesser = await signedIn(t.app, t.db);
    const other = await signedIn(t.app, t.db);
    const guess = (who: typeof guesser, code: string) => who.agent.post('/orders').type('form').send({ _csrf: who.csrf, course_id: String(course.id), coupon_code: code });

    const statuses = [];
    for (let i = 0; i < 7; i++) statuses.push((await guess(guesser, `GUESS${i}`)).status);
    const blocked = await guess(guesser, 'GUESS7');
    const fine = await guess(other, 'GUESS8');

    expect(statuses).toEqual([422, 422, 422, 422, 422, 422, 429]);
    expect(blocked.text).toContain('尝试次数过多，请稍后再试');
    expect(fine.status).toBe(422);
  });
});
