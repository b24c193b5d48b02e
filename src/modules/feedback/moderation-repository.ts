import type { Knex } from 'knex';
import { insertIfAbsent, toCount, toDate } from '../../platform/db/index.js';
import { toComment } from './comment-repository.js';
import type { Comment, Rating } from './feedback.js';
import { toRating } from './rating-repository.js';

export type QueueTab = 'held' | 'reported' | 'hidden';
export const QUEUE_TABS: readonly QueueTab[] = ['held', 'reported', 'hidden'];
export type ModeratedKind = 'comment' | 'rating';

const TABLES: Record<ModeratedKind, string> = { comment: 'comments', rating: 'ratings' };

/** What each tab of /admin/feedback holds; comments and ratings both have status and report_count. */
function inQueue(db: Knex, kind: ModeratedKind, tab: QueueTab): Knex.QueryBuilder {
  const q = db(TABLES[kind]);
  return tab === 'reported' ? q.where('status', 'published').andWhere('report_count', '>', 0) : q.where('status', tab);
}

export interface Ban {
  userId: number;
  bannedBy: number;
  reason: string;
  createdAt: Date;
}

/** Reports, bans and the queue over both moderated tables. */
export function createModerationRepository() {
  return {
    async queueOfComments(db: Knex, tab: QueueTab, limit: number): Promise<Comment[]> {
      return (await inQueue(db, 'comment', tab).orderBy('id', 'desc').limit(limit)).map(toComment);
    },

    async queueOfRatings(db: Knex, tab: QueueTab, limit: number): Promise<Rating[]> {
      return (await inQueue(db, 'rating', tab).orderBy('id', 'desc').limit(limit)).map(toRating);
    },

    async countQueue(db: Knex, kind: ModeratedKind, tab: QueueTab): Promise<number> {
      return toCount(await inQueue(db, kind, tab).count({ n: '*' }).first());
    },

    /** One report per person and item; true when this one is new (and then counted on the item). */
    async report(db: Knex, kind: ModeratedKind, id: number, reporterId: number, reason: string, now: Date): Promise<boolean> {
      const added = await insertIfAbsent(db, 'feedback_reports', { target_type: kind, target_id: id, reporter_id: reporterId, reason, created_at: now }, ['target_type', 'target_id', 'reporter_id']);
      if (added) await db(TABLES[kind]).where({ id }).increment('report_count', 1);
      return added;
    },

    async reasonsFor(db: Knex, kind: ModeratedKind, ids: number[]): Promise<Map<number, string[]>> {
      const out = new Map<number, string[]>();
      if (ids.length === 0) return out;
      const rows = await db('feedback_reports').where({ target_type: kind }).whereIn('target_id', ids).orderBy('id');
      for (const r of rows) out.set(Number(r.target_id), [...(out.get(Number(r.target_id)) ?? []), String(r.reason)]);
      return out;
    },

    /** Takes down everything live the learner wrote, of one kind; the ids taken down. */
    async hideAllBy(db: Knex, kind: ModeratedKind, userId: number, now: Date): Promise<number[]> {
      const table = TABLES[kind];
      const ids = (await db(table).where({ user_id: userId }).whereIn('status', ['published', 'held']).pluck('id')).map(Number);
      if (ids.length > 0) await db(table).whereIn('id', ids).update({ status: 'hidden', moderated_at: now });
      return ids;
    },

    async ban(db: Knex, b: Ban): Promise<boolean> {
      return insertIfAbsent(db, 'feedback_bans', { user_id: b.userId, banned_by: b.bannedBy, reason: b.reason, created_at: b.createdAt }, ['user_id']);
    },

    async unban(db: Knex, userId: number): Promise<boolean> {
      return (await db('feedback_bans').where({ user_id: userId }).delete()) === 1;
    },

    async isBanned(db: Knex, userId: number): Promise<boolean> {
      return (await db('feedback_bans').where({ user_id: userId }).first('user_id')) !== undefined;
    },

    async bans(db: Knex, limit: number): Promise<Ban[]> {
      const rows = await db('feedback_bans').orderBy('created_at', 'desc').limit(limit);
      return rows.map((r) => ({ userId: Number(r.user_id), bannedBy: Number(r.banned_by), reason: String(r.reason), createdAt: toDate(r.created_at) }));
    },
  };
}
