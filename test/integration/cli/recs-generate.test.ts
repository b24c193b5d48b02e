import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readOfflineData } from '../../../src/modules/recommendations/offline/index.js';

// `npm run recs:generate` as people run it: a real process writing real files.
const ROOT = path.resolve(import.meta.dirname, '../../..');
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'zhifu-recs-generate-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(args: string[]) {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/cli/recs-generate.ts', ...args], { cwd: ROOT, env: { PATH: process.env.PATH } });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}
const read = (sub: string, name: string) => readFileSync(path.join(dir, sub, name), 'utf8');

describe('npm run recs:generate', () => {
  it('writes ratings.csv and items.csv that the offline tools read back', async () => {
    const res = await run(['--learners', '200', '--courses', '30', '--seed', '7', '--out-dir', path.join(dir, 'a')]);

    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/purchases by 200 learners\) and .*items\.csv \(30 courses\)/);
    expect(read('a', 'ratings.csv').split('\n')[0]).toBe('user_id,item_id,rating,timestamp');
    expect(read('a', 'items.csv').split('\n')[0]).toBe('item_id,title,tags,category,difficulty,summary');
    const data = await readOfflineData(path.join(dir, 'a', 'ratings.csv'), path.join(dir, 'a', 'items.csv'));
    expect(data.items).toHaveLength(30);
    expect(new Set(data.interactions.map((x) => x.user)).size).toBe(200);
    expect(data.items.every((i) => i.tags.length > 0 && i.category)).toBe(true);
  });

  it('writes the same bytes for the same seed, and different ones for another seed, in a folder it creates', async () => {
    await run(['--learners', '200', '--courses', '30', '--seed', '7', '--out-dir', path.join(dir, 'b', 'nested')]);
    await run(['--learners', '200', '--courses', '30', '--seed', '8', '--out-dir', path.join(dir, 'c')]);

    expect(read('b/nested', 'ratings.csv')).toBe(read('a', 'ratings.csv'));
    expect(read('b/nested', 'items.csv')).toBe(read('a', 'items.csv'));
    expect(read('c', 'ratings.csv')).not.toBe(read('a', 'ratings.csv'));
  });

  it.each([
    [['--learners', '10'], '--out-dir is required'],
    [['--out-dir', 'x', '--learners', '0'], '--learners must be a whole number from 1 to 10000000, got "0"'],
    [['--out-dir', 'x', '--seed=-1'], '--seed must be a whole number from 0 to 4294967295, got "-1"'],
    [['--out-dir', 'x', '--users', '5'], "Unknown option '--users'"],
  ])('exits 2 for %j', async (args, message) => {
    const res = await run(args);

    expect(res.code).toBe(2);
    expect(res.stderr).toContain(message);
  });
});
