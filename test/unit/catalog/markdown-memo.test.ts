import { describe, expect, it } from 'vitest';
import { memoByContent, renderMarkdown } from '../../../src/modules/catalog/markdown.js';

function counted() {
  const calls: string[] = [];
  return { calls, render: (s: string) => (calls.push(s), `<p>${s}</p>`) };
}

describe('memoByContent', () => {
  it('renders a text once and an edited text anew, since the text itself is the key', () => {
    const r = counted();
    const render = memoByContent(r.render, 1000);
    expect(render('第一课')).toBe('<p>第一课</p>');
    expect(render('第一课')).toBe('<p>第一课</p>');
    expect(render('第一课（修订）')).toBe('<p>第一课（修订）</p>');
    expect(r.calls).toEqual(['第一课', '第一课（修订）']);
  });

  it('drops the least recently used texts once the character budget is spent, and never keeps one larger than it', () => {
    const r = counted();
    // Each entry costs its source plus its HTML: 'a' is 1 + 8 characters.
    const render = memoByContent(r.render, 20);
    render('a');
    render('b');
    render('a'); // 'b' is now the least recently used
    render('c'); // 27 characters kept: 'b' goes
    render('a');
    render('b');
    render('x'.repeat(30));
    render('x'.repeat(30));
    expect(r.calls).toEqual(['a', 'b', 'c', 'b', 'x'.repeat(30), 'x'.repeat(30)]);
  });

  it('still sanitises: the cached lesson renderer gives the same safe HTML on every call', () => {
    const source = '[点我](javascript:alert(1)) **粗体**';
    const first = renderMarkdown(source);
    expect(first).not.toContain('href="javascript:');
    expect(first).toContain('<strong>粗体</strong>');
    expect(renderMarkdown(source)).toBe(first);
  });
});
