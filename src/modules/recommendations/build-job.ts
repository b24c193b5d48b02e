import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { Clock } from '../../platform/clock.js';
import { acquireLease, releaseLease } from '../../platform/jobs/lease.js';
import type { Logger } from '../../platform/logger.js';
import { breathe, createRanker, learnerHistories, popularOrder, trainModel, type HistoryEntry, type Model, type Progress, type Recommendation } from './engine/index.js';
import { listStats } from './list-stats.js';
import { modelFromRows } from './stored-model.js';
import { createModelRepository, storeList, type StoredPick } from './model-repository.js';
import type { RecsSettings } from './settings.js';
import { createSignalRepository } from './signal-repository.js';

const JOB = 'recs-build';
const LEASE_MS = 10 * 60_000;
const WRITE_BATCH = 2000;

export interface BuildResult {
  mode: 'full' | 'incremental';
  modelId: number;
  algorithm: 'ease' | 'knn';
  courses: number;
  learners: number;
  interactions: number;
  durationMs: number;
}

/**
 * The batch behind every recommendation. One process at a time holds the lease (renewed as the
 * build goes). A full build trains the engine on every signal and writes a new model beside the
 * served one, then swaps the pointer; an incremental run, when only a few learners did something
 * since the last build and the catalogue is unchanged, ranks just them against the served model
 * and replaces their lists, each list in one statement.
 */
