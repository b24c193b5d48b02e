import type { Knex } from 'knex';

// admin_audit.course_id: the course an entry is about (the course itself, one of its lessons, a grant
// of it), so a course's history lists its lesson changes and grants too. Backfilled from summaries.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('admin_audit', (t) => {
    t.integer('course_id').unsigned().nullable();
    t.index(['course_id', 'id'], 'admin_audit_course_idx');
  });
  const rows: { id: number; entity_type: string; entity_id: number; summary: string }[] = await knex('admin_audit').select('id', 'entity_type', 'entity_id', 'summary');
  for (const r of rows) {
    let courseId: unknown = r.entity_type === 'course' ? r.entity_id : undefined;
    if (courseId === undefined) {
      try {
        courseId = (JSON.parse(r.summary) as { courseId?: unknown }).courseId;
      } catch {
        courseId = undefined;
      }
    }
    if (typeof courseId === 'number') await knex('admin_audit').where({ id: r.id }).update({ course_id: courseId });
  }
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('admin_audit', (t) => {
    t.dropIndex(['course_id', 'id'], 'admin_audit_course_idx');
    t.dropColumn('course_id');
  });
}
