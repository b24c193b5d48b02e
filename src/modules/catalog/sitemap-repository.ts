import type { Knex } from 'knex';
import { toDate } from '../../platform/db/index.js';

export interface SitemapCourse {
  slug: string;
  updatedAt: Date;
  /** The lessons anyone may open (free previews): a locked lesson's page is a 403 to a crawler. */
  previews: Array<{ id: number; updatedAt: Date }>;
  /** When the course or any of its lessons last changed. */
  lastChange: Date;
}

/** Reads only slugs, ids and times: no title, body or media URL can reach the sitemap. */
export function createSitemapRepository() {
  return {
    async published(db: Knex): Promise<SitemapCourse[]> {
      const courses = await db('courses').where({ status: 'published' }).select('id', 'slug', 'updated_at').orderBy('id');
      const lessons = await db('lessons')
        .join('courses', 'courses.id', 'lessons.course_id')
        .where('courses.status', 'published')
        .select('lessons.id', 'lessons.course_id', 'lessons.is_free_preview', 'lessons.updated_at')
        .orderBy(['lessons.course_id', 'lessons.position']);
      const byCourse = new Map<number, SitemapCourse>();
      for (const c of courses as Array<Record<string, unknown>>) {
        const updatedAt = toDate(c.updated_at);
        byCourse.set(Number(c.id), { slug: String(c.slug), updatedAt, previews: [], lastChange: updatedAt });
      }
      for (const l of lessons as Array<Record<string, unknown>>) {
        const course = byCourse.get(Number(l.course_id));
        if (!course) continue;
        const updatedAt = toDate(l.updated_at);
        if (updatedAt > course.lastChange) course.lastChange = updatedAt;
        if (l.is_free_preview) course.previews.push({ id: Number(l.id), updatedAt });
      }
      return [...byCourse.values()];
    },
  };
}
