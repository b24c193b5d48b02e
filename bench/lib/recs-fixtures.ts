/**
 * A shop's worth of learning signals for the recommendation batch (`npm run bench -- recs`), written
 * straight into the tables the build reads, in multi-row inserts inside transactions:
 *
 * - a catalogue of published courses over eight subject areas, each course a topic and a theme
 *   (Go 语言 × 并发编程 …) with tags, a difficulty, Chinese copy, and three to eight lessons;
 * - learners who care about one to three areas (92% of their attention) and, inside an area, often
 *   about one topic; how active they are is log-normal, so most do little and a few do a lot;
 * - long-tail popularity: inside an area the r-th course sells like 1/r;
 * - `events` signal rows in all, split 15% grants (purchases and free enrolments, 3% refunded, i.e.
 *   revoked), 45% course_view events (before a purchase, and plain browsing), 30% lesson_progress rows
 *   (lessons opened after a purchase, most of them finished), 5% likes (on the course or a lesson),
 *   3% ratings (stars follow how well the course matches the learner), and the rest comments.
 *
 * The same options always give the same rows (a seeded generator), so two runs measure the same data.
 * Activity leans to recent months (a growing shop), so the 180-day half-life and "this week" matter.
 */
import type { Knex } from 'knex';
// The offline synthetic shop's vocabulary: the benchmark's catalogue reads like the evaluation's.
import { AREAS, joinWords, mulberry32, STANDALONE_TITLES } from '../../src/modules/recommendations/offline/index.js';

const DAY = 86_400_000;

const AREA_COUNT = AREAS.length;

const TITLES: ((topic: string, theme: string) => string)[] = [
  ...STANDALONE_TITLES,
  (a, b) => `${joinWords(a, b)}入门`,
  (a, b) => `${joinWords(a, b)}进阶`,
];
const AUDIENCE = ['零基础也能跟上', '适合刚入门的开发者', '面向有一定基础的开发者', '面向有项目经验的工程师', '面向资深工程师'];
const PRICES_FEN = [0, 990, 1990, 4900, 6900, 9900, 9900, 14900, 19900, 19900, 29900, 39900, 59900, 129900];
const SOURCES = ['direct', 'direct', 'menu', 'reply', 'article', 'share', 'search', 'wechat'] as const;
const REVIEWS = ['讲得很清楚，例子贴近实际工作。', '节奏有点快，需要多看几遍。', '配套代码很有用。', '比预期的深入，值得。', '部分内容有些过时了。'];
const COMMENTS = ['这里的例子跑不通，是版本问题吗？', '终于看懂了，谢谢老师！', '能不能再讲讲生产环境的配置？', '打卡，第一遍学完。', '这一节信息量很大，建议配合讲义。', '请问课后练习的答案在哪里？'];


/**
 * Index in from..to-1 of the first cumulative weight above r·cum[to-1]: cum[from..to-1] is one
 * distribution's running sum, starting from zero at `from`.
 */
function sample(cum: Float64Array | Float32Array, from: number, to: number, r: number): number {
  const x = r * cum[to - 1]!;
  let lo = from;
  let hi = to - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cum[mid]! > x) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

function cumulative(weights: ArrayLike<number>): Float64Array {
  const out = new Float64Array(weights.length);
  let s = 0;
  for (let i = 0; i < weights.length; i++) out[i] = s += weights[i]!;
  return out;
}

type Row = Record<string, unknown>;

interface RawSqlite {
  prepare(sql: string): { run(params: unknown[]): unknown };
  pragma(sql: string): unknown;
  transaction(fn: (rows: Row[]) => void): (rows: Row[]) => void;
}

/**
 * SQLite: one prepared single-row insert run in a loop, a transaction per 20,000 rows. knex would
 * send each batch as a fresh compound SELECT for SQLite to prepare, several times slower over two
 * million rows. Values are bound as knex binds them (a Date as epoch ms, a boolean as 0/1). A
 * bigger page cache while inserting keeps six indexes on random keys from thrashing; it goes back
 * to SQLite's default before anything is measured on this connection.
 */
