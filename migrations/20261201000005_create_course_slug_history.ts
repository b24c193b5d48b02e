import type { Knex } from 'knex';

// A course's former slugs, so links shared before a rename (menus, articles, chats) keep working:
// the old address answers 301 to the new one. A slug a course uses now always wins over this table.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('course_slug_history', (t) => {
    t.string('slug', 96).primary();
    t.integer('course_id').unsigned().notNullable().references('id').inTable('courses').onDelete('CASCADE');
    t.datetime('renamed_at', { precision: 3 }).notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('course_slug_history');
}
