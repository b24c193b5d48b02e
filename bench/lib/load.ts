/**
 * Load-testing helpers around autocannon. The load generator runs in a worker thread, so on a small
 * machine it competes less with the server under test for the main event loop.
 */
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { Express } from 'express';
import autocannon from 'autocannon';

export interface LoadResult {
  label: string;
  /** Completed requests over the run's duration. */
  reqPerSec: number;
  p50Ms: number;
  p99Ms: number;
  meanMs: number;
  completed: number;
  seconds: number;
  /** Problems that make the run invalid: non-2xx answers, bodies unlike the reference page, socket errors. */
  non2xx: number;
  mismatches: number;
  errors: number;
  timeouts: number;
  statusCodes: Record<string, number>;
  /**
   * CPU time of the main thread (where the server runs) per completed request, on Linux; null
   * elsewhere. Time spent waiting for the CPU is not in it, so on a busy machine it swings less than req/s.
   */
  cpuUsPerReq: number | null;
}

/** utime + stime of the main thread in ms, from /proc (clock ticks are 1/100 s on Linux). */
export function mainThreadCpuMs(): number | null {
  try {
    const fields = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return null;
  }
}

export function isValid(r: LoadResult): boolean {
  return r.completed > 0 && r.non2xx === 0 && r.mismatches === 0 && r.errors === 0 && r.timeouts === 0;
}

export function problems(r: LoadResult): string {
  const parts = [
    r.completed === 0 ? 'no completed requests' : '',
    r.non2xx > 0 ? `${r.non2xx} non-2xx (${Object.entries(r.statusCodes).map(([s, n]) => `${s}×${n}`).join(', ')})` : '',
    r.mismatches > 0 ? `${r.mismatches} wrong bodies` : '',
    r.errors > 0 ? `${r.errors} errors` : '',
    r.timeouts > 0 ? `${r.timeouts} timeouts` : '',
  ];
  return parts.filter(Boolean).join(', ');
}

/** Listens on a free loopback port; `close()` also drops the keep-alive sockets autocannon leaves. */
export async function listen(app: Express): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}

/**
 * GETs `url` with `connections` keep-alive connections for `seconds`. Every answer must be a 2xx whose
 * body equals `expectBody` exactly, otherwise it is counted as a problem.
 */
export async function load(opts: {
  label: string;
  url: string;
  expectBody: string;
  connections: number;
  seconds?: number;
  amount?: number;
}): Promise<LoadResult> {
  const cpuBefore = mainThreadCpuMs();
  const r = await autocannon({
    url: opts.url,
    method: 'GET',
    connections: opts.connections,
    ...(opts.amount !== undefined ? { amount: opts.amount } : { duration: opts.seconds ?? 10 }),
    expectBody: opts.expectBody,
    workers: 1,
    timeout: 10,
  });
  const cpuAfter = mainThreadCpuMs();
  return { ...measureOf(opts.label, r), cpuUsPerReq: cpuBefore !== null && cpuAfter !== null && r.requests.total > 0 ? ((cpuAfter - cpuBefore) * 1000) / r.requests.total : null };
}

/**
 * What one autocannon run measured. The rate is the total over the duration: a result aggregated
 * off the main thread (page-load-worker.ts) carries no per-second samples to average.
 */
export function measureOf(label: string, r: autocannon.Result): Omit<LoadResult, 'cpuUsPerReq'> {
  const statusCodes: Record<string, number> = {};
  for (const [code, stat] of Object.entries(r.statusCodeStats ?? {})) statusCodes[code] = stat.count ?? 0;
  return {
    label,
    reqPerSec: r.requests.total / r.duration,
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    meanMs: r.latency.average,
    completed: r.requests.total,
    seconds: r.duration,
    non2xx: r.non2xx,
    mismatches: r.mismatches,
    errors: r.errors,
    timeouts: r.timeouts,
    statusCodes,
  };
}

export function describe(r: LoadResult): string {
  return (
    `${r.label}: ${r.reqPerSec.toFixed(0)} req/s, latency mean ${r.meanMs.toFixed(2)} ms p50 ${r.p50Ms} ms p99 ${r.p99Ms} ms, ` +
    `${r.completed} requests in ${r.seconds.toFixed(1)} s` +
    (r.cpuUsPerReq !== null ? `, server thread ${r.cpuUsPerReq.toFixed(0)} µs CPU/request` : '') +
    (isValid(r) ? '' : ` — INVALID: ${problems(r)}`)
  );
}
