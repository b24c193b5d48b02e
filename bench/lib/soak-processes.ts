/**
 * Real processes for the soak: the app (`src/main.ts`) and the standalone WeChat Pay sandbox, each
 * run by node with tsx's loader (`node --import tsx`, no tsx CLI in between), so a SIGKILL reaches
 * the process that holds the state, not a wrapper. They run in the soak's temp folder (no `.env` is
 * read) with exactly the environment given, and log to files there.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const TSX = import.meta.resolve('tsx');
const READY_TIMEOUT_MS = 60_000;

export interface Service {
  name: string;
  port: number;
  pid(): number | null;
  /** Starts it and resolves once `readyPath` answers as `ready` wants (200 by default). */
  start(): Promise<void>;
  /** SIGKILL, and wait for the exit. */
  kill(): Promise<void>;
  /** SIGTERM (a graceful drain), and wait for the exit; SIGKILL after `timeoutMs`. */
  stop(timeoutMs?: number): Promise<void>;
}

const BASE_ENV = ['PATH', 'HOME', 'TMPDIR', 'LANG', 'TZ'];

export function service(o: { name: string; entry: string; port: number; env: Record<string, string>; dir: string; readyPath: string; ready?: (status: number) => boolean }): Service {
  const ready = o.ready ?? ((status: number) => status === 200);
  let child: ChildProcess | null = null;
  let exited: Promise<void> = Promise.resolve();
  const log = path.join(o.dir, `${o.name}.log`);

  async function waitExit(proc: ChildProcess, timeoutMs: number) {
    const timer = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
    await exited;
    clearTimeout(timer);
  }

  return {
    name: o.name,
    port: o.port,
    pid: () => child?.pid ?? null,
    async start() {
      const fd = openSync(log, 'a');
      const env: Record<string, string> = {};
      for (const k of BASE_ENV) if (process.env[k] !== undefined) env[k] = process.env[k]!;
      const proc = spawn(process.execPath, ['--import', TSX, path.join(ROOT, o.entry)], { cwd: o.dir, env: { ...env, ...o.env }, stdio: ['ignore', fd, fd] });
      child = proc;
      exited = new Promise((resolve) => proc.once('exit', () => resolve()));
      const deadline = Date.now() + READY_TIMEOUT_MS;
      while (Date.now() < deadline) {
        if (proc.exitCode !== null) throw new Error(`${o.name} exited with ${proc.exitCode} while starting; see ${log}`);
        try {
          const res = await fetch(`http://127.0.0.1:${o.port}${o.readyPath}`, { signal: AbortSignal.timeout(2000) });
          await res.arrayBuffer();
          if (ready(res.status)) return;
        } catch {
          // not listening yet
        }
        await new Promise((r) => setTimeout(r, 200));
      }
      throw new Error(`${o.name} was not ready within ${READY_TIMEOUT_MS / 1000} s; see ${log}`);
    },
    async kill() {
      const proc = child;
      if (!proc || proc.exitCode !== null) return;
      proc.kill('SIGKILL');
      await exited;
    },
    async stop(timeoutMs = 15_000) {
      const proc = child;
      if (!proc || proc.exitCode !== null) return;
      proc.kill('SIGTERM');
      await waitExit(proc, timeoutMs);
    },
  };
}
