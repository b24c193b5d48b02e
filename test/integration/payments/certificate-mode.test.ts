import { X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCourseWithLessons } from '../../support/catalog-factories.js';
import { createCourse, createUser } from '../../support/factories.js';
import { startListeningApp, type ListeningApp } from '../../support/listening-app.js';
import { createWechatPayClient } from '../../../src/modules/payments/index.js';
import { systemClock } from '../../../src/platform/clock.js';
import { createLogger } from '../../../src/platform/logger.js';
import { APP_APPID, APP_MCHID, SANDBOX_MOUNT, buy, createPendingOrder, notification, orderRow, outTradeNoOf, paidTransaction, payAtSandbox, postNotification, sandboxControl, sandboxKeys, signedInLearner, tick } from '../../support/wechat-pay.js';

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

describe('certificate mode across processes and rotations', () => {
  const expireDownloadLease = () => t.db('job_leases').where({ name: 'payments.platform_certificates' }).update({ expires_at: new Date(Date.now() - 1000) });

  it('keeps the downloaded certificates in the database, so another process verifies without downloading', async () => {
    const stored = await t.db('wechatpay_platform_certificates').pluck('serial_no');
    const keys = sandboxKeys(t);
    const merchant = { appid: APP_APPID, mchid: APP_MCHID, apiV3Key: keys.apiV3Key, privateKeyPem: keys.merchant.privateKeyPem, serial: keys.merchant.serial, publicKey: null, platformCertificatePems: [], apiBase: t.baseUrl + SANDBOX_MOUNT };
    const other = createWechatPayClient({ db: t.db, clock: systemClock, log: createLogger('silent'), merchant });
    await t.db('job_leases').where({ name: 'payments.platform_certificates' }).update({ expires_at: new Date(Date.now() + 3600_000) });

    const answer = await other.query('ZFNOTHERE000000000000000001');

    expect(stored).toContain(certificateSerial.toUpperCase());
    expect(answer).toBeNull();
    await expireDownloadLease();
  });

  it('lists a rotated certificate at once but keeps signing with the old one during the overlap', async () => {
    const rotated = await sandboxControl(t, '/sandbox/certificates/rotate', { overlap_ms: 3600_000 });
    const course = await createCourseWithLessons(t.db, 1, { priceFen: 990 });
    const learner = await signedInLearner(t);

    const res = await buy(learner.agent, course);

    expect(rotated.json.listed).toEqual([certificateSerial, rotated.json.serial_no]);
    expect(res.status).toBe(303);
    expect(t.sandbox.signer.serial).toBe(certificateSerial);
  });

  it('downloads again when answers and notifications start coming signed by the new certificate', async () => {
    const rotated = await sandboxControl(t, '/sandbox/certificates/rotate', { overlap_ms: 0 });
    await expireDownloadLease();
    const course = await createCourseWithLessons(t.db, 1, { priceFen: 1290 });
    const learner = await signedInLearner(t);

    const no = outTradeNoOf((await buy(learner.agent, course)).headers.location);
    await payAtSandbox(t, no);
    await tick(t);

    expect(t.sandbox.signer.serial).toBe(rotated.json.serial_no);
    expect(await orderRow(t.db, no)).toMatchObject({ status: 'paid' });
    expect(await t.db('wechatpay_platform_certificates').pluck('serial_no')).toContain(String(rotated.json.serial_no).toUpperCase());
  });

  it('does not look at the certificates at all for an unknown serial outside the time window', async () => {
    await t.db('job_leases').where({ name: 'payments.platform_certificates' }).delete();
    const user = await createUser(t.db, { passwordHash: 'x' });
    const order = await createPendingOrder(t.db, { userId: user.id, courseId: (await createCourse(t.db)).id });

    const res = await postNotification(t, notification(sandboxKeys(t), paidTransaction(order), { serial: 'OLD0BADC0DE', timestamp: Math.floor(Date.now() / 1000) - 3600 }));

    expect(res.status).toBe(401);
    expect(await t.db('job_leases').where({ name: 'payments.platform_certificates' })).toEqual([]);
  });

  it('does not download again for a flood of unknown serials while the lease holds', async () => {
    const before = Number((await t.db('wechatpay_platform_certificates').count({ n: '*' }).first())!.n);
    const user = await createUser(t.db, { passwordHash: 'x' });
    const order = await createPendingOrder(t.db, { userId: user.id, courseId: (await createCourse(t.db)).id });

    const replies = await Promise.all(Array.from({ length: 5 }, (_, i) => postNotification(t, notification(sandboxKeys(t), paidTransaction(order), { serial: `0BADC0DE${i}` }))));

    expect(replies.map((r) => r.status)).toEqual([401, 401, 401, 401, 401]);
    expect(Number((await t.db('wechatpay_platform_certificates').count({ n: '*' }).first())!.n)).toBe(before);
    expect(await orderRow(t.db, order.out_trade_no)).toMatchObject({ status: 'pending' });
  });
});
