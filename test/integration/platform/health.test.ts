import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../support/test-app.js';

describe('/healthz', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => t.close());

  it('answers 200 with status ok and the database up, never cached', async () => {
    const res = await request(t.app).get('/healthz');

    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toMatchObject({ status: 'ok', database: 'up' });
    expect(res.body.latencyMs).toBeGreaterThanOrEqual(0);
  });

  it('creates no session', async () => {
    const res = await request(t.app).get('/healthz');

    expect(res.headers['set-cookie']).toBeUndefined();
    expect(Number((await t.db('sessions').count({ n: '*' }).first())?.n)).toBe(0);
  });
});

describe('/healthz when the database is gone', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => t.close());

  it('answers 503 with status error and the database down instead of crashing', async () => {
    await t.db.destroy();

    const res = await request(t.app).get('/healthz');

    expect(res.status).toBe(503);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toEqual({ status: 'error', database: 'down' });
  });
});
