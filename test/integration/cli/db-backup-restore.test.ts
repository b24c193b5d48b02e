import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, truncateSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Knex } from 'knex';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseConfig } from '../../../src/config/config.js';
import { openDatabase } from '../../../src/platform/db/index.js';
import { createLesson, grantAccess } from '../../support/catalog-factories.js';
import { createCourse, createUser } from '../../support/factories.js';
import { startTestApp, type TestApp } from '../../support/test-app.js';

// The restore drill, as an operator would run it: back up the live database with `npm run db:backup`,
// keep working, stop, `npm run db:restore`, and start the app again on what came back. The same
// drill runs on SQLite (the online backup API) and, with TEST_DATABASE_URL, on MariaDB (mysqldump).
const ROOT = path.resolve(import.meta.dirname, '../../..');
let t: TestApp;
let dir: string;
let databaseUrl: string;

const urlOf = (db: DatabaseConfig) => (db.client === 'sqlite' ? `sqlite:${db.filename}` : db.url);

async function cli(script: 'db-backup' | 'db-restore', args: string[]) {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['--import', 'tsx', `src/cli/${script}.ts`, ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, DATABASE_URL: databaseUrl, LOG_LEVEL: 'warn' },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** Every table's row count: what a restore must bring back exactly. */
async function rowCounts(db: Knex, dialect: 'sqlite' | 'mysql'): Promise<Record<string, number>> {
  const names: string[] =
    dialect === 'sqlite'
      ? ((await db.raw("select name from sqlite_master where type = 'table' and name not like 'sqlite_%'")) as { name: string }[]).map((r) => r.name)
      : ((await db.raw('select table_name as name from information_schema.tables where table_schema = database()')) as [{ name: string }[]])[0].map((r) => r.name);
  const out: Record<string, number> = {};
  for (const name of names.sort()) out[name] = Number(((await db(name).count({ n: '*' }).first()) as { n: number }).n);
  return out;
}

beforeAll(async () => {
  t = await startTestApp();
  databaseUrl = urlOf(t.config.database);
  dir = mkdtempSync(path.join(os.tmpdir(), 'zhifu-backup-'));
});
afterAll(async () => {
  await t.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('npm run db:backup and db:restore: the restore drill', () => {
  let backup: string;
  let atBackup: Record<string, number>;
  let learner: Awaited<ReturnType<typeof createUser>>;
  let course: Awaited<ReturnType<typeof createCourse>>;
  const ext = () => (t.dialect === 'sqlite' ? 'db' : 'sql');

  it('backs up the live database while the app serves it, and prints only the path on stdout', async () => {
    learner = await createUser(t.db, { username: 'before_backup' });
    course = await createCourse(t.db, { title: '备份演练课程', priceFen: 9900 });
    await createLesson(t.db, course.id, { title: '第一课', bodyMd: '备份前写下的正文' });
    await grantAccess(t.db, learner.id, course.id, 'admin_grant');
    atBackup = await rowCounts(t.db, t.dialect);
    const out = path.join(dir, `drill.${ext()}`);

    const [res, page] = await Promise.all([cli('db-backup', ['--out', out]), request(t.app).get(`/courses/${course.slug}`)]);

    expect(res.stderr).toContain('已备份');
    expect(res.code).toBe(0);
    expect(res.stdout).toBe(`${out}\n`);
    expect(page.status).toBe(200);
    expect(statSync(out).size).toBeGreaterThan(0);
    backup = out;
  });

  it('refuses to overwrite a database that holds data without --yes, and changes nothing', async () => {
    await createUser(t.db, { username: 'after_backup' });

    const res = await cli('db-restore', ['--from', backup]);

    expect(res.code).toBe(2);
    expect(res.stderr).toContain('--yes');
    expect(await t.db('users').where({ username: 'after_backup' }).first()).toBeDefined();
  });

  it('refuses a backup cut short, before touching the database', async () => {
    const broken = path.join(dir, `broken.${ext()}`);
    await cli('db-backup', ['--out', broken]);
    truncateSync(broken, Math.floor(statSync(broken).size / 2));

    const res = await cli('db-restore', ['--from', broken, '--yes']);

    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/不是|损坏/);
    expect(await t.db('users').where({ username: 'after_backup' }).first()).toBeDefined();
  });

  it('says what is missing when --from is not given or names no file', async () => {
    expect((await cli('db-restore', [])).stderr).toContain('--from 是必填项');
    const res = await cli('db-restore', ['--from', path.join(dir, 'nowhere.db'), '--yes']);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('不存在');
  });

  it('restores exactly what the backup held, and the app serves it again', async () => {
    // The operator stops the app before restoring.
    await t.db.destroy();

    const res = await cli('db-restore', ['--from', backup, '--yes']);

    expect(res.stderr).toContain('已恢复');
    expect(res.code).toBe(0);
    const db = openDatabase(t.config.database);
    try {
      expect(await rowCounts(db, t.dialect)).toEqual(atBackup);
      expect(await db('users').where({ username: 'after_backup' }).first()).toBeUndefined();
      expect(await db('lessons').where({ course_id: course.id }).first()).toMatchObject({ body_md: '备份前写下的正文' });
    } finally {
      await db.destroy();
    }
    const again = await startTestApp({ DATABASE_URL: databaseUrl });
    try {
      const page = await request(again.app).get(`/courses/${course.slug}`);
      expect(page.status).toBe(200);
      expect(page.text).toContain('备份演练课程');
    } finally {
      await again.close();
    }
  });
});
