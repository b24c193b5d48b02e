import { describe, expect, it } from 'vitest';
import { safeReturnPath } from '../../../src/platform/http/validation.js';

describe('safeReturnPath', () => {
  it.each([['/'], ['/courses/go-concurrency'], ['/learn/x?lesson=3#notes'], ['/search?q=%2F%2Fevil.com']])('keeps the same-site path %s', (path) => {
    expect(safeReturnPath(path)).toBe(path);
  });

  it.each([
    ['another site by scheme-relative URL', '//evil.com'],
    ['an absolute URL', 'https://evil.com/'],
    ['a backslash that browsers read as a slash', '/\\evil.com'],
    ['a javascript: URL', 'javascript:alert(1)'],
    ['a relative path', 'courses/x'],
    ['a header-splitting newline', '/ok\r\nSet-Cookie: a=b'],
    ['a tab, which browsers strip', '/\t/evil.com'],
    ['an empty string', ''],
    ['a very long path', '/' + 'a'.repeat(600)],
    ['a repeated query parameter', ['/a', '/b']],
    ['nothing at all', undefined],
  ])('falls back to / for %s', (_name, value) => {
    expect(safeReturnPath(value)).toBe('/');
  });

  it('uses the fallback it is given', () => {
    expect(safeReturnPath('//evil.com', '/account')).toBe('/account');
  });
});
