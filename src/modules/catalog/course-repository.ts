import type { Knex } from 'knex';
import { toCount, toDate, toDateOrNull } from '../../platform/db/index.js';
import type { Course, CourseSummary, NewCourse } from './course.js';

const SUMMARY_COLUMNS = ['id', 'slug', 'title', 'summary', 'price_fen', 'category', 'tags', 'difficulty', 'cover_url'];

type Row = Record<string, unknown>;

const splitTags = (tags: unknown) => (typeof tags === 'string' && tags !== '' ? tags.split(',') : []);

function toSummary(r: Row): CourseSummary {
  return {
    id: Number(r.id),
    slug: String(r.slug),
    title: String(r.title),
    summary: String(r.summary),
    priceFen: Number(r.price_fen),
    category: String(r.category),
    tags: splitTags(r.tags),
    difficulty: Number(r.difficulty),
    coverUrl: (r.cover_url as string | null) ?? null,
  };
}

function toCourse(r: Row): Course {
  return {
    ...toSummary(r),
    description: String(r.description),
    status: r.status as Course['status'],
    publishedAt: toDateOrNull(r.published_at),
    createdAt: toDate(r.created_at),
    updatedAt: toDate(r.updated_at),
  };
}

function toRow(c: NewCourse) {
  return {
    slug: c.slug,
    title: c.title,
    summary: c.summary,
    description: c.description,
    price_fen: c.priceFen,
    category: c.category,
    tags: c.tags.join(','),
    difficulty: c.difficulty,
    cover_url: c.coverUrl,
    status: c.status,
  };
}

function published(db: Knex, category: string | null) {
  const q = db('courses').where({ status: 'published' });
  return category ? q.andWhere({ category }) : q;
}

