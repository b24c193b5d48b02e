import { describe, expect, it } from 'vitest';
import { csvCell, toCsv } from '../../../src/modules/admin/csv.js';

describe('CSV export', () => {
  it.each([
    ['=HYPERLINK("http://evil")', `"'=HYPERLINK(""http://evil"")"`],
    ['+1+1', `"'+1+1"`],
    ['-2+3', `"'-2+3"`],
    ['@SUM(A1)', `"'@SUM(A1)"`],
    ['\tcmd', `"'\tcmd"`],
  ])('neutralises the formula %s', (input, output) => {
    expect(csvCell(input)).toBe(output);
  });

  it('quotes every cell, doubles quotes, keeps Chinese and numbers as they are', () => {
    expect(csvCell('TypeScript “实战”, 第 2 版')).toBe('"TypeScript “实战”, 第 2 版"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell(99.5)).toBe('"99.5"');
    expect(csvCell(null)).toBe('""');
  });

  it('starts with a UTF-8 BOM and ends rows with CRLF', () => {
    expect(toCsv(['a', 'b'], [[1, '二']])).toBe('\uFEFF"a","b"\r\n"1","二"\r\n');
  });
});
