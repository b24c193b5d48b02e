import { X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCourseWithLessons } from '../../support/catalog-factories.js';
import { createCourse, createUser } from '../../support/factories.js';
import { startListeningApp, type ListeningApp } from '../../support/listening-app.js';
import { buy, createPendingOrder, notification, orderRow, outTradeNoOf, paidTransaction, payAtSandbox, postNotification, sandboxKeys, signedInLearner, tick } from '../../support/wechat-pay.js';

// Platform-certificate mode, as older merchants have it: the sandbox signs with its certificate's
// serial, and the real client starts knowing no WeChat key at all, so it must download
// /v3/certificates (signed over the path) before it can trust any answer or notification.
let t: ListeningApp;
let certificateSerial: string;
beforeAll(async () => {
  t = await startListeningApp({ SANDBOX_SIGNATURE_MODE: 'certificate' });
  const keys = sandboxKeys(t) as ReturnType<typeof sandboxKeys> & { platform: { certificatePem: string } };
  certificateSerial = new X509Certificate(keys.platform.certificatePem).serialNumber;
});
afterAll(async () => t?.close());

describe('certificate mode', () => {
  it('downloads the platform certificate on the first answer, then buys, pays and grants like public-key mode', async () => {
    const course = await createCourseWithLessons(t.db, 1, { priceFen: 1990 });
    const learner = await signedInLearner(t);

    const res = await buy(learner.agent, course);
    const no = outTradeNoOf(res.headers.location);
    await payAtSandbox(t, no);
    await tick(t);

    expect(await orderRow(t.db, no)).toMatchObject({ status: 'paid' });
    expect(await t.db('access_grants').where({ user_id: learner.user.id, course_id: course.id }).whereNull('revoked_at')).toHaveLength(1);
  });

  it('fetches the certificate when the first thing it hears is a notification signed with an unknown serial', async () => {
    const fresh = await startListeningApp({ SANDBOX_SIGNATURE_MODE: 'certificate' });
    try {
      const user = await createUser(fresh.db, { passwordHash: 'x' });
      const course = await createCourse(fresh.db, { priceFen: 9900 });
      const order = await createPendingOrder(fresh.db, { userId: user.id, courseId: course.id });

      const reply = await postNotification(fresh, notification(sandboxKeys(fresh), paidTransaction(order), { serial: certificateSerial }));
      const forged = await postNotification(fresh, notification(sandboxKeys(fresh), paidTransaction(order), { serial: 'ABCDEF0123456789' }));

      expect(reply.status).toBe(204);
      expect(forged.status).toBe(401);
      expect(await orderRow(fresh.db, order.out_trade_no)).toMatchObject({ status: 'paid' });
    } finally {
      await fresh.close();
    }
  });
});
