/**
 * The worker side of `pageLoad` (page-load.ts): autocannon in this thread, so the body check can be
 * a closure. Not a benchmark: run only through `pageLoad`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import autocannon from 'autocannon';
import { measureOf } from './load.js';
import { normaliser, type PageLoadJob, type PageLoadMeasure } from './page-load.js';

const job = workerData as PageLoadJob;
const normalise = normaliser(job.normalise);

// Off the main thread autocannon hands back its raw result (encoded histograms), as it does to its
// own workers; `aggregateResult` (public, but missing from @types/autocannon) turns it into the usual one.
const { aggregateResult } = autocannon as unknown as { aggregateResult(results: unknown[], opts: object): autocannon.Result };

const raw: unknown = await autocannon({
  url: job.url,
  method: 'GET',
  headers: job.headers,
  connections: job.connections,
  ...(job.amount !== undefined ? { amount: job.amount } : { duration: job.seconds ?? 10 }),
  verifyBody: (body) => normalise(String(body ?? '')) === job.expectBody,
  timeout: 10,
});
parentPort!.postMessage(measureOf(job.label, aggregateResult([raw], { url: job.url, connections: job.connections })) satisfies PageLoadMeasure);
