import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCourse } from '../../support/factories.js';
import { courseFields, createLesson, lessonFields, postMultipart, signedIn } from '../../support/catalog-factories.js';
import { startTestApp, type TestApp } from '../../support/test-app.js';

let t: TestApp;
let admin: Awaited<ReturnType<typeof signedIn>>;
beforeAll(async () => {
  t = await startTestApp();
  admin = await signedIn(t.app, t.db, 'admin');
});
afterAll(async () => t.close());

const createCourseForm = (fields: Record<string, string>) => postMultipart(admin.agent, '/admin/courses', { _csrf: admin.csrf, ...courseFields(fields) });
const courseCount = async () => Number((await t.db('courses').count({ n: '*' }).first())?.n);

/** The error shown under a text field (fields with an id) or a select (without). */
function fieldError(html: string, field: string): string | null {
  const withId = new RegExp(`<p class="field-error" id="e-${field}">([^<]*)</p>`).exec(html);
  if (withId) return withId[1]!;
  const select = new RegExp(`name="${field}">[\\s\\S]*?</select>\\s*(?:<p class="field-error">([^<]*)</p>)?`).exec(html);
  return select?.[1] ?? null;
}

describe('the course form refuses a bad field, keeping what was typed', () => {
  it.each([
    ['a price with three decimals', { price: '12.345' }, 'price', '价格请填写金额，如 99 或 99.90（最多两位小数，不超过 999999.99）'],
    ['a negative price', { price: '-1' }, 'price', '价格请填写金额'],
    ['a price that is not a number', { price: 'abc' }, 'price', '价格请填写金额'],
    ['a price above ¥999,999.99', { price: '99999999' }, 'price', '价格请填写金额'],
    ['an empty price', { price: '' }, 'price', '价格请填写金额'],
    ['a one-character title', { title: 'R' }, 'title', '标题至少 2 个字'],
    ['an 81-character title', { title: '长'.repeat(81) }, 'title', '标题最多 80 个字'],
    ['a slug with capitals, spaces or Chinese', { slug: 'Rust 入门!' }, 'slug', '链接名只能包含小写字母、数字和连字符，如 react-hooks'],
    ['a slug with a leading hyphen', { slug: '-rust' }, 'slug', '链接名只能包含小写字母、数字和连字符'],
    ['an unknown category', { category: 'cooking' }, 'category', '请选择课程分类'],
    ['difficulty 6', { difficulty: '6' }, 'difficulty', '请选择 1–5 的难度'],
    ['a javascript: cover address', { cover_url: 'javascript:alert(1)' }, 'cover_url', '封面地址须以 https:// 开头'],
    ['a plain http cover address', { cover_url: 'http://x' }, 'cover_url', '封面地址须以 https:// 开头'],
    ['eleven tags', { tags: 'a,b,c,d,e,f,g,h,i,j,k' }, 'tags', '最多 10 个标签'],
    ['an empty description', { description: '' }, 'description', '请填写课程介绍'],
  ])('refuses %s with 422 and a message on the field', async (_name, fields, field, message) => {
    const before = await courseCount();

    const res = await createCourseForm({ title: '保留的标题', ...fields });

    expect(res.status).toBe(422);
    expect(fieldError(res.text, field)).toContain(message);
    expect(await courseCount()).toBe(before);
    const typed = { title: '保留的标题', ...fields } as Record<string, string>;
    if (field !== 'category' && field !== 'difficulty' && field !== 'description') {
      expect(res.text).toContain(`name="${field}" type="${field === 'cover_url' ? 'url' : 'text'}" value="${typed[field]}"`);
    }
    if (field !== 'title') expect(res.text).toContain('value="保留的标题"');
  });

  it('marks every bad field at once', async () => {
    const res = await createCourseForm({ title: 'R', price: 'abc', difficulty: '0' });

    expect(res.status).toBe(422);
    expect(fieldError(res.text, 'title')).toBe('标题至少 2 个字');
    expect(fieldError(res.text, 'price')).toContain('价格请填写金额');
    expect(fieldError(res.text, 'difficulty')).toBe('请选择 1–5 的难度');
  });

  it('refuses a slug another course uses, with the message on the slug field', async () => {
    await createCourse(t.db, { slug: 'taken-slug' });
    const before = await courseCount();

    const res = await createCourseForm({ title: '撞名的课程', slug: 'taken-slug' });

    expect(res.status).toBe(422);
    expect(fieldError(res.text, 'slug')).toBe('这个链接名已被其他课程使用');
    expect(res.text).toContain('value="taken-slug"');
    expect(res.text).toContain('value="撞名的课程"');
    expect(await courseCount()).toBe(before);
  });

  it('refuses renaming a course to another course’s slug, leaving it unchanged', async () => {
    await createCourse(t.db, { slug: 'first-owner' });
    const mine = await createCourse(t.db, { slug: 'mine' });

    const res = await postMultipart(admin.agent, `/admin/courses/${mine.id}`, { _csrf: admin.csrf, ...courseFields({ slug: 'first-owner' }) });

    expect(res.status).toBe(422);
    expect(fieldError(res.text, 'slug')).toBe('这个链接名已被其他课程使用');
    expect(await t.db('courses').where({ id: mine.id }).first()).toMatchObject({ slug: 'mine', title: mine.title });
  });
});

