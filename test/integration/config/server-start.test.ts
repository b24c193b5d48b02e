import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
// Starting tsx takes a few seconds, more on a loaded CI machine; a server that started never exits.
const GIVE_UP_MS = 30_000;

/** Runs src/main.ts as `npm start` would, with only `env` (plus PATH) in its environment. */
function runServer(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string; timedOut: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    // A server that started would run forever: stop it and report that instead of hanging the suite.
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, GIVE_UP_MS);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, timedOut });
    });
  });
}

describe('starting the real server', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'zhifu-start-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('in production without SESSION_SECRET exits non-zero naming SESSION_SECRET, before opening the database or listening', async () => {
    const dbFile = path.join(dir, 'zhifu.db');

    const run = await runServer({
      NODE_ENV: 'production',
      // Empty wins over any SESSION_SECRET in a developer's .env, since real variables win over .env.
      SESSION_SECRET: '',
      DATABASE_URL: `sqlite:${dbFile}`,
      ALLOW_SQLITE_IN_PRODUCTION: 'true',
      HOST: '127.0.0.1',
      PORT: '0',
    });

    const output = `exit ${run.code}\nstdout:\n${run.stdout}\nstderr:\n${run.stderr}`;
    expect(run.timedOut, output).toBe(false);
    expect(run.code, output).not.toBe(0);
    expect(run.stderr, output).toContain('知付 cannot start.');
    expect(run.stderr, output).toMatch(/SESSION_SECRET: required in production/);
    expect(run.stdout).not.toContain('listening');
    expect(existsSync(dbFile)).toBe(false);
  }, GIVE_UP_MS + 15_000);
});
