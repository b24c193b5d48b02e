import { describe, expect, it } from 'vitest';
import { csvRow, parseCsv, parseItemsCsv, parseRatingsCsv, parseTimestamp, toOfflineData } from '../../../src/modules/recommendations/offline/index.js';

const fields = (text: string) => parseCsv(text, 'x.csv').map((r) => r.fields);
const lines = (text: string) => parseCsv(text, 'x.csv').map((r) => r.line);
const errorOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected an error');
};

describe('the CSV parser', () => {
  it('reads quoted titles with commas and doubled quotes inside', () => {
    expect(fields('item_id,title,tags\nc1,"Go 语言并发编程：入门, 进阶","go|并发"\nc2,"say ""hi"" to React",react\n')).toEqual([
      ['item_id', 'title', 'tags'],
      ['c1', 'Go 语言并发编程：入门, 进阶', 'go|并发'],
      ['c2', 'say "hi" to React', 'react'],
    ]);
  });

  it('treats CRLF like LF and drops a UTF-8 BOM', () => {
    expect(fields('\uFEFFa,b\r\n1,2\r\n3,\r\n')).toEqual([
      ['a', 'b'],
      ['1', '2'],
      ['3', ''],
    ]);
  });

  it('keeps a line break inside quotes as data and counts lines from where each record starts', () => {
    const text = 'a,b\n"two\r\nlines",x\n"",y\n';
    expect(fields(text)).toEqual([
      ['a', 'b'],
      ['two\nlines', 'x'],
      ['', 'y'],
    ]);
    expect(lines(text)).toEqual([1, 2, 4]);
  });

  it('skips blank lines and a missing final newline is fine', () => {
    expect(fields('a,b\n\n1,2')).toEqual([
      ['a', 'b'],
      ['1', '2'],
    ]);
    expect(lines('a,b\n\n1,2')).toEqual([1, 3]);
  });

  it('names the line of a quote that is never closed', () => {
    expect(errorOf(() => parseCsv('a,b\n1,2\n3,"open\n4,5\n', 'items.csv'))).toBe('items.csv line 3: a quoted field is never closed (missing ")');
  });

  it('names the line of text after a closing quote and of a stray quote in a bare field', () => {
    expect(errorOf(() => parseCsv('a,b\n"x"y,1\n', 'items.csv'))).toBe('items.csv line 2: unexpected text after a closing quote in field 1');
    expect(errorOf(() => parseCsv('a,b\n1,2\n3,C++ "进阶"\n', 'items.csv'))).toMatch(/^items\.csv line 3: a quote inside unquoted field 2/);
  });

  it('writes fields back quoted only where needed, and reads them back unchanged', () => {
    const row = ['c1', 'Go, "进阶"', 'a\nb', ' padded', 3];
    expect(csvRow(row)).toBe('c1,"Go, ""进阶""","a\nb"," padded",3\n');
    expect(fields(csvRow(row))).toEqual([row.map(String)]);
  });
});

