import type { Knex } from 'knex';
import type { Express } from 'express';
import { createCourseWithLessons, grantAccess, signedIn } from './catalog-factories.js';

type Learner = Awaited<ReturnType<typeof signedIn>>;

/** A published course whose first lesson is a free preview and the rest are paid. */
export async function courseWithPreview(db: Knex, lessons = 2) {
  const course = await createCourseWithLessons(db, lessons);
  await db('lessons').where({ id: course.lessons[0]!.id }).update({ is_free_preview: true });
  return { ...course, preview: course.lessons[0]!, locked: course.lessons[1]! };
}

/** A signed-in learner who owns the course (a purchase grant). */
export async function owner(app: Express, db: Knex, courseId: number): Promise<Learner> {
  const learner = await signedIn(app, db);
  await grantAccess(db, learner.user.id, courseId);
  return learner;
}

/** An owner who has opened a lesson of the course over HTTP, so the course may be rated. */
export async function ownerWhoStudied(app: Express, db: Knex, course: { id: number; slug: string; lessons: { id: number }[] }): Promise<Learner> {
  const learner = await owner(app, db, course.id);
  const res = await learner.agent.get(`/courses/${course.slug}/lessons/${course.lessons[0]!.id}`);
  if (res.status !== 200) throw new Error(`opening the lesson gave ${res.status}`);
  return learner;
}

export function postComment(l: Learner, slug: string, lessonId: number, body: string, parentId?: number) {
  return l.agent
    .post(`/courses/${slug}/lessons/${lessonId}/comments`)
    .type('form')
    .send({ _csrf: l.csrf, body, ...(parentId ? { parent_id: String(parentId) } : {}) });
}

/** The id of the comment a post redirected to (`…#comment-ID`). */
export function commentIdFrom(location: string | undefined): number {
  const m = /#comment-(\d+)$/.exec(location ?? '');
  if (!m) throw new Error(`no comment in ${location}`);
  return Number(m[1]);
}

export function rate(l: Learner, slug: string, stars: string, review = '') {
  return l.agent.post(`/courses/${slug}/rating`).type('form').send({ _csrf: l.csrf, stars, review });
}
