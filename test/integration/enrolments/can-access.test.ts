import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuditService } from '../../../src/modules/audit/index.js';
import { createEnrolmentService, type EnrolmentService } from '../../../src/modules/enrolments/index.js';
import { systemClock } from '../../../src/platform/clock.js';
import { createLogger } from '../../../src/platform/logger.js';
import { grantAccess } from '../../support/catalog-factories.js';
import { createCourse, createUser } from '../../support/factories.js';
import { startTestApp, type TestApp } from '../../support/test-app.js';

// canAccess is the one rule every lesson page, fragment and beacon asks; these pin it down directly,
// since the pages in front of it also hide draft courses and would mask a mistake in it.
let t: TestApp;
let enrolments: EnrolmentService;
beforeAll(async () => {
  t = await startTestApp();
  enrolments = createEnrolmentService({ db: t.db, clock: systemClock, log: createLogger('silent'), audit: createAuditService({ db: t.db, clock: systemClock }) });
});
afterAll(async () => t?.close());

describe('canAccess', () => {
  it('opens a published course’s free preview to everyone, and an unpublished one’s only to those who own it', async () => {
    const course = await createCourse(t.db, { status: 'draft' });
    const owner = await createUser(t.db, { passwordHash: 'x' });
    const stranger = await createUser(t.db, { passwordHash: 'x' });
    await grantAccess(t.db, owner.id, course.id, 'purchase');
    const preview = (coursePublished: boolean) => ({ courseId: course.id, isFreePreview: true, coursePublished });

    expect(await enrolments.canAccess(null, preview(true))).toBe(true);
    expect(await enrolments.canAccess({ id: stranger.id, isAdmin: false }, preview(true))).toBe(true);
    expect(await enrolments.canAccess(null, preview(false))).toBe(false);
    expect(await enrolments.canAccess({ id: stranger.id, isAdmin: false }, preview(false))).toBe(false);
    expect(await enrolments.canAccess({ id: owner.id, isAdmin: false }, preview(false))).toBe(true);
  });

  it('opens a locked lesson while any source is live, and closes it when the last one ends', async () => {
    const course = await createCourse(t.db);
    const learner = await createUser(t.db, { passwordHash: 'x' });
    const locked = { courseId: course.id, isFreePreview: false, coursePublished: true };
    await grantAccess(t.db, learner.id, course.id, 'purchase', 4242);
    await grantAccess(t.db, learner.id, course.id, 'admin_grant');
    const viewer = { id: learner.id, isAdmin: false };

    const both = await enrolments.canAccess(viewer, locked);
    await t.db.transaction((trx) => enrolments.revokeOrder(trx, { userId: learner.id, courseId: course.id, orderId: 4242 }));
    const adminOnly = await enrolments.canAccess(viewer, locked);
    const revoked = await enrolments.adminRevoke(0, learner.id, course.id);
    const none = await enrolments.canAccess(viewer, locked);

    expect([both, adminOnly, none]).toEqual([true, true, false]);
    expect(revoked).toEqual({ ended: 1, stillPaid: false });
  });

  it('answers for the admin without a grant', async () => {
    const course = await createCourse(t.db, { status: 'draft' });
    const admin = await createUser(t.db, { role: 'admin', passwordHash: 'x' });

    expect(await enrolments.canAccess({ id: admin.id, isAdmin: true }, { courseId: course.id, isFreePreview: false, coursePublished: false })).toBe(true);
  });
});
