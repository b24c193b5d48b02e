import type { Knex } from 'knex';
import type { Express } from 'express';
import { afterAll, beforeAll } from 'vitest';
import { startTestApp, type TestApp } from './test-app.js';
import { createCourse, createUser } from './factories.js';
import { browser, csrfFrom, logIn } from './forms.js';

let seq = 0;

/** A lesson at the end of the course (or at `position`), with a body nobody else's lesson has. */
export async function createLesson(
  db: Knex,
  courseId: number,
  l: { title?: string; bodyMd?: string; isFreePreview?: boolean; position?: number; durationSeconds?: number | null } = {},
): Promise<{ id: number; title: string; bodyMd: string }> {
  const n = ++seq;
  const title = l.title ?? `第 ${n} 课`;
  const bodyMd = l.bodyMd ?? `课时正文 LESSON-BODY-${n}-${Date.now()}`;
  let position = l.position;
  if (position === undefined) {
    const last = await db('lessons').where({ course_id: courseId }).max({ p: 'position' }).first();
    position = Number(last?.p ?? 0) + 1;
  }
  const now = new Date();
  const [id] = await db('lessons').insert({
    course_id: courseId,
    position,
    title,
    body_md: bodyMd,
    media_url: null,
    duration_seconds: l.durationSeconds ?? null,
    is_free_preview: l.isFreePreview ?? false,
    created_at: now,
    updated_at: now,
  });
  return { id: Number(id), title, bodyMd };
}

/** A course with `lessons` lessons, in order; options go to createCourse. */
export async function createCourseWithLessons(db: Knex, lessons: number, c: Parameters<typeof createCourse>[1] = {}) {
  const course = await createCourse(db, c);
  const made = [];
  for (let i = 0; i < lessons; i++) made.push(await createLesson(db, course.id));
  return { ...course, lessons: made };
}

let grantSeq = 0;
/**
 * A live access grant as payments or an admin would leave it. A purchase here stands for a paid order
 * the test does not need (no orders row); pass `orderId` for one that exists.
 */
export async function grantAccess(db: Knex, userId: number, courseId: number, source: 'free' | 'purchase' | 'admin_grant' = 'purchase', orderId: number | null = null) {
  const sourceKey = source === 'purchase' ? `order:${orderId ?? `t${++grantSeq}`}` : source === 'admin_grant' ? 'admin' : 'free';
  await db('access_grants').insert({ user_id: userId, course_id: courseId, source, source_key: sourceKey, order_id: orderId, granted_at: new Date(), revoked_at: null });
}

type Agent = ReturnType<typeof browser>;

/** A browser that is signed in as a new user with this role, and the CSRF token of its session. */
export async function signedIn(app: Express, db: Knex, role: 'learner' | 'admin' = 'learner') {
  const user = await createUser(db, { role });
  const agent = browser(app);
  const res = await logIn(agent, user.username, user.password);
  if (res.status !== 303) throw new Error(`login failed with ${res.status}`);
  return { agent, user, csrf: await csrfOf(agent) };
}

/** The CSRF token of the agent's session: the login form's for a visitor, the header's logout form's when signed in. */
export async function csrfOf(agent: Agent): Promise<string> {
  const login = await agent.get('/login');
  return csrfFrom(login.status === 200 ? login.text : (await agent.get('/')).text);
}

/** Every row the admin area could change, to show that a refused request changed nothing. */
const SNAPSHOT_TABLES = ['users', 'courses', 'lessons', 'access_grants', 'lesson_progress', 'admin_audit'] as const;
export async function snapshot(db: Knex): Promise<Record<(typeof SNAPSHOT_TABLES)[number], Record<string, unknown>[]>> {
  const out = {} as Record<(typeof SNAPSHOT_TABLES)[number], Record<string, unknown>[]>;
  for (const table of SNAPSHOT_TABLES) out[table] = await db(table).orderBy('id');
  return out;
}

/** A valid course form; override the fields under test. */
export function courseFields(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    title: 'Rust 系统编程',
    slug: '',
    summary: '从所有权到并发',
    description: '这门课讲 **Rust**。',
    price: '99',
    category: 'backend',
    tags: 'rust, 系统编程',
    difficulty: '3',
    cover_url: '',
    intent: 'save',
    ...overrides,
  };
}

/** A valid lesson form; override the fields under test. */
export function lessonFields(overrides: Record<string, string> = {}): Record<string, string> {
  return { title: '所有权', body_md: '## 所有权\n\n每个值都有一个所有者。', media_url: '', duration: '15', intent: 'save', ...overrides };
}

/** Posts fields as multipart/form-data, as the course form's browser would, optionally with a cover file. */
export function postMultipart(agent: Agent, url: string, fields: Record<string, string>, file?: { buffer: Buffer; filename: string; contentType: string }) {
  let req = agent.post(url);
  for (const [k, v] of Object.entries(fields)) req = req.field(k, v);
  if (file) req = req.attach('cover_file', file.buffer, { filename: file.filename, contentType: file.contentType });
  return req;
}

/**
 * The real app on a fresh database for one test file, with an admin signed in: started before the
 * file's tests and closed after. Read `.t` and `.admin` inside tests.
 */
export function appWithSignedInAdmin(env: Record<string, string> = {}): { readonly t: TestApp; readonly admin: Awaited<ReturnType<typeof signedIn>> } {
  let t: TestApp | undefined;
  let admin: Awaited<ReturnType<typeof signedIn>> | undefined;
  beforeAll(async () => {
    t = await startTestApp(env);
    admin = await signedIn(t.app, t.db, 'admin');
  });
  afterAll(async () => t?.close());
  return {
    get t() {
      return t!;
    },
    get admin() {
      return admin!;
    },
  };
}