describe('the course form stores what it accepts', () => {
  it('stores "12.3" yuan as 1230 fen, as a draft, and shows the course', async () => {
    const res = await createCourseForm({ title: '定价课程', slug: 'priced', price: '12.3', tags: 'Rust, 系统编程, rust' });

    expect(res.status).toBe(303);
    const row = await t.db('courses').where({ slug: 'priced' }).first();
    expect(row).toMatchObject({ title: '定价课程', price_fen: 1230, status: 'draft', category: 'backend', difficulty: 3, tags: 'rust,系统编程', cover_url: null });
    expect(res.headers.location).toBe(`/admin/courses/${row.id}`);
    expect((await admin.agent.get('/admin/courses')).text).toContain('<td data-label="价格">¥12.30</td>');
  });

  it('makes a free course from price "0"', async () => {
    const res = await createCourseForm({ title: '免费课程', slug: 'free-one', price: '0' });

    expect(res.status).toBe(303);
    const row = await t.db('courses').where({ slug: 'free-one' }).first();
    expect(row.price_fen).toBe(0);
    await createLesson(t.db, row.id);
    await admin.agent.post(`/admin/courses/${row.id}/publish`).type('form').send({ _csrf: admin.csrf });
    const learner = await signedIn(t.app, t.db);
    expect((await learner.agent.get('/courses/free-one')).text).toContain('免费加入学习');
  });

  it('makes a slug from the title’s ASCII words when left empty', async () => {
    const res = await createCourseForm({ title: 'Rust 并发 In Practice', slug: '' });

    expect(res.status).toBe(303);
    expect(await t.db('courses').where({ slug: 'rust-in-practice' }).first()).toBeDefined();
  });

  it('accepts an https cover address', async () => {
    await createCourseForm({ title: '有封面', slug: 'with-cover', cover_url: 'https://img.example.com/c.png' });

    expect(await t.db('courses').where({ slug: 'with-cover' }).first()).toMatchObject({ cover_url: 'https://img.example.com/c.png' });
  });

  it('shows the current values when editing, with the price in yuan', async () => {
    await createCourseForm({ title: '待编辑', slug: 'to-edit', price: '1234.5', tags: 'a, b' });
    const row = await t.db('courses').where({ slug: 'to-edit' }).first();

    const res = await admin.agent.get(`/admin/courses/${row.id}/edit`);

    expect(res.text).toContain('name="price" type="text" value="1234.50"');
    expect(res.text).toContain('name="tags" type="text" value="a, b"');
    expect(res.text).toContain('value="to-edit"');
  });
});

describe('the lesson form', () => {
  let course: { id: number };
  beforeAll(async () => {
    course = await createCourse(t.db, { status: 'draft' });
  });
  const postLesson = (fields: Record<string, string>) => admin.agent.post(`/admin/courses/${course.id}/lessons`).type('form').send({ _csrf: admin.csrf, ...lessonFields(fields) });
  const lessonCount = async () => (await t.db('lessons').where({ course_id: course.id })).length;

  it.each([
    ['an empty title', { title: '' }, 'title', '请填写课时标题'],
    ['an 81-character title', { title: '课'.repeat(81) }, 'title', '课时标题最多 80 个字'],
    ['a duration that is not a number', { duration: 'abc' }, 'duration', '时长填写分钟数（如 15）或 分:秒（如 12:30），不超过 600 分钟'],
    ['a duration above 600 minutes', { duration: '601' }, 'duration', '时长填写分钟数'],
    ['a media address that is not https', { media_url: 'http://cdn.example.com/a.mp4' }, 'media_url', '媒体地址须以 https:// 开头'],
    ['a javascript: media address', { media_url: 'javascript:alert(1)' }, 'media_url', '媒体地址须以 https:// 开头'],
    ['an empty body', { body_md: '' }, 'body_md', '请填写课时内容'],
  ])('refuses %s with 422 and a message on the field, keeping the other values', async (_name, fields, field, message) => {
    const before = await lessonCount();

    const res = await postLesson({ title: '保留的课时', body_md: '保留的正文', ...fields });

    expect(res.status).toBe(422);
    expect(fieldError(res.text, field)).toContain(message);
    if (field !== 'title') expect(res.text).toContain('value="保留的课时"');
    if (field !== 'body_md') expect(res.text).toContain('>保留的正文</textarea>');
    expect(await lessonCount()).toBe(before);
  });

  it('stores a lesson with "12:30" as 750 seconds, at the end of the course, as a free preview when ticked', async () => {
    await postLesson({ title: '第一课' });

    const res = await postLesson({ title: '第二课', duration: '12:30', media_url: 'https://cdn.example.com/a.mp4', is_free_preview: 'on' });

    expect(res.status).toBe(303);
    const row = await t.db('lessons').where({ course_id: course.id, title: '第二课' }).first();
    expect(row).toMatchObject({ duration_seconds: 750, media_url: 'https://cdn.example.com/a.mp4', position: 2 });
    expect(Boolean(row.is_free_preview)).toBe(true);
  });
});

describe('lesson addresses under the wrong course', () => {
  it.each([
    ['edit form', 'get', '/edit'],
    ['save', 'post', ''],
    ['delete', 'post', '/delete'],
    ['move', 'post', '/move'],
  ] as const)('answer 404 to the %s and change nothing', async (_name, method, suffix) => {
    const mine = await createCourse(t.db, { status: 'draft' });
    const other = await createCourse(t.db, { status: 'draft' });
    const lesson = await createLesson(t.db, other.id, { title: '别人的课时' });
    await createLesson(t.db, other.id);
    const before = await t.db('lessons').where({ course_id: other.id }).orderBy('id');
    const url = `/admin/courses/${mine.id}/lessons/${lesson.id}${suffix}`;

    const res = method === 'get' ? await admin.agent.get(url) : await admin.agent.post(url).type('form').send({ _csrf: admin.csrf, ...lessonFields({ title: '被改了' }), direction: 'down' });

    expect(res.status).toBe(404);
    expect(await t.db('lessons').where({ course_id: other.id }).orderBy('id')).toEqual(before);
  });
});
