import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SANDBOX_OA, SANDBOX_OA_ORIGINAL_ID } from '../../../src/modules/sandbox/official-account/index.js';
import { buildSignedRequest, newMsgId, readReply, readXmlFields, type Credentials } from '../../../src/modules/sandbox/official-account/message-client.js';
import { createCourse, createUser } from '../../support/factories.js';
import { grantAccess } from '../../support/catalog-factories.js';
import { startTestApp, type TestApp } from '../../support/test-app.js';

// A keyword sent to the Official Account: the matching course, plus one course its learners also
// took. Requests are built and signed by the sandbox's own message client, as WeChat would.
const PUBLIC_URL = 'https://zhifu.example.com';
const TRACKING = 'utm_source=wechat_oa&utm_medium=reply';
const credentials: Credentials = { token: SANDBOX_OA.token, encodingAesKey: SANDBOX_OA.encodingAesKey, appid: SANDBOX_OA.appid };

let t: TestApp;
let k8s: { id: number; slug: string; title: string };
let monitoring: { id: number; slug: string; title: string };
let lonely: { id: number; slug: string; title: string };

beforeAll(async () => {
  t = await startTestApp({ PUBLIC_URL });
  k8s = await createCourse(t.db, { slug: 'k8s-practice', title: 'Kubernetes 实战' });
  monitoring = await createCourse(t.db, { slug: 'cloud-monitoring', title: '云原生监控 <b>Prometheus</b>' });
  lonely = await createCourse(t.db, { slug: 'cobol-basics', title: 'COBOL 考古' });
  for (let i = 0; i < 3; i++) {
    const u = await createUser(t.db, { passwordHash: 'unused' });
    await grantAccess(t.db, u.id, k8s.id);
    await grantAccess(t.db, u.id, monitoring.id);
  }
  expect((await t.buildRecommendations({ full: true }))?.mode).toBe('full');
  t.clock.advance(10_000);
});
afterAll(async () => t?.close());

let seq = 0;
function send(content: string, encrypt = false, from = `oFollower${++seq}${Date.now()}`) {
  const r = buildSignedRequest({
    serverUrl: 'http://app.invalid/wechat',
    message: { kind: 'text', to: SANDBOX_OA_ORIGINAL_ID, from, content, createTime: Math.floor(Date.now() / 1000), msgId: newMsgId() },
    credentials,
    encrypt,
  });
  const url = new URL(r.url);
  return request(t.app).post(url.pathname + url.search).set('Content-Type', 'text/xml; charset=utf-8').send(r.body);
}

describe('a keyword reply with a recommendation', () => {
  it('never recommends a course the follower already owns (their account found by openid)', async () => {
    const follower = await createUser(t.db, { passwordHash: 'unused' });
    const openid = `oOwner${Date.now()}`;
    await t.db('users').where({ id: follower.id }).update({ wechat_openid: openid });
    await grantAccess(t.db, follower.id, monitoring.id);

    const reply = readXmlFields((await send('Kubernetes', false, openid)).text);

    expect(reply.MsgType).toBe('news');
    expect(reply.Content ?? '').not.toContain(monitoring.slug);
  });

  it('is a text reply linking the course and 学了这门课的人还学了《Y》 with Y’s link, both tagged for analytics', async () => {
    const res = await send('Kubernetes');

    expect(res.status).toBe(200);
    const reply = readXmlFields(res.text);
    expect(reply).toMatchObject({ MsgType: 'text', FromUserName: SANDBOX_OA_ORIGINAL_ID });
    expect(reply.Content).toContain(`《${k8s.title}》`);
    expect(reply.Content).toContain(`<a href="${PUBLIC_URL}/courses/${k8s.slug}?${TRACKING}">`);
    // The title's markup is shown as text: it cannot become a link or a tag of its own.
    expect(reply.Content).toContain('学了这门课的人还学了《云原生监控 ＜b＞Prometheus＜/b＞》');
    expect(reply.Content).toContain(`<a href="${PUBLIC_URL}/courses/${monitoring.slug}?${TRACKING}">`);
    expect(reply.Content!.match(/<a /g)).toHaveLength(2);
    expect(Buffer.byteLength(reply.Content!, 'utf8')).toBeLessThanOrEqual(2048);
  });

  it('stays within WeChat’s 2048 bytes for the longest titles and summary the columns hold, in 4-byte characters', async () => {
    const before = await t.db('courses').whereIn('id', [k8s.id, monitoring.id]).select('id', 'title', 'summary');
    await t.db('courses').where({ id: k8s.id }).update({ title: `Kubernetes${'🚢'.repeat(70)}`, summary: '🐳'.repeat(200) });
    await t.db('courses').where({ id: monitoring.id }).update({ title: '📈'.repeat(80) });
    // Past the few seconds a served answer is cached.
    t.clock.advance(10_000);
    try {
      const res = await send('Kubernetes');

      const content = readXmlFields(res.text).Content!;
      expect(Buffer.byteLength(content, 'utf8')).toBeLessThanOrEqual(2048);
      expect(content).toContain('🐳'.repeat(200));
      expect(content).toContain(`学了这门课的人还学了《${'📈'.repeat(80)}》`);
      expect(content).toContain(`${PUBLIC_URL}/courses/${monitoring.slug}?${TRACKING}`);
    } finally {
      for (const r of before) await t.db('courses').where({ id: r.id }).update({ title: r.title, summary: r.summary });
    }
  });

  it('is encrypted and signed like any reply in safe mode', async () => {
    const res = await send('Kubernetes', true);

    const reply = readReply(res.text, credentials);
    expect(reply.fields.MsgType).toBe('text');
    expect(reply.fields.Content).toContain(`${PUBLIC_URL}/courses/${monitoring.slug}?${TRACKING}`);
  });

  it('stays the one-article news reply when nobody took the course with another', async () => {
    const res = await send('COBOL');

    const reply = readXmlFields(res.text);
    expect(reply).toMatchObject({ MsgType: 'news', ArticleCount: '1' });
    expect(res.text).toContain(`${PUBLIC_URL}/courses/${lonely.slug}?${TRACKING}`);
    expect(res.text).not.toContain('学了这门课的人还学了');
  });
});
