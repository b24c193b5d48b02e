import type { Knex } from 'knex';
import type { Clock } from '../../platform/clock.js';
import { toDate } from '../../platform/db/rows.js';
import { localCacheVersions, type CacheVersions } from '../../platform/cache-versions.js';
import { createTtlCache } from '../../platform/ttl-cache.js';
import type { AuditService } from '../audit/index.js';
import { CATALOG_CACHE, type CourseService, type PickedCourse } from '../catalog/index.js';
import type { Logger } from '../../platform/logger.js';
import { capCategories, type ReasonKind } from './engine/index.js';
import { createModelRepository, type ActiveModel, type CourseRow, type StoredNeighbour, type StoredPick } from './model-repository.js';

export type RecommendedCourse = PickedCourse & { reasonKind: ReasonKind };

/** Where a pick came from, before it has a card. */
interface Pick {
  courseId: number;
  kind: ReasonKind;
  reasonCourseId: number;
  tag: string;
}

const CACHE_MS = 5000;
/** What a pin, an exclusion or a new model bumps, in every process. */
export const RECOMMENDATIONS_CACHE = 'recommendations';
const CATEGORY_CAP = 4;

function reasonText(p: Pick, titles: Map<number, string>): string {
  const t = `《${titles.get(p.reasonCourseId) ?? ''}》`;
  switch (p.kind) {
    case 'pinned':
      return '创作者推荐';
    case 'completed':
      return `因为你学完了${t}`;
    case 'also':
      return `学了${t}的人也在学`;
    case 'studied':
      // Their course, or one they only looked at: either way they saw it.
      return `和你看过的${t}相关`;
    case 'next':
      return `学了${t}的人接着学`;
    case 'tag':
      return `你关注的标签：${p.tag}`;
    case 'trending':
      return '本周热门';
    case 'popular':
      return '很多人在学';
    case 'new':
      return '新课上架';
  }
}

/**
 * Serving: the precomputed model (one pointer, read through a few-second cache), the learner's
 * stored list, and what they did since it was computed. Every pick is checked against what is
 * true now: owned courses, the creator's exclusions and unpublished courses never show, pins lead.
 */
