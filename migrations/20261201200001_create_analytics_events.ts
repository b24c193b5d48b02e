import type { Knex } from 'knex';

// Behaviour events, written in batches off the request path. Who: user_id, or the first-party visitor
// id (cookie) before login. What and on what: type, course, lesson, order. Where from: the request's
// source (last touch) and the visitor's first touch, the sharer a share link names, and the classes of
// referrer and user agent. No IP address is stored. Raw rows are purged after the retention period;
// the daily rollups stay.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('analytics_events', (t) => {
    t.bigIncrements('id').primary();
    t.datetime('occurred_at', { precision: 3 }).notNullable();
    t.string('type', 24).notNullable();
    t.integer('user_id').unsigned().nullable();
    t.string('visitor_id', 32).nullable();
    t.integer('course_id').unsigned().nullable();
    t.integer('lesson_id').unsigned().nullable();
    t.integer('order_id').unsigned().nullable();
    t.string('source', 16).notNullable();
    t.string('medium', 32).nullable();
    t.string('campaign', 64).nullable();
    t.integer('sharer_id').unsigned().nullable();
    t.string('first_source', 16).nullable();
    t.integer('first_sharer_id').unsigned().nullable();
    t.string('ua_class', 16).notNullable();
    t.string('referrer_class', 16).notNullable();
    t.string('path', 191).nullable();
    t.index(['occurred_at'], 'analytics_events_time_idx');
    t.index(['type', 'occurred_at'], 'analytics_events_type_idx');
    t.index(['course_id', 'type', 'occurred_at'], 'analytics_events_course_idx');
    t.index(['user_id', 'occurred_at'], 'analytics_events_user_idx');
    t.index(['visitor_id', 'occurred_at'], 'analytics_events_visitor_idx');
    t.index(['sharer_id', 'occurred_at'], 'analytics_events_sharer_idx');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('analytics_events');
}