async function insertAllSqlite(db: Knex, table: string, rows: Iterable<Row>): Promise<number> {
  const client = db.client as { acquireConnection(): Promise<RawSqlite>; releaseConnection(c: RawSqlite): Promise<void> };
  const conn = await client.acquireConnection();
  conn.pragma('cache_size = -262144');
  try {
    let columns = 0;
    let insert: ((rows: Row[]) => void) | null = null;
    const bind = (v: unknown) => (v instanceof Date ? v.valueOf() : typeof v === 'boolean' ? Number(v) : v);
    let n = 0;
    let buf: Row[] = [];
    const flush = () => {
      if (buf.length === 0) return;
      if (!insert) {
        const cols = Object.keys(buf[0]!);
        columns = cols.length;
        const stmt = conn.prepare(`insert into \`${table}\` (${cols.map((c) => `\`${c}\``).join(', ')}) values (${cols.map(() => '?').join(', ')})`);
        insert = conn.transaction((batch) => {
          for (const r of batch) stmt.run(cols.map((c) => bind(r[c])));
        });
      }
      insert(buf);
      n += buf.length;
      buf = [];
    };
    for (const r of rows) {
      if (columns > 0 && Object.keys(r).length !== columns) throw new Error(`inserting into ${table}: rows differ in their columns`);
      buf.push(r);
      if (buf.length >= 20_000) flush();
    }
    flush();
    return n;
  } finally {
    conn.pragma('cache_size = -2000');
    await client.releaseConnection(conn);
  }
}

/**
 * Inserts rows as they are generated, `batch` per statement, committing every `commitEvery` rows
 * (one huge transaction would grow SQLite's WAL and InnoDB's undo log for nothing).
 */
async function insertAll(db: Knex, table: string, rows: Iterable<Row>, batch: number, commitEvery = 200_000): Promise<number> {
  if (db.client.config.client === 'better-sqlite3') return insertAllSqlite(db, table, rows);
  let n = 0;
  let inTrx = 0;
  let buf: Row[] = [];
  let trx = await db.transaction();
  try {
    for (const r of rows) {
      buf.push(r);
      if (buf.length < batch) continue;
      await trx(table).insert(buf);
      n += buf.length;
      inTrx += buf.length;
      buf = [];
      if (inTrx >= commitEvery) {
        await trx.commit();
        trx = await db.transaction();
        inTrx = 0;
      }
    }
    if (buf.length > 0) {
      await trx(table).insert(buf);
      n += buf.length;
    }
    await trx.commit();
  } catch (err) {
    await trx.rollback().catch(() => undefined);
    // knex puts the whole multi-row statement in the message: keep the start and the reason.
    const message = err instanceof Error ? err.message : String(err);
    throw new Error(`inserting into ${table} failed: ${message.length > 400 ? `${message.slice(0, 200)} … ${message.slice(-200)}` : message}`, { cause: err });
  }
  return n;
}

/**
 * Rows per insert: knex writes a multi-row insert on SQLite as one compound SELECT, which SQLite
 * caps at 500 terms; fewer for wide rows, to keep the bind variables far from any limit.
 */
const batchFor = (columns: number) => Math.min(400, Math.floor(16_000 / columns));

export interface RecsSeedOptions {
  learners: number;
  courses: number;
  /** Signal rows in all: grants + course views + progress rows + likes + ratings + comments. */
  events: number;
  now: Date;
  seed?: number;
  log?: (line: string) => void;
}

export interface RecsSeedResult {
  courseIds: number[];
  learnerIds: number[];
  lessons: number;
  /** Rows written per signal table (analytics_events: course_view events). */
  rows: Record<SignalTable, number>;
  signals: number;
}

export type SignalTable = 'access_grants' | 'lesson_progress' | 'ratings' | 'likes' | 'comments' | 'analytics_events';

/**
 * The baseline a build is compared with: every signal row the build reads, one plain `select` per
 * table with the columns the build uses, no grouping, no joins.
 */
export const SIGNAL_READS: { table: SignalTable; columns: string[]; where?: Record<string, string> }[] = [
  { table: 'access_grants', columns: ['user_id', 'course_id', 'granted_at', 'revoked_at'] },
  { table: 'lesson_progress', columns: ['user_id', 'course_id', 'seconds_studied', 'completed_at', 'last_active_at'] },
  { table: 'ratings', columns: ['user_id', 'course_id', 'stars', 'status', 'updated_at'] },
  { table: 'likes', columns: ['user_id', 'course_id', 'created_at'] },
  { table: 'comments', columns: ['user_id', 'course_id', 'status', 'created_at'] },
  { table: 'analytics_events', columns: ['user_id', 'course_id', 'occurred_at'], where: { type: 'course_view' } },
];

export async function readAllSignals(db: Knex): Promise<{ rows: number; ms: number }> {
  const started = performance.now();
  let rows = 0;
  for (const r of SIGNAL_READS) {
    const q = db(r.table).select(r.columns);
    if (r.where) q.where(r.where);
    rows += ((await q) as unknown[]).length;
  }
  return { rows, ms: performance.now() - started };
}

export async function countSignals(db: Knex): Promise<{ rows: Record<SignalTable, number>; signals: number; courseIds: number[]; learnerIds: number[] }> {
  const rows = {} as Record<SignalTable, number>;
  for (const r of SIGNAL_READS) {
    const q = db(r.table).count({ n: '*' });
    if (r.where) q.where(r.where);
    rows[r.table] = Number(((await q) as { n: unknown }[])[0]!.n);
  }
  const courseIds = (await db('courses').where({ status: 'published' }).orderBy('id').pluck('id')).map(Number);
  const learnerIds = (await db('users').where({ role: 'learner' }).orderBy('id').pluck('id')).map(Number);
  return { rows, signals: Object.values(rows).reduce((s, n) => s + n, 0), courseIds, learnerIds };
}

export async function seedRecsData(db: Knex, opts: RecsSeedOptions): Promise<RecsSeedResult> {
  const rand = mulberry32(opts.seed ?? 14);
  const log = opts.log ?? (() => undefined);
  const now = opts.now.getTime();
  const C = opts.courses;
  const L = opts.learners;
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const normal = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  const clampNow = (t: number) => new Date(Math.min(t, now - 60_000));
  const geometric = (p: number) => {
    let k = 0;
    while (rand() > p && k < 30) k++;
    return k;
  };

  // ---- The catalogue: areas get courses in proportion to their size; popularity is Zipf inside an area.
  const sizeTotal = AREAS.reduce((s, a) => s + a.size, 0);
  const quotas = AREAS.map((a) => Math.floor((C * a.size) / sizeTotal));
  for (let k = 0; quotas.reduce((s, q) => s + q, 0) < C; k++) quotas[k % AREA_COUNT]! += 1;
  const areaOf = new Int8Array(C);
  const topicOf = new Int8Array(C);
  const lessonCount = new Uint8Array(C);
  const free = new Uint8Array(C);
  const weight = new Float64Array(C);
  const byArea: number[][] = AREAS.map(() => []);
  const courseRows: Row[] = [];
  let c = 0;
  AREAS.forEach((area, a) => {
    const ranks = Array.from({ length: quotas[a]! }, (_, i) => i);
    for (let i = ranks.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [ranks[i], ranks[j]] = [ranks[j]!, ranks[i]!];
    }
    for (let k = 0; k < quotas[a]!; k++, c++) {
      const t = Math.floor(rand() * area.topics.length);
      const topic = area.topics[t]!;
      const theme = pick(area.themes);
      const difficulty = 1 + Math.floor(rand() * 5);
      const title = pick(TITLES)(topic.name, theme.name);
      const summary = `${AUDIENCE[difficulty - 1]}：${joinWords('系统讲解', joinWords(topic.name, theme.name))}，配套练习与完整项目。`;
      const tags = [topic.tag, theme.tag, ...(rand() < 0.3 ? [area.tag] : []), ...(difficulty <= 2 && rand() < 0.5 ? ['入门'] : [])];
      const priceFen = pick(PRICES_FEN);
      const publishedAt = new Date(now - (30 + rand() * 900) * DAY);
      areaOf[c] = a;
      topicOf[c] = t;
      lessonCount[c] = 3 + Math.floor(rand() * 6);
      free[c] = priceFen === 0 ? 1 : 0;
      weight[c] = 1 / Math.pow(ranks[k]! + 1, 1.05);
      byArea[a]!.push(c);
      courseRows.push({
        slug: `${area.code}-${topic.tag.replace(/[^a-z0-9]+/g, '') || 'k'}-${String(c + 1).padStart(5, '0')}`,
        title: title.slice(0, 80),
        summary,
        description: `${summary}\n\n本课共 ${lessonCount[c]} 节，从${topic.name}的基本概念讲起，逐步深入${theme.name}的常见场景与陷阱。\n\n每节课都配有可运行的示例代码和课后练习，学完之后你可以独立完成一个${joinWords(topic.name, theme.name)}项目。`,
        price_fen: priceFen,
        category: area.code,
        tags: [...new Set(tags)].join(','),
        difficulty,
        cover_url: null,
        status: 'published',
        published_at: publishedAt,
        created_at: new Date(publishedAt.getTime() - 3 * DAY),
        updated_at: publishedAt,
      });
    }
  });
  let started = Date.now();
  await insertAll(db, 'courses', courseRows, batchFor(13));
  const courseIds = (await db('courses').orderBy('id').pluck('id')).map(Number);
  if (courseIds.length !== C) throw new Error(`expected ${C} courses in a fresh database, found ${courseIds.length}`);
  const lessonRows = function* (): Generator<Row> {
    for (let i = 0; i < C; i++) {
      for (let p = 1; p <= lessonCount[i]!; p++) {
        yield { course_id: courseIds[i], position: p, title: `第 ${p} 课`, body_md: `## 第 ${p} 课\n\n正文与示例代码。`, media_url: null, duration_seconds: 300 + Math.floor(rand() * 1200), is_free_preview: p === 1, created_at: opts.now, updated_at: opts.now };
      }
    }
  };
  const lessons = await insertAll(db, 'lessons', lessonRows(), batchFor(10));
  // Lesson ids per course, in position order: lessonIds[lessonStart[i] + p].
  const lessonStart = new Int32Array(C + 1);
  for (let i = 0; i < C; i++) lessonStart[i + 1] = lessonStart[i]! + lessonCount[i]!;
  const lessonIds = new Int32Array(lessons);
  const lessonDuration = new Int32Array(lessons);
  const indexOfCourse = new Map(courseIds.map((id, i) => [id, i]));
  const fill = lessonStart.slice(0, C);
  for (const r of (await db('lessons').orderBy(['course_id', 'position']).select('id', 'course_id', 'duration_seconds')) as Row[]) {
    const i = indexOfCourse.get(Number(r.course_id))!;
    lessonIds[fill[i]!] = Number(r.id);
    lessonDuration[fill[i]!] = Number(r.duration_seconds);
    fill[i]! += 1;
  }
  const areaCum = byArea.map((pool) => cumulative(pool.map((i) => weight[i]!)));
  const topicPools = byArea.map((pool, a) => AREAS[a]!.topics.map((_, t) => pool.filter((i) => topicOf[i] === t)));
  const topicCum = topicPools.map((pools) => pools.map((pool) => cumulative(pool.map((i) => weight[i]!))));
  const areaSizeCum = cumulative(AREAS.map((a) => a.size));
  log(`${C} courses over ${AREA_COUNT} areas, ${lessons} lessons (${((Date.now() - started) / 1000).toFixed(1)} s)`);

  // ---- Learners: activity, one to three areas of interest, a favourite topic in each.
  started = Date.now();
  const userRows = function* (): Generator<Row> {
    for (let i = 1; i <= L; i++) {
      const created = new Date(now - (60 + rand() * 700) * DAY);
      yield { username: `learner${i}`, password_hash: null, nickname: `学员${i}`, role: 'learner', created_at: created, updated_at: created };
    }
  };
  await insertAll(db, 'users', userRows(), batchFor(6));
  const learnerIds = (await db('users').where({ role: 'learner' }).orderBy('id').pluck('id')).map(Number);
  const activity = new Float64Array(L);
  const interest = new Float32Array(L * AREA_COUNT);
  const favourite = new Int8Array(L * AREA_COUNT).fill(-1);
  for (let u = 0; u < L; u++) {
    activity[u] = Math.exp(1.0 * normal());
    const mains = 1 + sample(cumulative([50, 35, 15]), 0, 3, rand());
    const chosen: number[] = [];
    while (chosen.length < mains) {
      const a = sample(areaSizeCum, 0, AREA_COUNT, rand());
      if (!chosen.includes(a)) chosen.push(a);
    }
    const gammas = chosen.map(() => -Math.log(1 - rand()));
    const gammaTotal = gammas.reduce((s, g) => s + g, 0);
    const base = u * AREA_COUNT;
    for (let a = 0; a < AREA_COUNT; a++) interest[base + a] = 0.08 / AREA_COUNT;
    chosen.forEach((a, k) => {
      interest[base + a]! += (0.92 * gammas[k]!) / gammaTotal;
      favourite[base + a] = Math.floor(rand() * AREAS[a]!.topics.length);
    });
    for (let a = 1; a < AREA_COUNT; a++) interest[base + a]! += interest[base + a - 1]!;
  }
  const activityCum = cumulative(activity);
  const learner = () => sample(activityCum, 0, L, rand());
  const interestIn = (u: number, a: number) => interest[u * AREA_COUNT + a]! - (a > 0 ? interest[u * AREA_COUNT + a - 1]! : 0);
  const courseFor = (u: number, whim: number): number => {
    const a = rand() < whim ? sample(areaSizeCum, 0, AREA_COUNT, rand()) : sample(interest, u * AREA_COUNT, (u + 1) * AREA_COUNT, rand()) - u * AREA_COUNT;
    const fav = favourite[u * AREA_COUNT + a]!;
    if (fav >= 0 && rand() < 0.5 && topicPools[a]![fav]!.length > 0) {
      const pool = topicPools[a]![fav]!;
      return pool[sample(topicCum[a]![fav]!, 0, pool.length, rand())]!;
    }
    return byArea[a]![sample(areaCum[a]!, 0, byArea[a]!.length, rand())]!;
  };
  // Recent months are busier than last year's.
  const when = () => now - 540 * DAY * Math.pow(rand(), 1.5);
  log(`${L} learners (${((Date.now() - started) / 1000).toFixed(1)} s)`);

  // ---- The budget per signal.
  const E = opts.events;
  const P = Math.round(E * 0.15);
  const V = Math.round(E * 0.45);
  const G = Math.round(E * 0.3);
  const K = Math.round(E * 0.05);
  const R = Math.round(E * 0.03);
  const M = Math.max(0, E - P - V - G - K - R);

  // Purchases (one per learner and course), the backbone the other signals hang on.
  const pu = new Int32Array(P);
  const pc = new Int32Array(P);
  const pt = new Float64Array(P);
  const seen = new Set<number>();
  let purchases = 0;
  for (let tries = 0; purchases < P && tries < P * 20; tries++) {
    const u = learner();
    const i = courseFor(u, 0.06);
    const key = u * C + i;
    if (seen.has(key)) continue;
    seen.add(key);
    pu[purchases] = u;
    pc[purchases] = i;
    pt[purchases] = when();
    purchases++;
  }
  seen.clear();

  started = Date.now();
  const rows = {} as Record<SignalTable, number>;
  rows.access_grants = await insertAll(
    db,
    'access_grants',
    (function* () {
      for (let p = 0; p < purchases; p++) {
        const refunded = !free[pc[p]!] && rand() < 0.03;
        yield {
          user_id: learnerIds[pu[p]!],
          course_id: courseIds[pc[p]!],
          source: free[pc[p]!] ? 'free' : 'purchase',
          source_key: free[pc[p]!] ? 'free' : `order:${p + 1}`,
          order_id: null,
          granted_at: new Date(pt[p]!),
          revoked_at: refunded ? clampNow(pt[p]! + 2 * DAY) : null,
          revoked_reason: refunded ? 'refund' : null,
        };
      }
    })(),
    batchFor(8),
  );
  log(`${rows.access_grants} grants (${((Date.now() - started) / 1000).toFixed(1)} s)`);

  // Course views: one or more before each purchase, then browsing (more of it off-interest) until the budget is spent.
  started = Date.now();
  const slugs = courseRows.map((r) => String(r.slug));
  const view = (u: number, i: number, t: number): Row => {
    const source = pick(SOURCES);
    return { occurred_at: clampNow(t), type: 'course_view', user_id: learnerIds[u], visitor_id: null, course_id: courseIds[i], source, first_source: source, ua_class: 'wechat_phone', referrer_class: source === 'direct' ? 'none' : 'wechat', path: `/courses/${slugs[i]}` };
  };
  rows.analytics_events = await insertAll(
    db,
    'analytics_events',
    (function* () {
      let n = 0;
      for (let p = 0; p < purchases && n < V; p++) {
        for (let k = 1 + geometric(0.6); k > 0 && n < V; k--, n++) yield view(pu[p]!, pc[p]!, pt[p]! - rand() * 3 * DAY);
      }
      while (n < V) {
        const u = learner();
        const i = courseFor(u, 0.15);
        const t = when();
        for (let k = 1 + geometric(0.5); k > 0 && n < V; k--, n++) yield view(u, i, t + rand() * 5 * DAY);
      }
    })(),
    batchFor(10),
  );
  log(`${rows.analytics_events} course views (${((Date.now() - started) / 1000).toFixed(1)} s)`);

  // Progress: lessons reached per purchase ~ exponential, scaled so the rows come to the budget.
  started = Date.now();
  const depth = new Float32Array(purchases);
  for (let p = 0; p < purchases; p++) depth[p] = -Math.log(1 - rand());
  const reachedAt = (s: number) => {
    let total = 0;
    for (let p = 0; p < purchases; p++) total += Math.min(lessonCount[pc[p]!]!, Math.floor(depth[p]! * s));
    return total;
  };
  let lo = 0;
  let hi = 64;
  for (let it = 0; it < 40; it++) {
    const mid = (lo + hi) / 2;
    if (reachedAt(mid) < G) lo = mid;
    else hi = mid;
  }
  const reached = new Uint8Array(purchases);
  for (let p = 0; p < purchases; p++) reached[p] = Math.min(lessonCount[pc[p]!]!, Math.floor(depth[p]! * hi));
  rows.lesson_progress = await insertAll(
    db,
    'lesson_progress',
    (function* () {
      for (let p = 0; p < purchases; p++) {
        const i = pc[p]!;
        let t = pt[p]! + rand() * DAY;
        for (let j = 0; j < reached[p]!; j++) {
          const opened = t;
          const duration = lessonDuration[lessonStart[i]! + j]!;
          const active = opened + duration * 1000 * (0.6 + rand());
          const done = j < reached[p]! - 1 || rand() < 0.6;
          yield {
            user_id: learnerIds[pu[p]!],
            lesson_id: lessonIds[lessonStart[i]! + j],
            course_id: courseIds[i],
            first_opened_at: clampNow(opened),
            last_opened_at: clampNow(active),
            last_active_at: clampNow(active),
            seconds_studied: Math.round(duration * (0.4 + 0.9 * rand())),
            completed_at: done ? clampNow(active) : null,
          };
          t = active + rand() * 4 * DAY;
        }
      }
    })(),
    batchFor(8),
  );
  log(`${rows.lesson_progress} progress rows (${((Date.now() - started) / 1000).toFixed(1)} s)`);

  // Likes, ratings and comments come mostly from learners who got far into a course.
  const engaged = (p: number) => reached[p]! / lessonCount[pc[p]!]!;
  const drawEngaged = (floor: number) => {
    for (let tries = 0; tries < 1000; tries++) {
      const p = Math.floor(rand() * purchases);
      if (rand() < floor + (1 - floor) * engaged(p)) return p;
    }
    return Math.floor(rand() * purchases);
  };
  started = Date.now();
  rows.likes = await insertAll(
    db,
    'likes',
    (function* () {
      const liked = new Set<number>();
      for (let n = 0, tries = 0; n < K && tries < K * 50; tries++) {
        const p = drawEngaged(0.15);
        const i = pc[p]!;
        const onLesson = rand() < 0.5;
        const j = Math.floor(rand() * Math.max(1, reached[p]!));
        const key = p * 16 + (onLesson ? 1 + j : 0);
        if (liked.has(key)) continue;
        liked.add(key);
        n++;
        yield { user_id: learnerIds[pu[p]!], target_type: onLesson ? 'lesson' : 'course', target_id: onLesson ? lessonIds[lessonStart[i]! + j] : courseIds[i], course_id: courseIds[i], created_at: clampNow(pt[p]! + rand() * 20 * DAY) };
      }
    })(),
    batchFor(5),
  );
  rows.ratings = await insertAll(
    db,
    'ratings',
    (function* () {
      const rated = new Uint8Array(purchases);
      for (let n = 0, tries = 0; n < R && tries < R * 50; tries++) {
        const p = drawEngaged(0.1);
        if (rated[p]) continue;
        rated[p] = 1;
        n++;
        const u = pu[p]!;
        let best = 0;
        for (let a = 0; a < AREA_COUNT; a++) best = Math.max(best, interestIn(u, a));
        const match = interestIn(u, areaOf[pc[p]!]!) / best;
        const stars = Math.min(5, Math.max(1, Math.round(2.6 + 1.6 * match + 0.4 * engaged(p) + 0.6 * normal())));
        const created = clampNow(pt[p]! + (1 + rand() * 30) * DAY);
        const status = rand() < 0.96 ? 'published' : rand() < 0.5 ? 'held' : 'hidden';
        yield { user_id: learnerIds[u], course_id: courseIds[pc[p]!], stars, review: rand() < 0.4 ? pick(REVIEWS) : null, status, created_at: created, updated_at: rand() < 0.1 ? clampNow(created.getTime() + rand() * 30 * DAY) : created };
      }
    })(),
    batchFor(7),
  );
  rows.comments = await insertAll(
    db,
    'comments',
    (function* () {
      for (let n = 0; n < M; n++) {
        const p = drawEngaged(0.1);
        const i = pc[p]!;
        const j = Math.floor(rand() * Math.max(1, reached[p]!));
        const status = rand() < 0.94 ? 'published' : rand() < 0.5 ? 'held' : 'deleted';
        yield { course_id: courseIds[i], lesson_id: lessonIds[lessonStart[i]! + j], user_id: learnerIds[pu[p]!], parent_id: null, body_md: status === 'deleted' ? '' : pick(COMMENTS), status, created_at: clampNow(pt[p]! + rand() * 20 * DAY) };
      }
    })(),
    batchFor(7),
  );
  log(`${rows.likes} likes, ${rows.ratings} ratings, ${rows.comments} comments (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  return { courseIds, learnerIds, lessons, rows, signals: Object.values(rows).reduce((s, n) => s + n, 0) };
}
