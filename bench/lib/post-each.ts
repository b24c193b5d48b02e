/**
 * POSTs a list of distinct requests (each once) with autocannon from a worker thread, so the load
 * generator has its own event loop instead of sharing the app's. autocannon's own `workers` option
 * needs every callback as a module path and would split the list per worker; a closure over the list
 * in one thread of our own keeps "each request a different body" simple.
 */
import { Worker } from 'node:worker_threads';

export interface PostEachJob {
  url: string;
  path: string;
  connections: number;
  timeoutSeconds: number;
  requests: { headers: Record<string, string>; body: string }[];
}

export interface PostEachResult {
  completed: number;
  /** From the first request written to the last answer read (not autocannon's whole-second duration). */
  elapsedMs: number;
  /** Round trips, exact (not autocannon's whole-millisecond histogram). */
  p50Ms: number;
  p99Ms: number;
  meanMs: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodes: Record<string, number>;
  /** How many requests autocannon asked for (at least `completed`). */
  built: number;
}

const WORKER = new URL('./post-each-worker.ts', import.meta.url).href;

export async function postEach(job: PostEachJob): Promise<PostEachResult> {
  // A worker thread does not inherit tsx's loader: register it there before importing the TypeScript.
  const boot = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((m) => { m.register(); return import(${JSON.stringify(WORKER)}); });`;
  const worker = new Worker(boot, { eval: true, workerData: job });
  return new Promise<PostEachResult>((resolve, reject) => {
    worker.once('message', (m: PostEachResult) => resolve(m));
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`load worker exited with code ${code} before reporting`)));
  });
}

export function problemsOf(r: PostEachResult, expected: number): string[] {
  return [
    r.completed !== expected ? `${r.completed} of ${expected} completed` : '',
    r.non2xx > 0 ? `${r.non2xx} non-2xx (${Object.entries(r.statusCodes).map(([s, n]) => `${s}×${n}`).join(', ')})` : '',
    r.errors > 0 ? `${r.errors} errors` : '',
    r.timeouts > 0 ? `${r.timeouts} timeouts` : '',
  ].filter(Boolean);
}
