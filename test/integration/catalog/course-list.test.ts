import request from 'supertest';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createCourse } from '../../support/factories.js';
import { startTestApp, type TestApp } from '../../support/test-app.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => t.close());
beforeEach(async () => {
  await t.db('courses').delete();
});

/** The course titles on a list page, in order. */
function titles(html: string): string[] {
  return [...html.matchAll(/<h2 class="course-title">([^<]*)<\/h2>/g)].map((m) => m[1]!);
}

/** The href of the pager link with this label, or null when it is not a link. */
function pagerHref(html: string, label: '上一页' | '下一页'): string | null {
  const m = new RegExp(`<a class="pager-link" href="([^"]+)"[^>]*>${label}</a>`).exec(html);
  return m ? m[1]!.replace(/&amp;/g, '&') : null;
}

/** `n` published courses, the first made being the oldest, so the list shows them last-made first. */
async function publishedCourses(n: number, c: Parameters<typeof createCourse>[1] = {}) {
  const made = [];
  for (let i = 0; i < n; i++) made.push(await createCourse(t.db, { ...c, title: `${c.title ?? '课程'} ${String(i + 1).padStart(2, '0')}` }));
  return made;
}

describe('the course list', () => {
  it('shows published courses, newest first, and never drafts', async () => {
    await createCourse(t.db, { title: '已发布的老课程', publishedAt: new Date('2026-01-01T00:00:00Z') });
    await createCourse(t.db, { title: '还在写的草稿', status: 'draft' });
    await createCourse(t.db, { title: '已发布的新课程', publishedAt: new Date('2026-02-01T00:00:00Z') });

    const res = await request(t.app).get('/');

    expect(res.status).toBe(200);
    expect(titles(res.text)).toEqual(['已发布的新课程', '已发布的老课程']);
    expect(res.text).not.toContain('还在写的草稿');
  });

  it('never shows drafts in a category either', async () => {
    await createCourse(t.db, { title: '前端草稿', category: 'frontend', status: 'draft' });

    const res = await request(t.app).get('/?category=frontend');

    expect(res.text).not.toContain('前端草稿');
    expect(res.text).toContain('这里还没有课程');
  });

  it('formats prices in yuan with thousands separators, and 0 as 免费', async () => {
    await createCourse(t.db, { title: '一百九十九', priceFen: 19900 });
    await createCourse(t.db, { title: '一千多', priceFen: 123450 });
    await createCourse(t.db, { title: '不要钱', priceFen: 0 });

    const res = await request(t.app).get('/');

    const prices = [...res.text.matchAll(/<span class="course-price[^"]*">([^<]*)<\/span>/g)].map((m) => m[1]);
    expect(prices).toEqual(['免费', '¥1,234.50', '¥199.00']);
    expect(res.text).toContain('<span class="course-price is-free">免费</span>');
  });

  it('shows 12 courses a page with a 下一页 link, and the rest on page 2 with a 上一页 link', async () => {
    await publishedCourses(15);

    const first = await request(t.app).get('/');
    const nextHref = pagerHref(first.text, '下一页');
    const second = await request(t.app).get(nextHref!);
    const prevHref = pagerHref(second.text, '上一页');
    const backToFirst = await request(t.app).get(prevHref!);

    expect(titles(first.text)).toHaveLength(12);
    expect(titles(first.text)[0]).toBe('课程 15');
    expect(pagerHref(first.text, '上一页')).toBeNull();
    expect(first.text).toContain('第 1 / 2 页');
    expect(nextHref).toBe('/?page=2');
    expect(titles(second.text)).toEqual(['课程 03', '课程 02', '课程 01']);
    expect(second.text).toContain('第 2 / 2 页');
    expect(pagerHref(second.text, '下一页')).toBeNull();
    expect(prevHref).toBe('/');
    expect(titles(backToFirst.text)).toEqual(titles(first.text));
  });

  it('shows no pager when everything fits on one page', async () => {
    await publishedCourses(12);

    const res = await request(t.app).get('/');

    expect(titles(res.text)).toHaveLength(12);
    expect(res.text).not.toContain('下一页');
  });

  it('shows only the chosen category, marks its chip as current and keeps the category in the pager', async () => {
    await publishedCourses(13, { category: 'frontend', title: '前端' });
    await publishedCourses(2, { category: 'backend', title: '后端' });

    const res = await request(t.app).get('/?category=frontend');

    expect(res.status).toBe(200);
    expect(titles(res.text)).toHaveLength(12);
    expect(titles(res.text).every((title) => title.startsWith('前端'))).toBe(true);
    expect(res.text).toMatch(/<a href="\/\?category=frontend" class="chip chip-active" aria-current="page">前端<\/a>/);
    expect(res.text.match(/aria-current="page"/g)).toHaveLength(1);
    expect(pagerHref(res.text, '下一页')).toBe('/?category=frontend&page=2');
    const page2 = await request(t.app).get('/?category=frontend&page=2');
    expect(titles(page2.text)).toEqual(['前端 01']);
  });

  it('marks 全部 as current when no category is chosen', async () => {
    const res = await request(t.app).get('/');

    expect(res.text).toMatch(/<a href="\/" class="chip chip-active" aria-current="page">全部<\/a>/);
    expect(res.text.match(/aria-current="page"/g)).toHaveLength(1);
  });

  it('answers an unknown category with a 404 page in Chinese', async () => {
    const res = await request(t.app).get('/?category=cooking');

    expect(res.status).toBe(404);
    expect(res.text).toContain('没有这个课程分类');
  });

  it.each([['abc'], ['-1'], ['0'], ['1.5'], ['']])('treats page=%s as the first page', async (page) => {
    await publishedCourses(13);

    const res = await request(t.app).get(`/?page=${encodeURIComponent(page)}`);

    expect(res.status).toBe(200);
    expect(titles(res.text)).toHaveLength(12);
    expect(titles(res.text)[0]).toBe('课程 13');
    expect(res.text).toContain('第 1 / 2 页');
  });

  it('treats a repeated page parameter as the first page', async () => {
    await publishedCourses(13);

    const res = await request(t.app).get('/?page=2&page=3');

    expect(res.status).toBe(200);
    expect(titles(res.text)[0]).toBe('课程 13');
  });

  it('says there are no courses yet when the catalogue is empty', async () => {
    const res = await request(t.app).get('/');

    expect(res.status).toBe(200);
    expect(titles(res.text)).toEqual([]);
    expect(res.text).toContain('这里还没有课程');
    expect(res.text).toContain('创作者正在准备课程，敬请期待');
    expect(res.text).not.toContain('没有更多课程了');
  });

  it('says 没有更多课程了 past the last page, with a way back to the first', async () => {
    await publishedCourses(3);

    const res = await request(t.app).get('/?page=5');

    expect(res.status).toBe(200);
    expect(titles(res.text)).toEqual([]);
    expect(res.text).toContain('没有更多课程了');
    expect(res.text).toContain('<a href="/">回到第一页</a>');
    expect(res.text).not.toContain('这里还没有课程');
  });

  it('escapes HTML in titles', async () => {
    await createCourse(t.db, { title: '<script>alert(1)</script>' });

    const res = await request(t.app).get('/');

    expect(res.text).not.toContain('<script>alert(1)</script>');
    expect(res.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });
});
