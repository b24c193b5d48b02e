import type { Knex } from 'knex';

/** One recommended card as a page shows it. */
export interface ShownPick {
  slug: string;
  title: string;
  reason: string;
}

/** The cards of a recommendation section (`data-testid="for-you"` …) in page order; null when the page has no such section. */
export function picksIn(html: string, id: 'for-you' | 'also-studied' | 'next-steps'): { heading: string; picks: ShownPick[] } | null {
  const start = html.indexOf(`data-testid="${id}"`);
  if (start < 0) return null;
  const end = html.indexOf('</section>', start);
  const part = html.slice(start, end);
  const heading = /<h2 class="recs-title"[^>]*>([^<]*)<\/h2>/.exec(part)?.[1] ?? '';
  const picks = [...part.matchAll(/<a class="rec-link" href="\/courses\/([^"]+)">[\s\S]*?<span class="rec-name">([^<]*)<\/span>\s*(?:<span class="rec-reason"[^>]*>([^<]*)<\/span>)?/g)].map((m) => ({
    slug: m[1]!,
    title: m[2]!,
    reason: m[3] ?? '',
  }));
  return { heading, picks };
}

/**
 * Whether a card's reason is true of the data, read from the database: a course the viewer owns or
 * finished, learners who really have both courses, a tag both courses carry, learners at all.
 */
export async function reasonIsTrue(db: Knex, viewerId: number, pick: ShownPick, pinnedSlugs: readonly string[] = []): Promise<boolean> {
  const course = (await db('courses').where({ slug: pick.slug }).first('id', 'tags')) as { id: number; tags: string } | undefined;
  if (!course) return false;
  const byTitle = async (title: string) => ((await db('courses').where({ title }).first('id', 'tags')) as { id: number; tags: string } | undefined) ?? null;
  const owns = async (userId: number, courseId: number) => Boolean(await db('access_grants').where({ user_id: userId, course_id: courseId }).whereNull('revoked_at').first('id'));
  const learnersOfBoth = async (a: number, b: number) =>
    Number(
      ((await db('access_grants as x')
        .join('access_grants as y', 'x.user_id', 'y.user_id')
        .where('x.course_id', a)
        .where('y.course_id', b)
        .whereNull('x.revoked_at')
        .whereNull('y.revoked_at')
        .countDistinct({ n: 'x.user_id' })
        .first()) as { n: unknown }).n,
    );
  const named = /《(.+)》/.exec(pick.reason)?.[1];
  const other = named === undefined ? null : await byTitle(named);
  if (pick.reason === '创作者推荐') return pinnedSlugs.includes(pick.slug);
  if (/^学了《.+》的人也在学$/.test(pick.reason) || /^学了《.+》的人接着学$/.test(pick.reason)) return other !== null && (await owns(viewerId, other.id)) && (await learnersOfBoth(other.id, course.id)) > 0;
  if (/^和你看过的《.+》相关$/.test(pick.reason)) return other !== null && (await owns(viewerId, other.id));
  if (/^因为你学完了《.+》$/.test(pick.reason)) {
    if (!other) return false;
    const lessons = Number(((await db('lessons').where({ course_id: other.id }).count({ n: '*' }).first()) as { n: unknown }).n);
    const done = Number(((await db('lesson_progress').where({ user_id: viewerId, course_id: other.id }).whereNotNull('completed_at').count({ n: '*' }).first()) as { n: unknown }).n);
    return lessons > 0 && done === lessons;
  }
  const tag = /^你关注的标签：(.+)$/.exec(pick.reason)?.[1];
  if (tag !== undefined) {
    const tags = (s: string) => s.split(',').map((t) => t.trim().toLowerCase());
    if (!tags(course.tags).includes(tag.toLowerCase())) return false;
    const mine = (await db('courses').join('access_grants', 'access_grants.course_id', 'courses.id').where('access_grants.user_id', viewerId).whereNull('access_grants.revoked_at').pluck('courses.tags')) as string[];
    return mine.some((t) => tags(t).includes(tag.toLowerCase()));
  }
  if (pick.reason === '本周热门' || pick.reason === '很多人在学') return Boolean(await db('access_grants').where({ course_id: course.id }).first('id'));
  return false;
}
