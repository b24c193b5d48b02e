import type { Knex } from 'knex';

// The recommendation module's own tables. A build writes a whole model beside the one being served
// (its rows carry the new model_id), then moves rec_active.model_id in one statement: a reader
// follows the pointer and never sees half a model. Lists and neighbours are JSON text, one row per
// learner or course, so serving is one primary-key read.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('rec_models', (t) => {
    t.increments('id').primary();
    t.string('status', 12).notNullable(); // building | ready | failed
    t.string('algorithm', 8).notNullable(); // ease | knn
    t.datetime('started_at', { precision: 3 }).notNullable();
    t.datetime('built_at', { precision: 3 }).nullable();
    // Signals up to this time are in the model; an incremental run looks for learners active since.
    t.datetime('signals_until', { precision: 3 }).notNullable();
    t.integer('courses').unsigned().notNullable().defaultTo(0);
    t.integer('learners').unsigned().notNullable().defaultTo(0);
    t.integer('interactions').unsigned().notNullable().defaultTo(0);
    // Fairness beside accuracy: share of the catalogue that appears in some list, and share of all
    // list slots taken by the 10% most popular courses.
    t.double('coverage').nullable();
    t.double('concentration').nullable();
    t.integer('duration_ms').unsigned().nullable();
    // The popularity order, [[course_id, week_learners, learners], …]: the cold-start list.
    t.text('popular', 'mediumtext').nullable();
  });
  await knex.schema.createTable('rec_active', (t) => {
    t.string('name', 32).primary();
    t.integer('model_id').unsigned().notNullable();
    t.datetime('swapped_at', { precision: 3 }).notNullable();
  });
  await knex.schema.createTable('rec_course_neighbours', (t) => {
    t.integer('model_id').unsigned().notNullable();
    t.integer('course_id').unsigned().notNullable();
    t.integer('learners').unsigned().notNullable();
    t.integer('week_learners').unsigned().notNullable();
    t.float('popularity').notNullable();
    // [[course_id, score, co_learners], …], best first, for each kind.
    t.text('cf').notNullable();
    t.text('also_studied').notNullable();
    t.text('next_steps').notNullable();
    t.text('content').notNullable();
    t.primary(['model_id', 'course_id']);
  });
  await knex.schema.createTable('rec_learner_lists', (t) => {
    t.integer('model_id').unsigned().notNullable();
    t.integer('user_id').unsigned().notNullable();
    // [[course_id, score, reason, reason_course_id, reason_tag], …], best first.
    t.text('items').notNullable();
    t.datetime('computed_at', { precision: 3 }).notNullable();
    t.primary(['model_id', 'user_id']);
    // Erasure finds a learner's lists in every model.
    t.index(['user_id'], 'rec_learner_lists_user_idx');
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['rec_learner_lists', 'rec_course_neighbours', 'rec_active', 'rec_models']) await knex.schema.dropTable(table);
}