export function createCourseRepository() {
  return {
    async listPublished(db: Knex, opts: { category: string | null; limit: number; offset: number }): Promise<CourseSummary[]> {
      const rows = await published(db, opts.category)
        .select(SUMMARY_COLUMNS)
        .orderBy([{ column: 'published_at', order: 'desc' }, { column: 'id', order: 'desc' }])
        .limit(opts.limit)
        .offset(opts.offset);
      return rows.map(toSummary);
    },

    /**
     * Courses in their card's shape, drafts too, with whether each is published: all of them, or
     * those of `ids` (by primary key; filtering on status in SQL makes SQLite scan the status index).
     */
    async summaries(db: Knex, ids?: readonly number[]): Promise<(CourseSummary & { published: boolean })[]> {
      const q = db('courses').select([...SUMMARY_COLUMNS, 'status']);
      if (ids) q.whereIn('id', ids);
      const rows = (await q) as Row[];
      return rows.map((r) => ({ ...toSummary(r), published: r.status === 'published' }));
    },

    /** The published course whose title (first) or tags or summary contain the keyword, newest first. */
    async searchPublished(db: Knex, keyword: string): Promise<CourseSummary | null> {
      // '!' escapes LIKE wildcards: a backslash means different things to MySQL and SQLite.
      const like = `%${keyword.toLowerCase().replace(/[!%_]/g, (c) => `!${c}`)}%`;
      const row = await db('courses')
        .where({ status: 'published' })
        .andWhere((q) => q.whereRaw("lower(title) like ? escape '!'", [like]).orWhereRaw("lower(tags) like ? escape '!'", [like]).orWhereRaw("lower(summary) like ? escape '!'", [like]))
        .select(SUMMARY_COLUMNS)
        .orderByRaw("case when lower(title) like ? escape '!' then 0 else 1 end", [like])
        .orderBy('published_at', 'desc')
        .first();
      return row ? toSummary(row) : null;
    },

    async newestPublished(db: Knex): Promise<CourseSummary | null> {
      const row = await db('courses').where({ status: 'published' }).select(SUMMARY_COLUMNS).orderBy('published_at', 'desc').first();
      return row ? toSummary(row) : null;
    },

    async countPublished(db: Knex, category: string | null): Promise<number> {
      return toCount(await published(db, category).count({ n: '*' }).first());
    },

    async findPublishedBySlug(db: Knex, slug: string): Promise<Course | null> {
      const row = await db('courses').where({ slug, status: 'published' }).first();
      return row ? toCourse(row) : null;
    },

    async findById(db: Knex, id: number): Promise<Course | null> {
      const row = await db('courses').where({ id }).first();
      return row ? toCourse(row) : null;
    },

    async findBySlug(db: Knex, slug: string): Promise<Course | null> {
      const row = await db('courses').where({ slug }).first();
      return row ? toCourse(row) : null;
    },

    async slugTaken(db: Knex, slug: string, exceptId: number | null): Promise<boolean> {
      const q = db('courses').where({ slug });
      if (exceptId !== null) q.andWhereNot({ id: exceptId });
      return (await q.first('id')) !== undefined;
    },

    /** Every course, newest first, for the admin list. */
    async listAll(db: Knex): Promise<Course[]> {
      const rows = await db('courses').orderBy('id', 'desc');
      return rows.map(toCourse);
    },

    async insert(db: Knex, c: NewCourse, now: Date): Promise<number> {
      const [id] = await db('courses').insert({ ...toRow(c), published_at: c.status === 'published' ? now : null, created_at: now, updated_at: now });
      return Number(id);
    },

    /** Keeps `oldSlug` pointing at the course; the latest course to leave a slug owns it. */
    async rememberOldSlug(db: Knex, oldSlug: string, courseId: number, now: Date): Promise<void> {
      await db('course_slug_history').insert({ slug: oldSlug, course_id: courseId, renamed_at: now }).onConflict('slug').merge(['course_id', 'renamed_at']);
    },

    /** Whether `slug` is a former slug of another course (not `exceptId`) whose old links still redirect. */
    async slugFormerlyOf(db: Knex, slug: string, exceptId: number | null): Promise<boolean> {
      const q = db('course_slug_history').where({ slug });
      if (exceptId !== null) q.whereNot({ course_id: exceptId });
      return (await q.first('slug')) !== undefined;
    },

    /** The current slug of the course that used to be at `oldSlug`, if any. */
    async renamedTo(db: Knex, oldSlug: string): Promise<string | null> {
      const row = await db('course_slug_history as h').join('courses as c', 'c.id', 'h.course_id').where('h.slug', oldSlug).first('c.slug');
      return row ? String(row.slug) : null;
    },

    async update(db: Knex, id: number, c: Omit<NewCourse, 'status'>, now: Date): Promise<void> {
      const { status: _status, ...row } = toRow({ ...c, status: 'draft' });
      await db('courses').where({ id }).update({ ...row, updated_at: now });
    },

    /** Returns false when the course was already in that state. published_at keeps the first publication. */
    async setStatus(db: Knex, id: number, status: Course['status'], now: Date): Promise<boolean> {
      const changed = await db('courses')
        .where({ id })
        .andWhereNot({ status })
        .update({ status, updated_at: now, ...(status === 'published' ? { published_at: db.raw('coalesce(published_at, ?)', [now]) } : {}) });
      return changed > 0;
    },

    async countAll(db: Knex): Promise<number> {
      return toCount(await db('courses').count({ n: '*' }).first());
    },

    /** Inserts, or updates the course with the same slug; used by seeding, so it is safe to repeat. */
    async upsertBySlug(db: Knex, c: NewCourse, now: Date): Promise<number> {
      await db('courses')
        .insert({ ...toRow(c), published_at: c.status === 'published' ? now : null, created_at: now, updated_at: now })
        .onConflict('slug')
        .merge(['title', 'summary', 'description', 'price_fen', 'category', 'tags', 'difficulty', 'cover_url', 'status', 'updated_at']);
      const row = await db('courses').where({ slug: c.slug }).first('id');
      return Number(row.id);
    },
  };
}
