import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../../src/config/environment.js';
import { menuProblems, resolveMenu, type Menu } from '../../../src/modules/wechat/index.js';
// WeChat's side of the limits, written independently for the sandbox's menu/create.
import { validateMenu } from '../../../src/modules/sandbox/official-account/menu-validation.js';

const PUBLIC_URL = 'https://zhifu.example.com';
const template: unknown = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'src/config/wechat-menu.json'), 'utf8'));

const view = (name: string, url = `${PUBLIC_URL}/`) => ({ type: 'view' as const, name, url });
const click = (name: string, key = 'KEY') => ({ type: 'click' as const, name, key });
const subs = (name: string, n: number) => ({ name, sub_button: Array.from({ length: n }, (_, i) => view(`子${i + 1}`)) });
/** 3 bytes each in UTF-8. */
const han = (n: number) => '课'.repeat(n);

describe('the menu in src/config/wechat-menu.json', () => {
  const menu = resolveMenu(template, PUBLIC_URL);

  it('has no problems once PUBLIC_URL is filled in', () => {
    expect(menuProblems(menu)).toEqual([]);
  });

  it('is accepted by the sandbox, which checks as WeChat does', () => {
    expect(() => validateMenu(menu)).not.toThrow();
  });

  it('links only to the public site, every link tagged utm_source=wechat_oa', () => {
    const urls = menu.button.flatMap((b) => ('sub_button' in b ? b.sub_button : [b])).flatMap((b) => (b.type === 'view' ? [b.url] : []));
    expect(urls.length).toBeGreaterThan(0);
    for (const u of urls) {
      expect(u.startsWith(`${PUBLIC_URL}/`)).toBe(true);
      expect(new URL(u).searchParams.get('utm_source')).toBe('wechat_oa');
    }
  });

  it('reports the links as problems when PUBLIC_URL was never filled in', () => {
    const unresolved = resolveMenu(template, '{PUBLIC_URL}');
    expect(menuProblems(unresolved).length).toBeGreaterThan(0);
  });
});

describe('menuProblems', () => {
  it.each<[string, Menu, RegExp]>([
    ['no top-level button', { button: [] }, /一级菜单需 1–3 个，现有 0 个/],
    ['four top-level buttons', { button: [view('一'), view('二'), view('三'), view('四')] }, /一级菜单需 1–3 个，现有 4 个/],
    ['a top-level name of 17 bytes', { button: [view(han(5) + 'ab')] }, /名称需 1–16 字节/],
    ['an empty top-level name', { button: [view('')] }, /名称需 1–16 字节/],
    ['a blank top-level name', { button: [view('   ')] }, /名称需 1–16 字节/],
    ['a parent name of 18 bytes', { button: [{ ...subs(han(6), 1) }] }, /一级菜单“课+”名称需 1–16 字节/],
    ['a parent without sub-buttons', { button: [subs('更多', 0)] }, /“更多”的子菜单需 1–5 个/],
    ['six sub-buttons', { button: [subs('更多', 6)] }, /“更多”的子菜单需 1–5 个/],
    ['a sub-button name of 41 bytes', { button: [{ name: '更多', sub_button: [view(han(13) + 'ab')] }] }, /子菜单“课+ab”名称需 1–40 字节/],
    ['a link of 257 bytes', { button: [view('长链接', `${PUBLIC_URL}/${'x'.repeat(257 - PUBLIC_URL.length - 1)}`)] }, /链接需以 http\(s\):\/\/ 开头且不超过 256 字节/],
    ['a javascript: link', { button: [view('坏链接', 'javascript:alert(1)')] }, /链接需以 http\(s\):\/\//],
    ['a relative link', { button: [view('相对', '/me/courses')] }, /链接需以 http\(s\):\/\//],
    ['a click key of 129 bytes', { button: [click('点我', han(43))] }, /key 需 1–128 字节/],
    ['an empty click key', { button: [click('点我', '')] }, /key 需 1–128 字节/],
  ])('reports %s, once, and WeChat would refuse it too', (_name, menu, message) => {
    const problems = menuProblems(menu);

    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(message);
    expect(() => validateMenu(menu)).toThrow();
  });

  it.each<[string, Menu]>([
    ['three buttons, one with five sub-buttons', { button: [view('一'), view('二'), subs('更多', 5)] }],
    ['a top-level name of exactly 16 bytes', { button: [view(han(5) + 'a')] }],
    ['a sub-button name of exactly 40 bytes', { button: [{ name: '更多', sub_button: [view(han(13) + 'a')] }] }],
    ['a link of exactly 256 bytes', { button: [view('长链接', `${PUBLIC_URL}/${'x'.repeat(256 - PUBLIC_URL.length - 1)}`)] }],
    ['a click key of exactly 128 bytes', { button: [click('点我', han(42) + 'ab')] }],
  ])('accepts %s, as WeChat does', (_name, menu) => {
    expect(menuProblems(menu)).toEqual([]);
    expect(() => validateMenu(menu)).not.toThrow();
  });

  it('reports every problem of a menu at once', () => {
    const menu: Menu = { button: [view(han(6)), subs('更多', 6), view('坏', 'ftp://x'), view('四')] };
    expect(menuProblems(menu)).toHaveLength(4);
  });
});
