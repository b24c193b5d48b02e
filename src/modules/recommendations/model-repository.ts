import type { Knex } from 'knex';
import { toDate } from '../../platform/db/rows.js';
import type { NeighbourList, ReasonKind } from './engine/index.js';

const ACTIVE = 'default';
const CHUNK = 400;

/** [course id, score, co-learners] */
export type StoredNeighbour = [number, number, number];
/** [course id, score, reason, reason course id (0: none), reason tag ('' : none)] */
export type StoredPick = [number, number, ReasonKind, number, string];

export interface CourseRow {
  courseId: number;
  learners: number;
  weekLearners: number;
  popularity: number;
  cf: StoredNeighbour[];
  alsoStudied: StoredNeighbour[];
  nextSteps: StoredNeighbour[];
  content: StoredNeighbour[];
}

export interface ActiveModel {
  id: number;
  algorithm: 'ease' | 'knn';
  builtAt: Date;
  signalsUntil: Date;
  /** Learners the model was trained on. */
  learners: number;
  /** [course id, week learners, learners], most popular first. */
  popular: [number, number, number][];
}

export function storeList(list: NeighbourList, idOf: (i: number) => number): StoredNeighbour[] {
  return [...list.ids].map((j, t) => [idOf(j), Math.round(list.scores[t]! * 1e4) / 1e4, list.co[t]!]);
}

