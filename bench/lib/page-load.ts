/**
 * GET load on one page with request headers (a session cookie) and bodies that differ per request in
 * known places (a one-time form key): autocannon in a worker thread of its own, every answer a 2xx
 * whose body, with `normalise` applied, equals `expectBody`. `load` in load.ts covers pages whose
 * bodies are byte-identical; this one the signed-in pages, whose forms carry per-request tokens.
 */
import { Worker } from 'node:worker_threads';
import { mainThreadCpuMs, type LoadResult } from './load.js';

/** A regular expression as data, so it can cross into the worker thread. */
export interface Replacement {
  pattern: string;
  flags: string;
  with: string;
}

export interface PageLoadJob {
  label: string;
  url: string;
  headers: Record<string, string>;
  connections: number;
  seconds?: number;
  amount?: number;
  expectBody: string;
  normalise: Replacement[];
}

/** What the worker measured; the main thread adds its own CPU time per request. */
export type PageLoadMeasure = Omit<LoadResult, 'cpuUsPerReq'>;

export function normaliser(rules: Replacement[]): (body: string) => string {
  const compiled = rules.map((r) => ({ re: new RegExp(r.pattern, r.flags), with: r.with }));
  return (body) => compiled.reduce((b, r) => b.replace(r.re, r.with), body);
}

const WORKER = new URL('./page-load-worker.ts', import.meta.url).href;

export async function pageLoad(job: PageLoadJob): Promise<LoadResult> {
  const cpuBefore = mainThreadCpuMs();
  // A worker thread does not inherit tsx's loader: register it there before importing the TypeScript.
  const boot = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((m) => { m.register(); return import(${JSON.stringify(WORKER)}); });`;
  const worker = new Worker(boot, { eval: true, workerData: job });
  const measured = await new Promise<PageLoadMeasure>((resolve, reject) => {
    worker.once('message', (m: PageLoadMeasure) => resolve(m));
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`load worker exited with code ${code} before reporting`)));
  });
  const cpuAfter = mainThreadCpuMs();
  return { ...measured, cpuUsPerReq: cpuBefore !== null && cpuAfter !== null && measured.completed > 0 ? ((cpuAfter - cpuBefore) * 1000) / measured.completed : null };
}