export function createRecsBuilder(deps: { db: Knex; clock: Clock; log: Logger; settings: RecsSettings; onBuilt?: () => void }) {
  const { db, clock, log, settings } = deps;
  const owner = randomUUID();
  const signals = createSignalRepository(db);
  const models = createModelRepository(db);
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<unknown> | null = null;

  function toPick(r: Recommendation): StoredPick {
    const id = Number(r.item);
    const reasonCourse = r.reason.item === undefined ? 0 : Number(r.reason.item);
    return [id, Math.round((Number.isFinite(r.score) ? r.score : 1) * 1e4) / 1e4, r.reason.kind, reasonCourse, r.reason.tag ?? ''];
  }

  async function rankAll(m: Model, histories: Map<string, HistoryEntry[]>, write: (lists: { userId: number; picks: StoredPick[] }[]) => Promise<void>, progress: Progress, renew: () => Promise<void>) {
    const rank = createRanker(m, settings.engine);
    const tops: number[][] = [];
    let batch: { userId: number; picks: StoredPick[] }[] = [];
    let done = 0;
    for (const [user, history] of histories) {
      const picks = rank(history, { k: settings.listSize }).map(toPick);
      tops.push(picks.slice(0, 10).map((p) => p[0]));
      batch.push({ userId: Number(user), picks });
      done += 1;
      if (batch.length >= WRITE_BATCH) {
        await write(batch);
        batch = [];
        await renew();
      }
      if (done % 500 === 0 || done === histories.size) {
        progress(done, histories.size, 'ranking learners');
        await breathe();
      }
    }
    if (batch.length > 0) await write(batch);
    return tops;
  }

  async function full(progress: Progress, renew: () => Promise<void>, started: number): Promise<BuildResult> {
    const now = clock.now();
    const { excluded } = await models.overrides();
    progress(0, 1, 'reading signals');
    const items = await signals.courses(excluded);
    // Only the model keeps what it needs: the raw signals (a hundred megabytes at shop scale) go
    // as soon as it is trained.
    const { model, pairs } = await (async () => {
      const interactions = await signals.interactions(null);
      await renew();
      return { model: await trainModel({ interactions, items, now }, settings.engine, progress), pairs: interactions.length };
    })();
    await renew();
    const modelId = await models.startModel(model.algorithm, now, now);
    try {
      const idOf = (i: number) => Number(model.items[i]);
      progress(0, model.items.length, 'writing neighbours');
      await models.writeCourses(
        modelId,
        model.items.map((id, i) => ({
          courseId: Number(id),
          learners: model.learners[i]!,
          weekLearners: model.weekLearners[i]!,
          popularity: Math.round(model.popularity[i]! * 1e4) / 1e4,
          cf: storeList(model.cf[i]!, idOf),
          alsoStudied: storeList(model.also[i]!, idOf),
          nextSteps: storeList(model.next[i]!, idOf),
          content: storeList(model.content[i]!, idOf),
        })),
      );
      const tops = await rankAll(model, model.histories, (lists) => models.writeLists(modelId, lists, now), progress, renew);
      const stats = listStats(tops, model);
      const popular = popularOrder(model)
        .slice(0, 200)
        .map((i) => [idOf(i), model.weekLearners[i]!, model.learners[i]!] as [number, number, number]);
      const durationMs = clock.now().getTime() - started;
      await models.activate(modelId, { courses: model.items.length, learners: model.histories.size, interactions: pairs, ...stats, durationMs, popular }, clock.now());
      await models.prune(modelId);
      return { mode: 'full', modelId, algorithm: model.algorithm, courses: model.items.length, learners: model.histories.size, interactions: pairs, durationMs };
    } catch (err) {
      await models.fail(modelId);
      throw err;
    }
  }

  /** Null when a full build is due instead. */
  async function incremental(progress: Progress, renew: () => Promise<void>, started: number): Promise<BuildResult | null> {
    const active = await models.active();
    const now = clock.now();
    if (!active || now.getTime() - active.builtAt.getTime() > settings.fullEveryMs) return null;
    const catalogueAt = await signals.catalogueChangedAt();
    if (catalogueAt && catalogueAt > active.builtAt) return null;
    const changed = await signals.changedLearners(active.signalsUntil);
    // Beyond a tenth of the learners it was trained on, the model's neighbours are stale (a new
    // shop's first buyers would otherwise wait a day for 学了这门课的人还学了).
    if (changed.length > settings.incrementalMaxLearners || changed.length > active.learners / 10) return null;
    progress(0, changed.length, 'reading changed learners');
    const { excluded } = await models.overrides();
    const items = await signals.courses(excluded);
    const model = modelFromRows(items, await models.courses(active.id), active.algorithm);
    const histories = changed.length === 0 ? new Map<string, HistoryEntry[]>() : learnerHistories(await signals.interactions(changed), items, settings.engine, now);
    // A learner whose every signal is gone (a refund, an erased like) gets the cold-start list.
    for (const id of changed) if (!histories.has(String(id))) histories.set(String(id), []);
    await rankAll(model, histories, (lists) => models.replaceLists(active.id, lists, now), progress, renew);
    await models.advanceSignals(active.id, now);
    return { mode: 'incremental', modelId: active.id, algorithm: active.algorithm, courses: items.length, learners: changed.length, interactions: 0, durationMs: clock.now().getTime() - started };
  }

  /** Null when another process holds the lease. */
  async function run(opts: { full?: boolean; progress?: Progress } = {}): Promise<BuildResult | null> {
    const progress: Progress = opts.progress ?? (() => undefined);
    if (!(await acquireLease(db, JOB, owner, LEASE_MS, clock.now()))) return null;
    let lastRenew = Date.now();
    const renew = async () => {
      if (Date.now() - lastRenew < 30_000) return;
      lastRenew = Date.now();
      if (!(await acquireLease(db, JOB, owner, LEASE_MS, clock.now()))) throw new Error('recommendation build lost its lease');
    };
    const started = clock.now().getTime();
    try {
      const result = (opts.full ? null : await incremental(progress, renew, started)) ?? (await full(progress, renew, started));
      log.info({ event: 'recs.build.done', ...result }, 'recommendations built');
      deps.onBuilt?.();
      return result;
    } finally {
      await releaseLease(db, JOB, owner);
    }
  }

  return {
    run,
    /** Builds now (the first model, or catching up after downtime), then every interval. */
    start() {
      if (settings.intervalMs <= 0 || timer) return;
      const tick = () => {
        running ??= run()
          .catch((err: unknown) => log.warn({ err, event: 'recs.build.failed' }, 'recommendation build failed'))
          .finally(() => (running = null));
      };
      timer = setInterval(tick, settings.intervalMs);
      timer.unref();
      setImmediate(tick);
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = null;
      await running;
    },
  };
}

export type RecsBuilder = ReturnType<typeof createRecsBuilder>;