describe('reading a ratings file', () => {
  const header = 'user_id,item_id,rating,timestamp\n';

  it('turns each line into a purchase with stars and a time, empty meaning none', () => {
    const rows = parseRatingsCsv(`${header}u1,c1,5,1767225600\nu1,c2,,2026-01-01T08:00:00+08:00\nu2,c1,3.5,\n`, 'train.csv');
    expect(rows.map((r) => [r.user, r.item, r.rating, r.at?.toISOString() ?? null])).toEqual([
      ['u1', 'c1', 5, '2026-01-01T00:00:00.000Z'],
      ['u1', 'c2', null, '2026-01-01T00:00:00.000Z'],
      ['u2', 'c1', 3.5, null],
    ]);
  });

  it.each([
    ['u1,c1,7,', 'train.csv line 3: rating must be 1–5 or empty, got "7"'],
    ['u1,c1,0,', 'train.csv line 3: rating must be 1–5 or empty, got "0"'],
    ['u1,c1,five,', 'train.csv line 3: rating must be 1–5 or empty, got "five"'],
    ['u1,c1,,yesterday', 'train.csv line 3: timestamp must be unix seconds, ISO 8601 or empty, got "yesterday"'],
    ['u1,c1,,1767225600000', 'train.csv line 3: timestamp must be unix seconds, ISO 8601 or empty, got "1767225600000" (milliseconds? use seconds)'],
    ['u1,c1,,2026-02-30', 'train.csv line 3: timestamp must be unix seconds, ISO 8601 or empty, got "2026-02-30" (no such date or time)'],
    ['u1,c1', 'train.csv line 3: expected 4 fields, got 2'],
    [',c1,4,', 'train.csv line 3: user_id is empty'],
    ['u1,,4,', 'train.csv line 3: item_id is empty'],
  ])('rejects %s naming the file and line', (line, message) => {
    expect(errorOf(() => parseRatingsCsv(`${header}u0,c0,4,\n${line}\n`, 'train.csv'))).toBe(message);
  });

  it('rejects a wrong header and an empty file', () => {
    expect(errorOf(() => parseRatingsCsv('userId,movieId,rating,timestamp\n', 'train.csv'))).toBe(
      'train.csv line 1: the header must be "user_id,item_id,rating,timestamp", got "userId,movieId,rating,timestamp"',
    );
    expect(errorOf(() => parseRatingsCsv('', 'train.csv'))).toBe('train.csv: the file is empty; the first line must be the header "user_id,item_id,rating,timestamp"');
  });

  it('reads an ISO time without an offset as UTC, whatever the machine', () => {
    expect(parseTimestamp('2026-03-01 12:30', 'f', 1)?.toISOString()).toBe('2026-03-01T12:30:00.000Z');
    expect(parseTimestamp('2026-03-01T12:30:15.250-05:30', 'f', 1)?.toISOString()).toBe('2026-03-01T18:00:15.250Z');
  });

  it('merges a repeated learner and course into one purchase with the latest time and the last rating given', () => {
    const rows = parseRatingsCsv(`${header}u1,c1,2,1767225600\nu1,c1,,1767312000\nu1,c1,4,1767139200\nu1,c1,,\n`, 'train.csv');
    const data = toOfflineData(rows, null, 'train.csv');
    expect(data.interactions).toEqual([{ user: 'u1', item: 'c1', purchased: true, stars: 4, at: new Date(1767312000 * 1000) }]);
    expect(data.now).toEqual(new Date(1767312000 * 1000));
  });

  it('without an items file, the catalogue is the courses the ratings mention, titled by id', () => {
    const data = toOfflineData(parseRatingsCsv(`${header}u1,c2,,\nu2,c1,,\nu2,c2,,\n`, 'train.csv'), null, 'train.csv');
    expect(data.items).toEqual([
      { id: 'c2', title: 'c2', tags: [] },
      { id: 'c1', title: 'c1', tags: [] },
    ]);
  });

  it('names the line of a course the items file does not have', () => {
    const items = parseItemsCsv('item_id,title,tags\nc1,A,\n', 'items.csv');
    const rows = parseRatingsCsv(`${header}u1,c1,,\nu1,c9,,\n`, 'train.csv');
    expect(errorOf(() => toOfflineData(rows, items, 'train.csv', 'items.csv'))).toBe('train.csv line 3: item_id "c9" is not in items.csv');
  });
});

describe('reading an items file', () => {
  it('splits tags on | and reads the optional category, difficulty and summary columns', () => {
    const items = parseItemsCsv(
      '\uFEFFitem_id,title,tags,category,difficulty,summary\r\nc1,"Go 语言并发编程进阶, 第 2 版",go| 并发 ||微服务,backend,3,讲透 channel\r\nc2,,,,,\r\n',
      'items.csv',
    );
    expect(items).toEqual([
      { id: 'c1', title: 'Go 语言并发编程进阶, 第 2 版', tags: ['go', '并发', '微服务'], category: 'backend', difficulty: 3, summary: '讲透 channel' },
      { id: 'c2', title: 'c2', tags: [], category: null, difficulty: null },
    ]);
  });

  it('accepts the three required columns alone', () => {
    expect(parseItemsCsv('item_id,title,tags\nc1,"A ""quoted"" title",x\n', 'items.csv')).toEqual([{ id: 'c1', title: 'A "quoted" title', tags: ['x'] }]);
  });

  it.each([
    ['id,title,tags\n', 'items.csv line 1: the header must be "item_id,title,tags" (optionally followed by category, difficulty, summary), got "id,title,tags"'],
    ['item_id,title,tags,colour\n', 'items.csv line 1: the header must be "item_id,title,tags" (optionally followed by category, difficulty, summary), got "item_id,title,tags,colour"'],
    ['item_id,title,tags\nc1,A,x\nc1,B,y\n', 'items.csv line 3: item_id "c1" already appears on line 2'],
    ['item_id,title,tags\nc1,"A, B",x,extra\n', 'items.csv line 2: expected 3 fields, got 4'],
    ['item_id,title,tags,difficulty\nc1,A,x,7\n', 'items.csv line 2: difficulty must be a whole number 1–5 or empty, got "7"'],
  ])('rejects %j naming the line', (text, message) => {
    expect(errorOf(() => parseItemsCsv(text, 'items.csv'))).toBe(message);
  });
});
