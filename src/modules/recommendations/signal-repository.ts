import type { Knex } from 'knex';
import { toDate } from '../../platform/db/rows.js';
import type { Interaction, ItemInfo } from './engine/index.js';

/**
 * Reads what learners did straight from the owning modules' tables (purchases and grants,
 * progress and study time, ratings, likes, comments, course views), grouped per learner and course
 * in SQL so two million events come back as a few hundred thousand rows. Never writes them.
 * `users` limits every read to those learners (the incremental run).
 */
export function createSignalRepository(db: Knex) {
  const forUsers = (q: Knex.QueryBuilder, users: readonly number[] | null, column = 'user_id') => (users === null ? q : q.whereIn(column, users));
  const chunks = (users: readonly number[] | null): (readonly number[] | null)[] => {
    if (users === null) return [null];
    const out: number[][] = [];
    for (let i = 0; i < users.length; i += 500) out.push(users.slice(i, i + 500));
    return out;
  };

  /**
   * Course views per learner and course. For a few learners the query goes through the learner
   * index and filters the type afterwards: asked for the type in SQL, SQLite's planner takes the
   * type index and reads every view ever recorded.
   */
  async function courseViews(users: readonly number[] | null): Promise<Record<string, unknown>[]> {
    const q = db('analytics_events').whereNotNull('user_id').whereNotNull('course_id');
    if (users === null) return (await q.where({ type: 'course_view' }).select('user_id', 'course_id').count({ n: '*' }).max({ at: 'occurred_at' }).groupBy('user_id', 'course_id')) as Record<string, unknown>[];
    const rows = (await q.whereIn('user_id', users).select('user_id', 'course_id', 'type').count({ n: '*' }).max({ at: 'occurred_at' }).groupBy('user_id', 'course_id', 'type')) as Record<string, unknown>[];
    return rows.filter((r) => r.type === 'course_view');
  }

  async function interactions(users: readonly number[] | null): Promise<Interaction[]> {
    const pairs = new Map<string, Interaction>();
    const at = (u: unknown, c: unknown, time: unknown): Interaction => {
      const key = `${String(u)}:${String(c)}`;
      let x = pairs.get(key);
      const t = time === null || time === undefined ? null : toDate(time);
      if (!x) {
        x = { user: String(u), item: String(c), at: t, purchased: false };
        pairs.set(key, x);
      } else if (t && (x.at === null || t > x.at)) x.at = t;
      return x;
    };
    const lessons = new Map<number, number>();
    for (const r of (await db('lessons').select('course_id').count({ n: '*' }).groupBy('course_id')) as Record<string, unknown>[]) lessons.set(Number(r.course_id), Number(r.n));
    // A learner's erased account says nothing any more.
    const erased = db('users').whereNotNull('erased_at').select('id');

    for (const part of chunks(users)) {
      // Live grants only: a refund revokes its grant, and so cancels the purchase signal.
      const grants = (await forUsers(db('access_grants').whereNull('revoked_at').whereNotIn('user_id', erased), part)
        .select('user_id', 'course_id')
        .max({ at: 'granted_at' })
        .groupBy('user_id', 'course_id')) as Record<string, unknown>[];
      for (const r of grants) at(r.user_id, r.course_id, r.at).purchased = true;

      const progress = (await forUsers(db('lesson_progress').whereNotIn('user_id', erased), part)
        .select('user_id', 'course_id')
        .count({ done: 'completed_at' })
        .sum({ secs: 'seconds_studied' })
        .max({ at: 'last_active_at' })
        .groupBy('user_id', 'course_id')) as Record<string, unknown>[];
      for (const r of progress) {
        const x = at(r.user_id, r.course_id, r.at);
        const total = lessons.get(Number(r.course_id)) ?? 0;
        x.completion = total > 0 ? Math.min(1, Number(r.done) / total) : 0;
        x.seconds = Number(r.secs ?? 0);
      }

      const ratings = (await forUsers(db('ratings').whereNot('status', 'deleted'), part).select('user_id', 'course_id', 'stars', 'updated_at')) as Record<string, unknown>[];
      for (const r of ratings) at(r.user_id, r.course_id, r.updated_at).stars = Number(r.stars);

      const likes = (await forUsers(db('likes'), part).select('user_id', 'course_id').max({ at: 'created_at' }).groupBy('user_id', 'course_id')) as Record<string, unknown>[];
      for (const r of likes) at(r.user_id, r.course_id, r.at).liked = true;

      const comments = (await forUsers(db('comments').whereNot('status', 'deleted'), part).select('user_id', 'course_id').max({ at: 'created_at' }).groupBy('user_id', 'course_id')) as Record<string, unknown>[];
      for (const r of comments) at(r.user_id, r.course_id, r.at).commented = true;

      for (const r of await courseViews(part)) at(r.user_id, r.course_id, r.at).views = Number(r.n);
    }
    return [...pairs.values()];
  }

  return {
    interactions,

    /** Every course, drafts included: a draft's learners still teach the model; it is never recommended. */
    async courses(excluded: ReadonlySet<number>): Promise<ItemInfo[]> {
      const rows = (await db('courses').select('id', 'title', 'summary', 'description', 'category', 'tags', 'difficulty', 'status').orderBy('id')) as Record<string, unknown>[];
      return rows.map((r) => ({
        id: String(r.id),
        title: String(r.title),
        summary: String(r.summary ?? ''),
        description: String(r.description ?? ''),
        tags: String(r.tags ?? '')
          .split(',')
          .map((t) => t.trim())
          .filter(Boolean),
        category: r.category === null ? null : String(r.category),
        difficulty: Number(r.difficulty ?? 1),
        recommendable: r.status === 'published' && !excluded.has(Number(r.id)),
      }));
    },

    /** Learners with a signal since `since`: the ones an incremental run ranks again. */
    async changedLearners(since: Date): Promise<number[]> {
      const ids = new Set<number>();
      const add = (rows: unknown[]) => rows.forEach((id) => ids.add(Number(id)));
      add(await db('access_grants').where('granted_at', '>', since).orWhere('revoked_at', '>', since).distinct().pluck('user_id'));
      add(await db('lesson_progress').where('last_active_at', '>', since).distinct().pluck('user_id'));
      add(await db('ratings').where('updated_at', '>', since).distinct().pluck('user_id'));
      add(await db('likes').where('created_at', '>', since).distinct().pluck('user_id'));
      add(await db('comments').where('created_at', '>', since).distinct().pluck('user_id'));
      add(await db('analytics_events').where({ type: 'course_view' }).where('occurred_at', '>', since).whereNotNull('user_id').distinct().pluck('user_id'));
      return [...ids].sort((a, b) => a - b);
    },

    /** When the catalogue last changed: a new or edited course needs a full build (its content vector). */
    async catalogueChangedAt(): Promise<Date | null> {
      const row = (await db('courses').max({ at: 'updated_at' }).first()) as { at: unknown } | undefined;
      return row?.at ? toDate(row.at) : null;
    },
  };
}

export type SignalRepository = ReturnType<typeof createSignalRepository>;
