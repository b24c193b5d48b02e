import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../bench/lib/ports.js';
import { TEST_SANDBOX_DIR } from '../../support/listening-app.js';
import { createTestDatabase } from '../../support/test-db.js';

// `npm run start:cluster` as an operator runs it: a primary and its workers, real processes on a
// real port, stopped with signals.
const ROOT = path.resolve(import.meta.dirname, '../../..');
const WORKERS = 2;

interface Running {
  child: ChildProcess;
  /** Every JSON log line so far, from the primary and every worker (they share its stdout). */
  logs: Record<string, unknown>[];
  stderr: () => string;
  exited: Promise<number | null>;
}

function startCluster(env: Record<string, string>): Running {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cluster.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'test', LOG_LEVEL: 'info', SEED_DEMO_DATA: 'never', SANDBOX_DIR: TEST_SANDBOX_DIR, HOST: '127.0.0.1', WEB_CONCURRENCY: String(WORKERS), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Record<string, unknown>[] = [];
  let partial = '';
  child.stdout!.on('data', (d: Buffer) => {
    const lines = (partial + d.toString()).split('\n');
    partial = lines.pop()!;
    for (const l of lines) if (l.startsWith('{')) logs.push(JSON.parse(l) as Record<string, unknown>);
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, logs, stderr: () => stderr, exited };
}

async function until<T>(what: string, ms: number, probe: () => T | undefined | false): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
const listeningPids = (r: Running) => r.logs.filter((l) => l.event === 'server.listening').map((l) => Number(l.pid));

describe('npm run start:cluster', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let cluster: Running | undefined;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    if (cluster && cluster.child.exitCode === null) cluster.child.kill('SIGKILL');
    await db.drop();
  });

  it('serves from WEB_CONCURRENCY workers, replaces one that dies, and on SIGTERM drains them all and exits 0', async () => {
    const port = await freePort();
    cluster = startCluster({ DATABASE_URL: db.url, PORT: String(port) });
    const first = await until('two listening workers', 60_000, () => listeningPids(cluster!).length >= WORKERS && listeningPids(cluster!));

    expect(new Set(first).size).toBe(WORKERS);
    for (let i = 0; i < 6; i++) expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);

    process.kill(first[0]!, 'SIGKILL');
    const replaced = await until('a replacement worker', 60_000, () => listeningPids(cluster!).length > WORKERS && listeningPids(cluster!));
    expect(cluster.logs.find((l) => l.event === 'cluster.worker_died')).toMatchObject({ pid: first[0], signal: 'SIGKILL' });
    expect(first).not.toContain(replaced[WORKERS]);
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);

    cluster.child.kill('SIGTERM');
    const code = await cluster.exited;

    expect(code, cluster.stderr()).toBe(0);
    const workers = [first[1]!, replaced[WORKERS]!];
    expect(workers.filter(alive)).toEqual([]);
    // Each worker drained as `npm start` does, rather than being killed.
    expect(cluster.logs.filter((l) => l.event === 'server.stopped').map((l) => Number(l.pid)).sort()).toEqual([...workers].sort());
  }, 150_000);

  it('stops restarting workers that keep crashing, and exits non-zero saying so', async () => {
    // Nothing listens on port 1: every worker fails while migrating.
    const crashing = startCluster({ DATABASE_URL: 'mysql://root@127.0.0.1:1/zhifu', PORT: String(await freePort()) });

    const code = await crashing.exited;

    expect(code).not.toBe(0);
    expect(crashing.stderr()).toMatch(/知付 cluster is stopping: workers exited 5 times within 60 s/);
    expect(crashing.logs.filter((l) => l.event === 'cluster.worker_died').length).toBeGreaterThanOrEqual(3);
  }, 90_000);
});
