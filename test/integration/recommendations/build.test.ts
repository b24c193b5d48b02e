import type { Knex } from 'knex';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { recsSettings } from '../../../src/modules/recommendations/index.js';
import { createRecsBuilder } from '../../../src/modules/recommendations/build-job.js';
import { createSignalRepository } from '../../../src/modules/recommendations/signal-repository.js';
import { acquireLease, releaseLease } from '../../../src/platform/jobs/lease.js';
import { createLogger } from '../../../src/platform/logger.js';
import { createLesson, grantAccess } from '../../support/catalog-factories.js';
import { createCourse, createUser } from '../../support/factories.js';
import { startTestApp, type TestApp } from '../../support/test-app.js';

let t: TestApp;
let db: Knex;
const HOUR = 3600_000;

beforeAll(async () => {
  t = await startTestApp();
  db = t.db;
});
afterAll(() => t.close());

const learner = async () => (await createUser(db, { passwordHash: 'not-a-real-hash' })).id;
/** The test clock jumps past real time, so rows the factories stamp with real time are "before now". */
const tick = (ms = HOUR) => t.clock.set(new Date(Math.max(Date.now(), t.clock.now().getTime()) + ms));
const builder = (settings: Partial<ReturnType<typeof recsSettings>> = {}) => createRecsBuilder({ db, clock: t.clock, log: createLogger('silent'), settings: { ...recsSettings(t.config.recommendations), ...settings } });
/** A purchase stamped by the test clock, as the payment module would stamp it. */
const buyNow = async (userId: number, courseId: number) => {
  await grantAccess(db, userId, courseId);
  await db('access_grants').where({ user_id: userId, course_id: courseId }).update({ granted_at: t.clock.now() });
};
const activeModel = async () => Number((await db('rec_active').first('model_id'))?.model_id ?? 0);
const listOf = async (modelId: number, userId: number) => {
  const row = (await db('rec_learner_lists').where({ model_id: modelId, user_id: userId }).first('items')) as { items: string } | undefined;
  return row ? (JSON.parse(row.items) as [number, number, string, number, string][]) : null;
};

let go1: { id: number }, go2: { id: number }, py: { id: number };
let fans: number[];
beforeEach(async () => {
  for (const table of ['rec_learner_lists', 'rec_course_neighbours', 'rec_active', 'rec_models', 'job_leases', 'lesson_progress', 'access_grants', 'ratings', 'likes', 'analytics_events', 'lessons', 'courses']) await db(table).delete();
  go1 = await createCourse(db, { title: 'Go 并发编程入门', category: 'backend' });
  go2 = await createCourse(db, { title: 'Go 微服务进阶', category: 'backend' });
  py = await createCourse(db, { title: 'Python 数据分析', category: 'ai' });
  fans = [];
  for (let i = 0; i < 6; i++) {
    const u = await learner();
    fans.push(u);
    await grantAccess(db, u, go1.id);
    await grantAccess(db, u, go2.id);
  }
  // Ten more learners of the Python course: a model of sixteen learners, for which one changed
  // learner is little enough for an incremental run.
  for (let i = 0; i < 10; i++) await grantAccess(db, await learner(), py.id);
  tick();
});

