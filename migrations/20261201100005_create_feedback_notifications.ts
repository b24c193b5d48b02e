import type { Knex } from 'knex';

// In-site notices: a reply to your comment, the creator's reply to your review. One per recipient and
// source (the unique key), so approving a held reply twice notifies once. read_at null is the red dot.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('feedback_notifications', (t) => {
    t.increments('id').primary();
    t.integer('recipient_id').unsigned().notNullable().references('id').inTable('users').onDelete('CASCADE');
    t.string('kind', 16).notNullable(); // comment_reply | review_reply
    t.integer('source_id').unsigned().notNullable(); // the reply comment, or the rating replied to
    t.datetime('created_at', { precision: 3 }).notNullable();
    t.datetime('read_at', { precision: 3 }).nullable();
    t.unique(['recipient_id', 'kind', 'source_id'], { indexName: 'feedback_notifications_uq' });
    t.index(['recipient_id', 'read_at'], 'feedback_notifications_unread_idx');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('feedback_notifications');
}
