import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatItemsCsv, formatRatingsCsv, generateSynthetic, parseCsv } from '../../../src/modules/recommendations/offline/index.js';

// `npm run recs:offline` as people run it: a real process on real files.
const ROOT = path.resolve(import.meta.dirname, '../../..');
let dir: string;
const file = (name: string, text?: string) => {
  const p = path.join(dir, name);
  if (text !== undefined) writeFileSync(p, text);
  return p;
};

async function run(args: string[]) {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/cli/recs-offline.ts', ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH },
      maxBuffer: 64 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const shop = generateSynthetic({ seed: 3, learners: 150, courses: 40 });
const trainOf = new Map<string, Set<string>>();
for (const x of shop.interactions) trainOf.set(x.user, new Set([...(trainOf.get(x.user) ?? []), x.item]));

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'zhifu-recs-offline-'));
  file('train.csv', formatRatingsCsv(shop.interactions));
  file('items.csv', formatItemsCsv(shop.items));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** user → item ids in rank order, checking the header and that ranks run 1, 2, 3… */
function readRecs(text: string): Map<string, string[]> {
  const [header, ...rows] = parseCsv(text, 'recs.csv').map((r) => r.fields);
  expect(header).toEqual(['user_id', 'item_id', 'rank']);
  const lists = new Map<string, string[]>();
  for (const [user, item, rank] of rows as [string, string, string][]) {
    const list = lists.get(user) ?? [];
    expect(Number(rank)).toBe(list.length + 1);
    list.push(item);
    lists.set(user, list);
  }
  return lists;
}

describe('npm run recs:offline', () => {
  it('writes the top k for every learner in train, ranked from 1, never a course they have', async () => {
    const res = await run(['--train', file('train.csv'), '--items', file('items.csv'), '--k', '5', '--out', file('recs.csv')]);

    expect(res.code).toBe(0);
    expect(res.stdout).toBe('');
    expect(res.stderr).toMatch(/interactions, 150 learners, 40 courses: 750 recommendations \(k 5\) in [\d.]+ s\n$/);
    const lists = readRecs(readFileSync(file('recs.csv'), 'utf8'));
    expect([...lists.keys()].sort()).toEqual([...trainOf.keys()].sort());
    const catalogue = new Set(shop.items.map((i) => i.id));
    for (const [user, items] of lists) {
      expect(items).toHaveLength(5);
      expect(new Set(items).size).toBe(5);
      for (const item of items) {
        expect(catalogue.has(item)).toBe(true);
        expect(trainOf.get(user)!.has(item)).toBe(false);
      }
    }
  });

  it('writes only CSV to stdout with --out - or no --out, and defaults k to 10', async () => {
    const dash = await run(['--train', file('train.csv'), '--items', file('items.csv'), '--out', '-']);
    const none = await run(['--train', file('train.csv'), '--items', file('items.csv')]);

    expect(dash.code).toBe(0);
    expect(none.stdout).toBe(dash.stdout);
    expect(dash.stderr).toContain('(k 10)');
    const lists = readRecs(dash.stdout);
    expect(lists.size).toBe(150);
    expect([...lists.values()].every((l) => l.length === 10)).toBe(true);
  });

  it('reads quoted titles, CRLF and a BOM, and without --items uses the courses train mentions', async () => {
    const items = '\uFEFFitem_id,title,tags\r\nc1,"Go 语言并发编程, 进阶","go|并发"\r\nc2,"React ""Hooks"" 入门",react\r\nc3,CSS 布局,css\r\nc4,Docker 实战,docker\r\n';
    const train = 'user_id,item_id,rating,timestamp\r\nu1,c1,5,1767225600\r\nu1,c2,,2026-01-02T00:00:00Z\r\nu2,c2,4,\r\nu2,c3,,\r\nu3,c4,2,1767225600\r\n';

    const withItems = await run(['--train', file('small-train.csv', train), '--items', file('small-items.csv', items), '--k', '2']);
    const withoutItems = await run(['--train', file('small-train.csv'), '--k', '10']);

    expect(withItems.code).toBe(0);
    const lists = readRecs(withItems.stdout);
    expect([...lists.keys()]).toEqual(['u1', 'u2', 'u3']);
    expect(lists.get('u1')!.every((i) => !['c1', 'c2'].includes(i))).toBe(true);
    expect(lists.get('u1')).toHaveLength(2);
    expect(withoutItems.code).toBe(0);
    // Four courses in train: u1 and u2 can get at most the two they do not have.
    expect(readRecs(withoutItems.stdout).get('u2')!.sort()).toEqual(['c1', 'c4']);
  });

  it.each([
    ['a rating out of range', 'user_id,item_id,rating,timestamp\nu1,c1,5,\nu1,c2,7,\n', null, 'line 3: rating must be 1–5 or empty, got "7"'],
    ['a bad timestamp', 'user_id,item_id,rating,timestamp\nu1,c1,,soon\n', null, 'line 2: timestamp must be unix seconds, ISO 8601 or empty, got "soon"'],
    ['a wrong header', 'user,item,rating,time\nu1,c1,,\n', null, 'line 1: the header must be "user_id,item_id,rating,timestamp", got "user,item,rating,time"'],
    ['a short line', 'user_id,item_id,rating,timestamp\nu1,c1,,\nu2\n', null, 'line 3: expected 4 fields, got 1'],
    ['an unclosed quote', 'user_id,item_id,rating,timestamp\nu1,"c1,,\n', null, 'line 2: a quoted field is never closed (missing ")'],
    ['a course missing from items.csv', 'user_id,item_id,rating,timestamp\nu1,c1,,\nu1,c7,,\n', 'item_id,title,tags\nc1,A,\n', 'line 3: item_id "c7" is not in'],
  ])('rejects %s with the file and line, exit 2 and no stack trace', async (_what, train, items, message) => {
    const args = ['--train', file('bad-train.csv', train)];
    if (items !== null) args.push('--items', file('bad-items.csv', items));

    const res = await run(args);

    expect(res.code).toBe(2);
    expect(res.stderr).toContain(`${file('bad-train.csv')} ${message}`);
    expect(res.stderr).not.toMatch(/\n\s+at /);
    expect(res.stdout).toBe('');
  });

  it('names the line of a bad items.csv too', async () => {
    const res = await run(['--train', file('train.csv'), '--items', file('bad-items.csv', 'item_id,title,tags\nc1,"A"B,x\n')]);

    expect(res.code).toBe(2);
    expect(res.stderr.trim()).toBe(`${file('bad-items.csv')} line 2: unexpected text after a closing quote in field 2`);
  });

  it.each([
    [['--train', 'missing.csv'], 'missing.csv: no such file'],
    [['--k', '5'], '--train is required'],
    [['--train', 'x.csv', '--k', '0'], '--k must be a whole number ≥ 1, got "0"'],
    [['--train', 'x.csv', '--k', 'ten'], '--k must be a whole number ≥ 1, got "ten"'],
    [['--train', 'x.csv', '--top', '5'], "Unknown option '--top'"],
    [['--train', 'x.csv', 'extra'], "Unexpected argument 'extra'"],
  ])('exits 2 for %j', async (args, message) => {
    const res = await run(args);

    expect(res.code).toBe(2);
    expect(res.stderr).toContain(message);
    expect(res.stderr).not.toMatch(/\n\s+at /);
  });
});