describe('signals read from the product’s tables', () => {
  it('a refund (the grant revoked) cancels the purchase signal, while the learner’s study still counts', async () => {
    const u = await learner();
    await grantAccess(db, u, py.id);
    const lesson = await createLesson(db, py.id);
    const at = new Date();
    await db('lesson_progress').insert({ user_id: u, lesson_id: lesson.id, course_id: py.id, first_opened_at: at, last_opened_at: at, last_active_at: at, seconds_studied: 600, completed_at: at });
    const before = (await createSignalRepository(db).interactions([u])).find((x) => x.item === String(py.id))!;
    expect(before).toMatchObject({ purchased: true, completion: 1, seconds: 600 });

    await db('access_grants').where({ user_id: u, course_id: py.id }).update({ revoked_at: new Date(), revoked_reason: 'refund' });
    const after = (await createSignalRepository(db).interactions([u])).find((x) => x.item === String(py.id))!;
    expect(after.purchased).toBe(false);
    expect(after.completion).toBe(1);
  });

  it('ratings, likes, comments and course views become signals with their latest time', async () => {
    const u = await learner();
    const at = new Date('2026-11-20T08:00:00Z');
    await db('ratings').insert({ user_id: u, course_id: py.id, stars: 5, status: 'published', created_at: at, updated_at: at });
    await db('likes').insert({ user_id: u, target_type: 'course', target_id: py.id, course_id: py.id, created_at: at });
    await db('analytics_events').insert([1, 2].map(() => ({ occurred_at: at, type: 'course_view', user_id: u, course_id: go1.id, source: 'direct', ua_class: 'mobile', referrer_class: 'none' })));
    const signals = await createSignalRepository(db).interactions([u]);
    expect(signals.find((x) => x.item === String(py.id))).toMatchObject({ purchased: false, stars: 5, liked: true, at });
    expect(signals.find((x) => x.item === String(go1.id))).toMatchObject({ views: 2 });
  });
});

