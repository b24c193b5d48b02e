import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { courseFields, lessonFields, postMultipart, signedIn } from '../../support/catalog-factories.js';
import { activeContent, section, tagsIn } from '../../support/html.js';
import { startTestApp, type TestApp } from '../../support/test-app.js';

const EVIL_TITLE = '<script>alert(1)</script>';
const ESCAPED_TITLE = '&lt;script&gt;alert(1)&lt;/script&gt;';
const EVIL_LESSON_TITLE = '<img src=x onerror=alert(2)>';
const EVIL_MARKDOWN = [
  'Intro with **bold** text.',
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
  '[click me](javascript:alert(1))',
  '<iframe src="https://evil.example/"></iframe>',
  '![pic](javascript:alert(1))',
  '[entity](javascript&#58;alert(1))',
  '<a href="javascript:alert(1)">raw link</a>',
  '[safe](https://example.com/ok)',
].join('\n\n');

let t: TestApp;
let admin: Awaited<ReturnType<typeof signedIn>>;
let learner: Awaited<ReturnType<typeof signedIn>>;
let courseId: number;
let openLessonId: number;
let lockedLessonId: number;

beforeAll(async () => {
  t = await startTestApp();
  admin = await signedIn(t.app, t.db, 'admin');
  learner = await signedIn(t.app, t.db);
  // Everything goes in through the admin forms, as a careless or hostile creator would type it.
  const created = await postMultipart(admin.agent, '/admin/courses', {
    _csrf: admin.csrf,
    ...courseFields({ title: EVIL_TITLE, slug: 'xss-course', price: '0', summary: EVIL_TITLE, description: EVIL_MARKDOWN }),
  });
  courseId = Number(/\/admin\/courses\/(\d+)/.exec(created.headers.location!)![1]);
  const addLesson = (fields: Record<string, string>) => admin.agent.post(`/admin/courses/${courseId}/lessons`).type('form').send({ _csrf: admin.csrf, ...lessonFields(fields) });
  await addLesson({ title: EVIL_LESSON_TITLE, body_md: EVIL_MARKDOWN, is_free_preview: 'on' });
  await addLesson({ title: '锁住的课时', body_md: '锁住的正文' });
  [openLessonId, lockedLessonId] = (await t.db('lessons').where({ course_id: courseId }).orderBy('position')).map((l) => Number(l.id)) as [number, number];
  await admin.agent.post(`/admin/courses/${courseId}/publish`).type('form').send({ _csrf: admin.csrf });
});
afterAll(async () => t.close());

describe('a course title with a script tag', () => {
  const pages: [string, () => Promise<request.Response>][] = [
    ['the course list', () => request(t.app).get('/')],
    ['the course page', () => request(t.app).get('/courses/xss-course')],
    ['a lesson page', () => request(t.app).get(`/courses/xss-course/lessons/${openLessonId}`)],
    ['a locked lesson page', () => request(t.app).get(`/courses/xss-course/lessons/${lockedLessonId}`)],
    ['my courses', async () => {
      await learner.agent.post('/courses/xss-course/enrol').type('form').send({ _csrf: learner.csrf });
      return learner.agent.get('/me/courses');
    }],
    ['the admin course list', () => admin.agent.get('/admin/courses')],
    ['the admin course page', () => admin.agent.get(`/admin/courses/${courseId}`)],
    ['the admin edit form', () => admin.agent.get(`/admin/courses/${courseId}/edit`)],
    ['the admin lesson form', () => admin.agent.get(`/admin/courses/${courseId}/lessons/new`)],
  ];

  it.each(pages)('is escaped on %s', async (_name, load) => {
    const res = await load();

    expect(res.status).toBeLessThan(500);
    expect(res.text).toContain(ESCAPED_TITLE);
    expect(res.text).not.toContain(EVIL_TITLE);
    expect(tagsIn(res.text).filter((tag) => tag.name === 'script' && tag.attrs.src === undefined)).toEqual([]);
  });

  it('is stored as typed, so escaping happens on output', async () => {
    expect(await t.db('courses').where({ id: courseId }).first()).toMatchObject({ title: EVIL_TITLE, summary: EVIL_TITLE });
  });
});