export function createRecommendations(deps: { db: Knex; clock: Clock; log: Logger; courses: CourseService; audit: AuditService; versions?: CacheVersions }) {
  const { db, clock } = deps;
  const versions = deps.versions ?? localCacheVersions();
  // The served lists carry course cards too: a course edit clears them as well.
  const shared = { versions, names: [RECOMMENDATIONS_CACHE, CATALOG_CACHE] };
  const models = createModelRepository(db);
  const activeCache = createTtlCache<ActiveModel | null>({ ttlMs: CACHE_MS, maxEntries: 1, clock, shared });
  const overrideCache = createTtlCache<{ pinned: number[]; excluded: Set<number> }>({ ttlMs: CACHE_MS, maxEntries: 1, clock, shared });
  const rowCache = createTtlCache<CourseRow | null>({ ttlMs: CACHE_MS, maxEntries: 2000, clock, shared });
  // A few cards per course: the whole catalogue fits, so a course page seldom misses.
  const anonymousAlso = createTtlCache<{ heading: string; items: RecommendedCourse[] }>({ ttlMs: CACHE_MS, maxEntries: 20_000, clock, shared });
  const active = () => activeCache.get('active', () => models.active());
  const overrides = () => overrideCache.get('overrides', () => models.overrides());
  const courseRow = async (m: ActiveModel, courseId: number) => rowCache.get(`${m.id}:${courseId}`, async () => (await models.courses(m.id, [courseId]))[0] ?? null);

  const forgetServed = (): Promise<void> => versions.bump(RECOMMENDATIONS_CACHE);

  async function owned(userId: number): Promise<{ courseId: number; at: Date }[]> {
    const rows = (await db('access_grants').where({ user_id: userId }).whereNull('revoked_at').select('course_id', 'granted_at')) as Record<string, unknown>[];
    return rows.map((r) => ({ courseId: Number(r.course_id), at: toDate(r.granted_at) }));
  }

  /** Cards for the picks that may show, reasons in words, at most four of a category in the top ten. */
  async function present(picks: Pick[], blocked: ReadonlySet<number>, limit: number, opts: { withPins: boolean }): Promise<RecommendedCourse[]> {
    const { pinned: allPinned, excluded } = await overrides();
    // Pins lead 为你推荐 only: under 学了这门课的人还学了 a pin would claim learners it may not have.
    const pinned = opts.withPins ? allPinned : [];
    const seen = new Set<number>();
    const allowed = (id: number) => !blocked.has(id) && !excluded.has(id) && !seen.has(id) && (seen.add(id), true);
    const ordered = [...pinned.map((courseId) => ({ courseId, kind: 'pinned' as const, reasonCourseId: 0, tag: '' })), ...picks].filter((p) => allowed(p.courseId));
    const wanted = ordered.slice(0, limit * 3);
    const [cards, titles] = await Promise.all([
      deps.courses.publishedCards(wanted.map((p) => p.courseId)),
      deps.courses.titles([...new Set(wanted.map((p) => p.reasonCourseId).filter((id) => id > 0))]),
    ]);
    const shown = wanted.filter((p) => cards.has(p.courseId));
    return capCategories(shown, (p) => cards.get(p.courseId)!.category, CATEGORY_CAP, 10)
      .slice(0, limit)
      .map((p) => {
        const { category: _category, ...card } = cards.get(p.courseId)!;
        return { card, reason: reasonText(p, titles), reasonKind: p.kind };
      });
  }

  async function alsoStudiedFor(m: ActiveModel, courseId: number, mine: number[], limit: number): Promise<{ heading: string; items: RecommendedCourse[] }> {
    const row = await courseRow(m, courseId);
    if (!row) return { heading: '', items: [] };
    const blocked = new Set([courseId, ...mine]);
    const together = row.alsoStudied.filter(([, , co]) => co > 0);
    if (together.length > 0) {
      const items = await present(together.map(neighbourPick('also', courseId)), blocked, limit, { withPins: false });
      if (items.length > 0) return { heading: '学了这门课的人还学了', items };
    }
    const items = await present(row.content.map(neighbourPick('studied', courseId)), blocked, limit, { withPins: false });
    return { heading: items.length > 0 ? '相关课程' : '', items: items.map((i) => ({ ...i, reason: '内容相近' })) };
  }

  const fromStored = ([courseId, , kind, reasonCourseId, tag]: StoredPick): Pick => ({ courseId, kind, reasonCourseId, tag });
  const neighbourPick = (kind: 'also' | 'studied' | 'next', from: number) => ([courseId, , co]: StoredNeighbour): Pick => ({
    courseId,
    // "People who studied X also study this" needs people who really did both.
    kind: kind === 'also' && co === 0 ? 'studied' : kind,
    reasonCourseId: from,
    tag: '',
  });

  /** The cold-start list: this week's most popular, then the all-time ones. */
  function popularPicks(m: ActiveModel): Pick[] {
    const trending = new Set(
      [...m.popular]
        .filter(([, week]) => week > 0)
        .sort((a, b) => b[1] - a[1])
        .slice(0, 10)
        .map(([id]) => id),
    );
    return m.popular.map(([courseId, , learners]) => ({ courseId, kind: trending.has(courseId) ? 'trending' : learners > 0 ? 'popular' : 'new', reasonCourseId: 0, tag: '' }));
  }

  /** 为你推荐 on the home page. */
  async function forLearner(userId: number, limit: number): Promise<RecommendedCourse[]> {
    const m = await active();
    if (!m) return [];
    const { list, owned: mine } = await models.listAndOwned(m.id, userId);
    const since = list?.computedAt ?? m.builtAt;
    // What they bought since their list was computed leads: it is what they care about now.
    const recent = mine.filter((o) => o.at > since).sort((a, b) => b.at.getTime() - a.at.getTime());
    const recentPicks: Pick[] = [];
    if (recent.length > 0) {
      // Through the course-row cache the course pages fill too.
      const rows = await Promise.all(recent.slice(0, 3).map((r) => courseRow(m, r.courseId)));
      for (const r of rows) if (r) recentPicks.push(...r.cf.slice(0, 3).map(neighbourPick('also', r.courseId)));
    }
    const stored = list ? list.picks.map(fromStored) : popularPicks(m);
    return present([...recentPicks, ...stored], new Set(mine.map((o) => o.courseId)), limit, { withPins: true });
  }

  /**
   * 学了这门课的人还学了 on a course page (anyone), or similar courses when nobody has both yet.
   * An anonymous visitor's answer is the same for everyone: cached with the model, so the
   * sessionless course page stays a page of a few primary-key reads.
   */
  async function alsoStudied(courseId: number, viewerId: number | null, limit: number): Promise<{ heading: string; items: RecommendedCourse[] }> {
    const m = await active();
    if (!m) return { heading: '', items: [] };
    if (viewerId === null) return anonymousAlso.get(`${m.id}:${courseId}:${limit}`, () => alsoStudiedFor(m, courseId, [], limit));
    return alsoStudiedFor(m, courseId, (await owned(viewerId)).map((o) => o.courseId), limit);
  }

  /** 下一步学什么, after buying or finishing `courseId`: what learners took after it, then what goes with it. */
  async function nextSteps(userId: number, courseId: number, limit: number): Promise<RecommendedCourse[]> {
    const m = await active();
    const row = m ? await courseRow(m, courseId) : null;
    if (!row) return [];
    const mine = await owned(userId);
    const picks = [...row.nextSteps.map(neighbourPick('next', courseId)), ...row.cf.map(neighbourPick('also', courseId)), ...row.content.map(neighbourPick('studied', courseId))];
    return present(picks, new Set([courseId, ...mine.map((o) => o.courseId)]), limit, { withPins: false });
  }

  /** Recommendations are an extra on every page that shows them: a failure is logged, and the page goes on without. */
  async function softly<T>(what: string, none: T, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      deps.log.warn({ err, event: 'recs.serve.failed', what }, 'recommendations could not be served');
      return none;
    }
  }

  return {
    forLearner: (userId: number, limit = 6) => softly('forLearner', [], () => forLearner(userId, limit)),
    alsoStudied: (courseId: number, viewerId: number | null, limit = 4) => softly('alsoStudied', { heading: '', items: [] }, () => alsoStudied(courseId, viewerId, limit)),
    nextSteps: (userId: number, courseId: number, limit = 3) => softly('nextSteps', [], () => nextSteps(userId, courseId, limit)),
    overrides,
    /** Pins or excludes a course (null: neither), audited in the same transaction; false when nothing changed. */
    async setOverride(courseId: number, mode: 'pin' | 'exclude' | null, by: number): Promise<boolean> {
      const changed = await db.transaction(async (trx) => {
        const before = await models.overrideOf(trx, courseId);
        if (before === mode) return false;
        await models.setOverride(trx, courseId, mode, by, clock.now());
        await deps.audit.record(trx, { actorUserId: by, action: 'course.recommendation', entityType: 'course', entityId: courseId, summary: { before: { recommendation: before ?? 'none' }, after: { recommendation: mode ?? 'none' } } });
        return true;
      });
      await forgetServed();
      return changed;
    },
    /** A new model was swapped in: serve it now in this process, within a second in every other. */
    forgetServed,
    builds: (limit = 10) => models.latestBuilds(limit),
  };
}

export type Recommendations = ReturnType<typeof createRecommendations>;