describe('the build', () => {
  it('a full build writes lists and neighbours for the new model and swaps the pointer to it', async () => {
    const result = await t.buildRecommendations({ full: true });
    expect(result).toMatchObject({ mode: 'full', learners: 16, algorithm: 'ease' });
    expect(await activeModel()).toBe(result!.modelId);
    const neighbours = (await db('rec_course_neighbours').where({ model_id: result!.modelId, course_id: go1.id }).first('also_studied')) as { also_studied: string };
    expect(JSON.parse(neighbours.also_studied)).toEqual([[go2.id, expect.any(Number), 6]]);
    // They own both Go courses: never offered again; the Python course is.
    const picks = (await listOf(result!.modelId, fans[0]!))!.map((p) => p[0]);
    expect(picks).toContain(py.id);
    expect(picks).not.toContain(go1.id);
    expect(picks).not.toContain(go2.id);
  });

  it('records the build’s coverage and concentration: the Go fans get the Python course, its ten learners both Go courses', async () => {
    const { modelId } = (await t.buildRecommendations({ full: true }))!;
    const row = (await db('rec_models').where({ id: modelId }).first('coverage', 'concentration')) as { coverage: number; concentration: number };
    // Every course is in some list; the most-learned 10% (one course: Python, 10 learners) takes
    // the fans' 6 slots of all 6 + 10 × 2.
    expect(Number(row.coverage)).toBeCloseTo(1, 5);
    expect(Number(row.concentration)).toBeCloseTo(6 / 26, 5);
  });

  it('while a build is writing, readers follow the pointer to the old, complete model; then it swaps', async () => {
    const first = (await t.buildRecommendations({ full: true }))!.modelId;
    let midBuild: Promise<{ active: number; building: string; oldLists: number }> | null = null;
    const result = await builder().run({
      full: true,
      progress: (_done, _total, stage) => {
        // Queued now, so it runs between the build's own statements, half-way through writing.
        midBuild ??=
          stage === 'ranking learners'
            ? (async () => ({
                active: await activeModel(),
                building: String((await db('rec_models').orderBy('id', 'desc').first('status'))!.status),
                oldLists: Number((await db('rec_learner_lists').where({ model_id: first }).count({ n: '*' }))[0]!.n),
              }))()
            : null;
      },
    });
    expect(await midBuild).toEqual({ active: first, building: 'building', oldLists: 16 });
    expect(await activeModel()).toBe(result!.modelId);
    const ready = (await db('rec_models').where({ id: result!.modelId }).first('status', 'learners')) as { status: string; learners: number };
    expect(ready).toEqual({ status: 'ready', learners: 16 });
    // The model before it stays for a process that read the old pointer a moment ago.
    expect(Number((await db('rec_learner_lists').where({ model_id: first }).count({ n: '*' }))[0]!.n)).toBe(16);
  });

  it('a build that fails half-way is never served, and the served model stays whole', async () => {
    const served = (await t.buildRecommendations({ full: true }))!.modelId;
    const failing = builder().run({
      full: true,
      progress: (_d, _t, stage) => {
        if (stage === 'ranking learners') throw new Error('disk full');
      },
    });
    await expect(failing).rejects.toThrow('disk full');
    expect(await activeModel()).toBe(served);
    expect(await db('rec_models').where({ status: 'failed' }).count({ n: '*' }).first()).toMatchObject({ n: 1 });
    expect(await listOf(served, fans[0]!)).not.toBeNull();
    // The lease was given back: the next build runs.
    expect(await t.buildRecommendations({ full: true })).not.toBeNull();
  });

  it('the lease lets one build run at a time: another holder makes run() do nothing', async () => {
    await acquireLease(db, 'recs-build', 'another-process', 60_000, t.clock.now());
    expect(await t.buildRecommendations({ full: true })).toBeNull();
    expect(await db('rec_models').count({ n: '*' }).first()).toMatchObject({ n: 0 });
    await releaseLease(db, 'recs-build', 'another-process');
    expect(await t.buildRecommendations({ full: true })).not.toBeNull();
  });

  it('two builds started together: one builds, the other finds the lease taken', async () => {
    const [a, b] = await Promise.all([builder().run({ full: true }), builder().run({ full: true })]);
    expect([a, b].filter((r) => r === null)).toHaveLength(1);
    expect(await db('rec_models').count({ n: '*' }).first()).toMatchObject({ n: 1 });
  });

  it('incremental: when a few learners changed, only they are ranked again, inside the served model', async () => {
    const full = (await t.buildRecommendations({ full: true }))!;
    expect((await listOf(full.modelId, fans[0]!))!.map((p) => p[0])).toContain(py.id);
    const untouched = await db('rec_learner_lists').where({ model_id: full.modelId, user_id: fans[1]! }).first('computed_at');
    tick();
    await buyNow(fans[0]!, py.id);
    tick();
    const inc = await t.buildRecommendations();
    expect(inc).toMatchObject({ mode: 'incremental', modelId: full.modelId, learners: 1 });
    expect((await listOf(full.modelId, fans[0]!))!.map((p) => p[0])).not.toContain(py.id);
    expect(await db('rec_learner_lists').where({ model_id: full.modelId, user_id: fans[1]! }).first('computed_at')).toEqual(untouched);
    // Nothing new since: nothing to rank.
    expect(await t.buildRecommendations()).toMatchObject({ mode: 'incremental', learners: 0 });
  });

  it('a model trained on few learners is rebuilt in full when more than a tenth of that number changed', async () => {
    await t.buildRecommendations({ full: true });
    tick();
    for (const u of fans.slice(0, 2)) await buyNow(u, py.id);
    tick();
    // Two of sixteen: the neighbours themselves have moved.
    expect(await t.buildRecommendations()).toMatchObject({ mode: 'full' });
  });

  it('a changed catalogue, too many changed learners, or an old model means a full build', async () => {
    await t.buildRecommendations({ full: true });
    tick();
    const rust = await createCourse(db, { title: 'Rust 入门' });
    await db('courses').where({ id: rust.id }).update({ updated_at: t.clock.now() });
    tick();
    expect(await t.buildRecommendations()).toMatchObject({ mode: 'full' });

    tick();
    await buyNow(fans[0]!, py.id);
    tick();
    expect(await builder({ incrementalMaxLearners: 0 }).run()).toMatchObject({ mode: 'full' });

    tick(2 * 24 * HOUR);
    expect(await builder().run()).toMatchObject({ mode: 'full' });
  });
});
