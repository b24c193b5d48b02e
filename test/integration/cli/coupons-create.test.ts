import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDatabaseUrl, type DatabaseConfig } from '../../../src/config/config.js';
import { migrateLatest, openDatabase, toDateOrNull } from '../../../src/platform/db/index.js';
import { createCourse } from '../../support/factories.js';
import { createTestDatabase } from '../../support/test-db.js';

// `npm run coupons:create` as scripts run it: a real process against a fresh database (SQLite, or
// MariaDB/MySQL when TEST_DATABASE_URL=mysql://… is set), its stdout read as `ID=$(…)` would.
const ROOT = path.resolve(import.meta.dirname, '../../..');
let testDb: Awaited<ReturnType<typeof createTestDatabase>>;
let db: Knex;
let courses: { id: number; slug: string }[];

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = openDatabase(parseDatabaseUrl(testDb.url, 2, ROOT) as DatabaseConfig);
  await migrateLatest(db);
  courses = await Promise.all(['cli-coupon-a', 'cli-coupon-b', 'cli-coupon-draft'].map((slug) => createCourse(db, { slug, status: slug.endsWith('draft') ? 'draft' : 'published' })));
});
afterAll(async () => {
  await db?.destroy();
  await testDb?.drop();
});

async function run(args: string[], env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/cli/coupons-create.ts', ...args], {
      cwd: ROOT,
      // LOG_LEVEL=debug: the service logs the creation, and stdout must still hold only the id.
      env: { PATH: process.env.PATH, DATABASE_URL: testDb.url, LOG_LEVEL: 'debug', SEED_DEMO_DATA: 'never', ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const couponByCode = (code: string) => db('coupons').where({ code }).first();
const couponCount = async () => Number(((await db('coupons').count({ n: '*' }).first()) as { n: number | string }).n);
const linkedCourses = async (couponId: number) => (await db('coupon_courses').where({ coupon_id: couponId }).orderBy('course_id').pluck('course_id')).map(Number);
const iso = (v: unknown) => toDateOrNull(v)?.toISOString() ?? null;

describe('npm run coupons:create', () => {
  it('prints only the new id on stdout and stores 立减 ¥20, 100 copies, one each, until the end of 2026-12-31 Beijing time', async () => {
    const res = await run(['--code', 'spring', '--amount-off', '20', '--quantity', '100', '--per-learner', '1', '--until', '2026-12-31']);

    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/^\d+\n$/);
    const row = await couponByCode('SPRING');
    expect(Number(res.stdout)).toBe(Number(row.id));
    expect(row).toMatchObject({ name: '优惠码 SPRING', kind: 'amount', scope: 'all', status: 'active', created_by: null });
    expect([row.amount_off_fen, row.threshold_fen, row.percent_off].map((v) => (v === null ? null : Number(v)))).toEqual([2000, null, null]);
    expect([Number(row.quantity), Number(row.per_learner), Number(row.issued_count)]).toEqual([100, 1, 0]);
    expect(iso(row.valid_until)).toBe('2026-12-31T16:00:00.000Z');
    expect(row.valid_from).toBeNull();
    expect(await linkedCourses(Number(row.id))).toEqual([]);
    expect(res.stderr).toContain(`已创建优惠券 #${row.id}「优惠码 SPRING」`);
    expect(res.stderr).toContain('立减 ¥20');
    expect(await db('admin_audit').where({ action: 'coupon.create', entity_id: Number(row.id) }).first()).toMatchObject({ actor_user_id: 0, entity_type: 'coupon' });
  });

  it('links the courses named by slug, repeated or comma-separated, each once, drafts included', async () => {
    const [a, b, draft] = courses as [{ id: number; slug: string }, { id: number; slug: string }, { id: number; slug: string }];

    const res = await run(['--code', 'PICKED', '--amount-off', '5.5', '--quantity', '10', '--course', `${a.slug},${draft.slug}`, '--course', b.slug, '--course', a.slug]);

    expect(res.code).toBe(0);
    const row = await couponByCode('PICKED');
    expect(Number(res.stdout)).toBe(Number(row.id));
    expect(row.scope).toBe('courses');
    expect(Number(row.amount_off_fen)).toBe(550);
    expect(await linkedCourses(Number(row.id))).toEqual([a.id, b.id, draft.id].sort((x, y) => x - y));
  });

  it('makes 满减 with --threshold and a name of its own', async () => {
    const res = await run(['--code', 'MAN199', '--threshold', '199', '--amount-off', '50', '--quantity', '20', '--per-learner', '3', '--name', '满199减50']);

    expect(res.code).toBe(0);
    const m = await couponByCode('MAN199');
    expect(m).toMatchObject({ name: '满199减50', kind: 'threshold', scope: 'all', percent_off: null });
    expect([Number(m.threshold_fen), Number(m.amount_off_fen), Number(m.per_learner)]).toEqual([19900, 5000, 3]);
  });

  it('makes 8.5 折 with --rate, for memberships only, from the start of one Beijing day to the end of another', async () => {
    const res = await run(['--code', 'VIP85', '--rate', '8.5', '--quantity', '5', '--memberships', '--from', '2026-06-01', '--until', '2026-06-30']);

    expect(res.code).toBe(0);
    const v = await couponByCode('VIP85');
    expect(v).toMatchObject({ kind: 'percent', scope: 'memberships', amount_off_fen: null, threshold_fen: null });
    expect(Number(v.percent_off)).toBe(15);
    expect([iso(v.valid_from), iso(v.valid_until)]).toEqual(['2026-05-31T16:00:00.000Z', '2026-06-30T16:00:00.000Z']);
  });

  it('makes a free coupon with --rate 0', async () => {
    const res = await run(['--code', 'GIFT', '--rate', '0', '--quantity', '1']);

    expect(res.code).toBe(0);
    expect(Number((await couponByCode('GIFT')).percent_off)).toBe(100);
  });

  it('refuses a code already taken, in any case, with exit code 2 and no second coupon', async () => {
    const before = await couponCount();

    const res = await run(['--code', 'Spring', '--amount-off', '1', '--quantity', '1']);

    expect(res.code).toBe(2);
    expect(res.stdout).toBe('');
    expect(res.stderr).toContain('--code：优惠码 SPRING 已被使用，请换一个');
    expect(await couponCount()).toBe(before);
  });

  it.each([
    // Everything the form refuses is said at once, one line per flag.
    [['--code', 'x!', '--amount-off', '20元', '--until', '2026-02-30'], ['--code：优惠码只能是 3–32 位字母、数字、- 或 _', '--amount-off：减免金额请填写金额，如 20 或 19.90', '--quantity：发放总量请填写整数', '--until：结束日期请填写日期，如 2026-12-31']],
    [['--code', 'BACKWARDS', '--threshold', '100', '--amount-off', '100', '--quantity', '1', '--from', '2026-03-02', '--until', '2026-03-01'], ['--amount-off：减免金额须小于门槛金额', '--until：结束日期不能早于开始日期']],
    [['--code', 'BADRATE', '--rate', '10', '--quantity', '1', '--per-learner', '0'], ['--rate：折扣请填写 0–9.9 之间的数', '--per-learner：每人限领须在 1 到 100 之间']],
    [['--code', 'NOOFF', '--quantity', '1'], ['--amount-off：减免金额请填写金额']],
    [['--rate', '8', '--amount-off', '1', '--quantity', '1', '--course', 'cli-coupon-a', '--memberships'], ['--rate 不能与 --amount-off / --threshold 同用', '--course 与 --memberships 只能选一个', '--name：没有 --code 的优惠券只能通过领取链接领取']],
    [['--code', 'NOSUCH', '--amount-off', '1', '--quantity', '1', '--course', 'cli-coupon-a,no-such-course', '--course', 'nor-this'], ['--course：没有链接名为 “no-such-course”、“nor-this” 的课程']],
    [['--code', 'TYPO', '--amount-off', '1', '--quantity', '1', '--per-lerner', '2'], ['不认识的选项 --per-lerner']],
    [['--code', 'NOVALUE', '--amount-off', '1', '--quantity'], ['--quantity 后面要跟一个值']],
  ])('exits 2 for %j, saying what is wrong by flag, and creates nothing', async (args, messages) => {
    const before = await couponCount();

    const res = await run(args);

    expect(res.code).toBe(2);
    expect(res.stdout).toBe('');
    for (const m of messages) expect(res.stderr).toContain(m);
    expect(await couponCount()).toBe(before);
  });

  it('shows its usage, flags and exit codes with --help', async () => {
    const res = await run(['--help']);

    expect(res.code).toBe(0);
    for (const flag of ['--code', '--amount-off', '--threshold', '--rate', '--quantity', '--per-learner', '--course', '--memberships', '--from', '--until', '--name']) expect(res.stdout).toContain(flag);
    expect(res.stdout).toContain('ID=$(npm run -s coupons:create');
  });
});
