/**
 * A private MariaDB server for one soak run: a fresh datadir under the run's temp folder, listening
 * on a loopback port of its own, so restarting it mid-run disturbs nobody else's server. root over
 * TCP with an empty password (installed with `--auth-root-authentication-method=normal`).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync } from 'node:fs';
import path from 'node:path';
import knex from 'knex';

const SERVER_BINARIES = ['/usr/sbin/mariadbd', '/usr/sbin/mysqld'];
const READY_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 30_000;

export interface PrivateMariaDb {
  port: number;
  /** mysql://root@127.0.0.1:<port>/<database> */
  urlFor(database: string): string;
  /** SIGTERM, wait for the server to exit (a clean InnoDB shutdown). */
  stop(): Promise<void>;
  /** Starts it again on the same port and datadir; resolves once it answers `select 1`. */
  start(): Promise<void>;
  /** Stops it (if running) and leaves the datadir to the caller's temp folder removal. */
  close(): Promise<void>;
  version: string;
}

/** knex writes pool errors to the console (stdout): during an outage they are expected, and stdout carries only the summary. */
export const QUIET_KNEX_LOG = { warn() {}, error() {}, deprecate() {}, debug() {} };

async function answers(port: number): Promise<string | null> {
  const probe = knex({ client: 'mysql2', connection: { host: '127.0.0.1', port, user: 'root', password: '', connectTimeout: 1000 }, pool: { min: 0, max: 1 }, log: QUIET_KNEX_LOG });
  try {
    const [rows] = (await probe.raw('select version() as v')) as [Array<{ v: string }>];
    return String(rows[0]?.v ?? '');
  } catch {
    return null;
  } finally {
    await probe.destroy();
  }
}

export async function startPrivateMariaDb(dir: string, port: number): Promise<PrivateMariaDb> {
  const binary = SERVER_BINARIES.find((b) => spawnSync(b, ['--version']).status === 0);
  if (!binary) throw new Error(`no MariaDB server binary (${SERVER_BINARIES.join(', ')})`);
  const datadir = path.join(dir, 'data');
  mkdirSync(datadir, { recursive: true });
  const install = spawnSync('mariadb-install-db', ['--no-defaults', `--datadir=${datadir}`, '--auth-root-authentication-method=normal', '--skip-test-db'], { encoding: 'utf8' });
  if (install.status !== 0) throw new Error(`mariadb-install-db failed: ${(install.stderr || install.stdout).slice(-500)}`);
  const logFd = openSync(path.join(dir, 'mariadbd.log'), 'a');
  const args = [
    '--no-defaults',
    `--datadir=${datadir}`,
    `--port=${port}`,
    `--socket=${path.join(dir, 'mariadbd.sock')}`,
    `--pid-file=${path.join(dir, 'mariadbd.pid')}`,
    '--bind-address=127.0.0.1',
    '--skip-log-bin',
    '--innodb-buffer-pool-size=128M',
    '--max-connections=200',
    // Every deadlock, with both transactions, in mariadbd.log (SOAK_KEEP=1 keeps it).
    '--innodb-print-all-deadlocks=ON',
    ...(process.getuid?.() === 0 ? ['--user=root'] : []),
  ];
  let child: ChildProcess | null = null;
  let exited: Promise<void> = Promise.resolve();
  let version = '';

  async function start(): Promise<void> {
    const proc = spawn(binary!, args, { stdio: ['ignore', logFd, logFd] });
    child = proc;
    exited = new Promise((resolve) => proc.once('exit', () => resolve()));
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (proc.exitCode !== null) throw new Error(`mariadbd exited with ${proc.exitCode}; see ${path.join(dir, 'mariadbd.log')}`);
      const v = await answers(port);
      if (v !== null) {
        version = v;
        return;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`mariadbd did not answer on 127.0.0.1:${port} within ${READY_TIMEOUT_MS / 1000} s`);
  }

  async function stop(): Promise<void> {
    const proc = child;
    if (!proc || proc.exitCode !== null) return;
    proc.kill('SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
    child = null;
  }

  await start();
  return {
    port,
    urlFor: (database) => `mysql://root@127.0.0.1:${port}/${database}`,
    start,
    stop,
    close: stop,
    get version() {
      return version;
    },
  };
}
