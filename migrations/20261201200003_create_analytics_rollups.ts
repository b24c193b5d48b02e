import type { Knex } from 'knex';

// Rollups kept current as each batch of events is written, so the dashboard never scans raw events:
// counts per Beijing day, event type, source and course (course_id 0 for none), and who did each type
// on a course on a day (one row per actor), for distinct counts such as the funnel's viewers.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('analytics_daily', (t) => {
    t.string('day', 10).notNullable();
    t.string('type', 24).notNullable();
    t.string('source', 16).notNullable();
    t.integer('course_id').unsigned().notNullable();
    t.integer('events').unsigned().notNullable();
    t.primary(['day', 'type', 'source', 'course_id'], 'analytics_daily_pk');
    // Reports ask for one type over a range of days: this index answers them without the table.
    t.index(['type', 'day', 'source', 'events'], 'analytics_daily_type_idx');
  });
  await knex.schema.createTable('analytics_daily_actors', (t) => {
    t.string('day', 10).notNullable();
    t.string('type', 24).notNullable();
    t.integer('course_id').unsigned().notNullable();
    t.string('actor', 40).notNullable(); // u:<user id> or v:<visitor id>
    t.primary(['day', 'type', 'course_id', 'actor'], 'analytics_daily_actors_pk');
    t.index(['actor'], 'analytics_daily_actors_actor_idx');
    // Distinct people per course over a range: read in (course, actor) order, days checked in the index.
    t.index(['type', 'course_id', 'actor', 'day'], 'analytics_daily_actors_type_idx');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('analytics_daily_actors');
  await knex.schema.dropTable('analytics_daily');
}
