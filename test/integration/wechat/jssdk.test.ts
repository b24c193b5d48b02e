import { createHash } from 'node:crypto';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SANDBOX_OA } from '../../../src/modules/sandbox/official-account/index.js';
import { startListeningApp, type ListeningApp } from '../../support/listening-app.js';

// wx.config parameters for our own pages, signed with the jsapi_ticket the app cached from the sandbox.
let t: ListeningApp;
beforeAll(async () => {
  t = await startListeningApp();
});
afterAll(async () => t?.close());

/** The JS-SDK signature as WeChat's documentation spells it, written out here on its own. */
const expectedSignature = (ticket: string, nonceStr: string, timestamp: number, pageUrl: string) =>
  createHash('sha1').update(`jsapi_ticket=${ticket}&noncestr=${nonceStr}&timestamp=${timestamp}&url=${pageUrl}`, 'utf8').digest('hex');

const config = (url: string) => request(t.baseUrl).get('/wechat/jssdk-config').query({ url });

describe('GET /wechat/jssdk-config', () => {
  it('signs a page URL of ours, leaving out the #fragment, with the cached jsapi_ticket', async () => {
    const res = await config(`${t.baseUrl}/courses/x#frag`);

    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(Object.keys(res.body).sort()).toEqual(['appId', 'nonceStr', 'signature', 'timestamp']);
    expect(res.body.appId).toBe(SANDBOX_OA.appid);
    expect(Math.abs(res.body.timestamp - Date.now() / 1000)).toBeLessThan(30);
    expect(res.body.nonceStr).toMatch(/^[A-Za-z0-9]{8,32}$/);
    const ticket = (await t.db('wechat_tokens').where({ name: 'jsapi_ticket' }).first()).value;
    expect(res.body.signature).toBe(expectedSignature(ticket, res.body.nonceStr, res.body.timestamp, `${t.baseUrl}/courses/x`));
  });

  it('signs the query string exactly as the page has it, unescaped', async () => {
    const page = `${t.baseUrl}/courses/x?from=singlemessage&isappinstalled=0&q=前端`;
    const res = await config(page);

    expect(res.status).toBe(200);
    const ticket = (await t.db('wechat_tokens').where({ name: 'jsapi_ticket' }).first()).value;
    expect(res.body.signature).toBe(expectedSignature(ticket, res.body.nonceStr, res.body.timestamp, page));
  });

  it('gives every request its own nonce', async () => {
    const [a, b] = await Promise.all([config(`${t.baseUrl}/`), config(`${t.baseUrl}/`)]);
    expect(a.body.nonceStr).not.toBe(b.body.nonceStr);
  });

  it.each([
    ['a foreign site', 'https://evil.com/', 'FOREIGN_URL'],
    ['our host on another port', 'http://127.0.0.1:1/courses/x', 'FOREIGN_URL'],
    ['a javascript: URL', 'javascript:alert(1)', 'FOREIGN_URL'],
    ['garbage', 'not a url', 'BAD_URL'],
    ['nothing', '', 'BAD_URL'],
  ])('refuses %s with 400 JSON', async (_name, url, code) => {
    const res = await config(url);

    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/application\/json/);
    expect(res.body).toEqual({ code, message: expect.any(String) });
  });

  it('answers JSON to page script that accepts anything, as fetch() does', async () => {
    const res = await request(t.baseUrl).get('/wechat/jssdk-config?url=https%3A%2F%2Fevil.com%2F').set('Accept', '*/*');
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('FOREIGN_URL');
  });
});