export function createModelRepository(db: Knex) {
  async function insertChunked(table: string, rows: Record<string, unknown>[]) {
    for (let i = 0; i < rows.length; i += CHUNK) await db(table).insert(rows.slice(i, i + CHUNK));
  }

  return {
    async active(): Promise<ActiveModel | null> {
      const row = (await db('rec_active').join('rec_models', 'rec_models.id', 'rec_active.model_id').where('rec_active.name', ACTIVE).first('rec_models.id', 'algorithm', 'built_at', 'signals_until', 'learners', 'popular')) as
        | Record<string, unknown>
        | undefined;
      if (!row) return null;
      return {
        id: Number(row.id),
        algorithm: row.algorithm === 'ease' ? 'ease' : 'knn',
        builtAt: toDate(row.built_at),
        signalsUntil: toDate(row.signals_until),
        learners: Number(row.learners),
        popular: JSON.parse(String(row.popular ?? '[]')) as [number, number, number][],
      };
    },

    async startModel(algorithm: 'ease' | 'knn', signalsUntil: Date, now: Date): Promise<number> {
      const [id] = await db('rec_models').insert({ status: 'building', algorithm, started_at: now, signals_until: signalsUntil });
      return Number(id);
    },

    async writeCourses(modelId: number, rows: CourseRow[]): Promise<void> {
      await insertChunked(
        'rec_course_neighbours',
        rows.map((r) => ({
          model_id: modelId,
          course_id: r.courseId,
          learners: r.learners,
          week_learners: r.weekLearners,
          popularity: r.popularity,
          cf: JSON.stringify(r.cf),
          also_studied: JSON.stringify(r.alsoStudied),
          next_steps: JSON.stringify(r.nextSteps),
          content: JSON.stringify(r.content),
        })),
      );
    },

    async writeLists(modelId: number, lists: { userId: number; picks: StoredPick[] }[], now: Date): Promise<void> {
      await insertChunked(
        'rec_learner_lists',
        lists.map((l) => ({ model_id: modelId, user_id: l.userId, items: JSON.stringify(l.picks), computed_at: now })),
      );
    },

    /** An incremental run replaces a few learners' lists inside the served model, row by row. */
    async replaceLists(modelId: number, lists: { userId: number; picks: StoredPick[] }[], now: Date): Promise<void> {
      for (let i = 0; i < lists.length; i += CHUNK) {
        const rows = lists.slice(i, i + CHUNK).map((l) => ({ model_id: modelId, user_id: l.userId, items: JSON.stringify(l.picks), computed_at: now }));
        await db('rec_learner_lists').insert(rows).onConflict(['model_id', 'user_id']).merge(['items', 'computed_at']);
      }
    },

    async advanceSignals(modelId: number, signalsUntil: Date): Promise<void> {
      await db('rec_models').where({ id: modelId }).update({ signals_until: signalsUntil });
    },

    /**
     * The swap: the model is marked ready and the pointer moves, in one transaction; until then no
     * reader follows the pointer to it, so a half-written model is never served.
     */
    async activate(modelId: number, stats: { courses: number; learners: number; interactions: number; coverage: number; concentration: number; durationMs: number; popular: [number, number, number][] }, now: Date): Promise<void> {
      await db.transaction(async (trx) => {
        await trx('rec_models').where({ id: modelId }).update({
          status: 'ready',
          built_at: now,
          courses: stats.courses,
          learners: stats.learners,
          interactions: stats.interactions,
          coverage: stats.coverage,
          concentration: stats.concentration,
          duration_ms: stats.durationMs,
          popular: JSON.stringify(stats.popular),
        });
        await trx('rec_active').insert({ name: ACTIVE, model_id: modelId, swapped_at: now }).onConflict('name').merge(['model_id', 'swapped_at']);
      });
    },

    async fail(modelId: number): Promise<void> {
      await db('rec_models').where({ id: modelId }).update({ status: 'failed' });
    },

    /**
     * Everything but the served model and the one before it goes: a process that read the old
     * pointer a moment ago still finds its rows.
     */
    async prune(activeId: number): Promise<void> {
      const keep = (await db('rec_models').where('id', '<', activeId).where({ status: 'ready' }).max({ id: 'id' }).first()) as { id: unknown } | undefined;
      const keepIds = [activeId, Number(keep?.id ?? activeId)];
      const old = (await db('rec_models').whereNotIn('id', keepIds).where((q) => q.where('id', '<', activeId).orWhere('status', 'failed')).pluck('id')).map(Number);
      for (const id of old) {
        await db('rec_course_neighbours').where({ model_id: id }).delete();
        await db('rec_learner_lists').where({ model_id: id }).delete();
        await db('rec_models').where({ id }).delete();
      }
    },

    async courses(modelId: number, courseIds?: readonly number[]): Promise<CourseRow[]> {
      const q = db('rec_course_neighbours').where({ model_id: modelId });
      if (courseIds) q.whereIn('course_id', courseIds);
      const rows = (await q.select()) as Record<string, unknown>[];
      return rows.map((r) => ({
        courseId: Number(r.course_id),
        learners: Number(r.learners),
        weekLearners: Number(r.week_learners),
        popularity: Number(r.popularity),
        cf: JSON.parse(String(r.cf)) as StoredNeighbour[],
        alsoStudied: JSON.parse(String(r.also_studied)) as StoredNeighbour[],
        nextSteps: JSON.parse(String(r.next_steps)) as StoredNeighbour[],
        content: JSON.parse(String(r.content)) as StoredNeighbour[],
      }));
    },

    /**
     * A learner's stored list and the courses they own now, in one round trip (the home page's
     * whole cost): a union of the list's row (course_id 0) and their live grants.
     */
    async listAndOwned(modelId: number, userId: number): Promise<{ list: { picks: StoredPick[]; computedAt: Date } | null; owned: { courseId: number; at: Date }[] }> {
      const rows = (await db('rec_learner_lists')
        .where({ model_id: modelId, user_id: userId })
        .select(db.raw('0 as course_id'), 'items', 'computed_at as at')
        .unionAll((q) => q.from('access_grants').where({ user_id: userId }).whereNull('revoked_at').select('course_id', db.raw('null as items'), 'granted_at as at'))) as Record<string, unknown>[];
      const listRow = rows.find((r) => r.items !== null && r.items !== undefined);
      return {
        list: listRow ? { picks: JSON.parse(String(listRow.items)) as StoredPick[], computedAt: toDate(listRow.at) } : null,
        owned: rows.filter((r) => r !== listRow).map((r) => ({ courseId: Number(r.course_id), at: toDate(r.at) })),
      };
    },

    async overrides(): Promise<{ pinned: number[]; excluded: Set<number> }> {
      const rows = (await db('rec_overrides').orderBy('updated_at', 'desc').select('course_id', 'mode')) as Record<string, unknown>[];
      return {
        pinned: rows.filter((r) => r.mode === 'pin').map((r) => Number(r.course_id)),
        excluded: new Set(rows.filter((r) => r.mode === 'exclude').map((r) => Number(r.course_id))),
      };
    },

    async overrideOf(trx: Knex, courseId: number): Promise<'pin' | 'exclude' | null> {
      const row = (await trx('rec_overrides').where({ course_id: courseId }).first('mode')) as { mode: string } | undefined;
      return row?.mode === 'pin' || row?.mode === 'exclude' ? row.mode : null;
    },

    async setOverride(trx: Knex, courseId: number, mode: 'pin' | 'exclude' | null, by: number, now: Date): Promise<void> {
      if (mode === null) {
        await trx('rec_overrides').where({ course_id: courseId }).delete();
        return;
      }
      await trx('rec_overrides').insert({ course_id: courseId, mode, updated_by: by, updated_at: now }).onConflict('course_id').merge(['mode', 'updated_by', 'updated_at']);
    },

    async latestBuilds(limit: number) {
      const rows = (await db('rec_models').orderBy('id', 'desc').limit(limit).select()) as Record<string, unknown>[];
      return rows.map((r) => ({
        id: Number(r.id),
        status: String(r.status),
        algorithm: String(r.algorithm),
        startedAt: toDate(r.started_at),
        builtAt: r.built_at ? toDate(r.built_at) : null,
        courses: Number(r.courses),
        learners: Number(r.learners),
        interactions: Number(r.interactions),
        coverage: r.coverage === null ? null : Number(r.coverage),
        concentration: r.concentration === null ? null : Number(r.concentration),
        durationMs: r.duration_ms === null ? null : Number(r.duration_ms),
      }));
    },

    async eraseLearner(userId: number): Promise<number> {
      return db('rec_learner_lists').where({ user_id: userId }).delete();
    },
  };
}

export type ModelRepository = ReturnType<typeof createModelRepository>;