describe('a lesson title with an event handler', () => {
  it.each([
    ['the course outline', () => request(t.app).get('/courses/xss-course')],
    ['the lesson page', () => request(t.app).get(`/courses/xss-course/lessons/${openLessonId}`)],
    ['the admin course page', () => admin.agent.get(`/admin/courses/${courseId}`)],
  ] as const)('is escaped on %s', async (_name, load) => {
    const res = await load();

    expect(res.text).toContain('&lt;img src=x onerror=alert(2)&gt;');
    expect(tagsIn(res.text).filter((tag) => Object.keys(tag.attrs).some((a) => a.startsWith('on')))).toEqual([]);
  });
});

describe('Markdown with scripts, handlers, javascript: links and iframes', () => {
  it('renders inert in the lesson body, keeping the harmless Markdown', async () => {
    const res = await request(t.app).get(`/courses/xss-course/lessons/${openLessonId}`);

    const body = section(res.text, 'class="markdown lesson-body"');
    expect(body).toContain('<strong>bold</strong>');
    expect(body).toContain('href="https://example.com/ok"');
    expect(activeContent(body)).toEqual([]);
    expect(tagsIn(res.text).filter((tag) => tag.name === 'script').map((tag) => tag.attrs.src)).toEqual([]);
  });

  it('renders inert in the lesson body for an enrolled learner, whose page carries only our own script', async () => {
    await learner.agent.post('/courses/xss-course/enrol').type('form').send({ _csrf: learner.csrf });

    const res = await learner.agent.get(`/courses/xss-course/lessons/${openLessonId}`);

    expect(activeContent(section(res.text, 'class="markdown lesson-body"'))).toEqual([]);
    expect(tagsIn(res.text).filter((tag) => tag.name === 'script').map((tag) => tag.attrs.src)).toEqual(['/static/js/lesson.js', '/static/js/fresh-page.js', '/static/js/like.js']);
  });

  it('renders inert in the course description', async () => {
    const res = await request(t.app).get('/courses/xss-course');

    const description = section(res.text, 'class="detail-description markdown"');
    expect(description).toContain('<strong>bold</strong>');
    expect(activeContent(description)).toEqual([]);
  });

  it('renders inert in the admin lesson preview, which keeps the typed source in the textarea', async () => {
    const res = await admin.agent.post(`/admin/courses/${courseId}/lessons`).type('form').send({ _csrf: admin.csrf, ...lessonFields({ body_md: EVIL_MARKDOWN, intent: 'preview' }) });

    expect(res.status).toBe(200);
    const preview = section(res.text, 'class="preview markdown"');
    expect(preview).toContain('<strong>bold</strong>');
    expect(activeContent(preview)).toEqual([]);
    const source = section(res.text, 'id="f-body_md"');
    expect(source).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(activeContent(source)).toEqual([]);
    expect(await t.db('lessons').where({ course_id: courseId })).toHaveLength(2);
  });

  it('renders inert in the admin course-description preview, saving nothing', async () => {
    const before = await t.db('courses').where({ id: courseId }).first();

    const res = await postMultipart(admin.agent, `/admin/courses/${courseId}`, { _csrf: admin.csrf, ...courseFields({ title: '预览不保存', slug: 'xss-course', description: EVIL_MARKDOWN, intent: 'preview' }) });

    expect(res.status).toBe(200);
    const preview = section(res.text, 'class="preview markdown"');
    expect(preview).toContain('<strong>bold</strong>');
    expect(activeContent(preview)).toEqual([]);
    expect(await t.db('courses').where({ id: courseId }).first()).toEqual(before);
  });
});

describe('the probe itself', () => {
  it('would notice each kind of active content', () => {
    expect(activeContent('<p><script>x</script></p>')).toEqual(['<script>']);
    expect(activeContent('<img src="x" onerror="alert(1)">')).toEqual(['img[onerror]']);
    expect(activeContent('<a href=" JaVaScRiPt:alert(1)">x</a>')).toHaveLength(1);
    expect(activeContent('<a href="javascript&#58;alert(1)">x</a>')).toHaveLength(1);
    expect(activeContent('<iframe src="https://x"></iframe>')).toEqual(['<iframe>']);
    expect(activeContent('<p>&lt;img src=x onerror=alert(1)&gt; [x](javascript:alert(1))</p>')).toEqual([]);
  });
});
