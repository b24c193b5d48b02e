import type { Knex } from 'knex';
import { insertIfAbsent, toCount, toDate, toDateOrNull } from '../../platform/db/index.js';

export type NoticeKind = 'comment_reply' | 'review_reply';

export interface Notice {
  id: number;
  kind: NoticeKind;
  sourceId: number;
  createdAt: Date;
  readAt: Date | null;
}

export function createNotificationRepository() {
  return {
    async add(db: Knex, recipientId: number, kind: NoticeKind, sourceId: number, now: Date): Promise<boolean> {
      return insertIfAbsent(db, 'feedback_notifications', { recipient_id: recipientId, kind, source_id: sourceId, created_at: now, read_at: null }, ['recipient_id', 'kind', 'source_id']);
    },

    /** A reply taken down takes its notice with it: nobody is sent to read what is gone. */
    async removeFor(db: Knex, kind: NoticeKind, sourceIds: number[]): Promise<void> {
      if (sourceIds.length > 0) await db('feedback_notifications').where({ kind }).whereIn('source_id', sourceIds).delete();
    },

    /**
     * Unread notices whose reply is still there to read: a lesson deleted with its comments, or a
     * rating an admin deleted, must not leave a red dot that leads nowhere.
     */
    async unreadCount(db: Knex, recipientId: number): Promise<number> {
      const row = await db('feedback_notifications as n')
        .where({ 'n.recipient_id': recipientId })
        .whereNull('n.read_at')
        .where((w) =>
          w
            .where((c) => c.where('n.kind', 'comment_reply').whereExists((e) => e.select(db.raw('1')).from('comments as c').whereRaw('c.id = n.source_id').andWhere('c.status', 'published')))
            .orWhere((r) => r.where('n.kind', 'review_reply').whereExists((e) => e.select(db.raw('1')).from('ratings as r').whereRaw('r.id = n.source_id'))),
        )
        .count({ n: '*' })
        .first();
      return toCount(row);
    },

    async latest(db: Knex, recipientId: number, limit: number): Promise<Notice[]> {
      const rows = await db('feedback_notifications').where({ recipient_id: recipientId }).orderBy('id', 'desc').limit(limit);
      return rows.map((r) => ({ id: Number(r.id), kind: r.kind as NoticeKind, sourceId: Number(r.source_id), createdAt: toDate(r.created_at), readAt: toDateOrNull(r.read_at) }));
    },

    async markAllRead(db: Knex, recipientId: number, now: Date): Promise<void> {
      await db('feedback_notifications').where({ recipient_id: recipientId }).whereNull('read_at').update({ read_at: now });
    },
  };
}
