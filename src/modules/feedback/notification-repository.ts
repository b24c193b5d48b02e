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

    async unreadCount(db: Knex, recipientId: number): Promise<number> {
      return toCount(await db('feedback_notifications').where({ recipient_id: recipientId }).whereNull('read_at').count({ n: '*' }).first());
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
