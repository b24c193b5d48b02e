import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import knex, { type Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPasswordHasher } from '../../../src/modules/accounts/index.js';

// `npm run admin:create` as people run it: a real process against an embedded database.
const ROOT = path.resolve(import.meta.dirname, '../../..');
let dir: string;
let db: Knex;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'zhifu-admin-create-'));
});
afterAll(async () => {
  await db?.destroy();
  rmSync(dir, { recursive: true, force: true });
});

async function run(args: string[], env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/cli/admin-create.ts', ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, DATABASE_URL: `sqlite:${path.join(dir, 'zhifu.db')}`, LOG_LEVEL: 'warn', SEED_DEMO_DATA: 'never', ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const hashOf = async (username: string) => ((await db('users').where({ username }).first()) as { password_hash: string; role: string }) ?? null;
const verify = (hash: string, password: string) => createPasswordHasher({ memoryCost: 19456, timeCost: 2, parallelism: 1 }).verify(hash, password);

describe('npm run admin:create', () => {
  it('says --username is required when it is missing', async () => {
    const res = await run([], { ADMIN_PASSWORD: 'a long enough password' });

    expect(res.code).toBe(2);
    expect(res.stderr).toContain('--username is required');
  });

  it('creates a new admin with the password from ADMIN_PASSWORD', async () => {
    const res = await run(['--username', 'boss'], { ADMIN_PASSWORD: 'first password here' });
    db = knex({ client: 'better-sqlite3', connection: { filename: path.join(dir, 'zhifu.db') }, useNullAsDefault: true });

    expect(res.code).toBe(0);
    expect(res.stdout).toContain('Created admin "boss"');
    expect((await hashOf('boss')).role).toBe('admin');
    expect((await verify((await hashOf('boss')).password_hash, 'first password here')).ok).toBe(true);
  });

  it('promotes an existing account without touching its password, even when ADMIN_PASSWORD is set', async () => {
    const before = (await hashOf('boss')).password_hash;

    const res = await run(['--username', 'BOSS'], { ADMIN_PASSWORD: 'an attacker password' });

    expect(res.code).toBe(0);
    expect(res.stdout).toContain('password unchanged');
    expect((await hashOf('boss')).password_hash).toBe(before);
  });

  it('resets the password only with --reset-password', async () => {
    const res = await run(['--username', 'boss', '--reset-password'], { ADMIN_PASSWORD: 'the new password 2' });

    expect(res.code).toBe(0);
    expect(res.stdout).toContain('password reset');
    expect((await verify((await hashOf('boss')).password_hash, 'the new password 2')).ok).toBe(true);
  });
});
