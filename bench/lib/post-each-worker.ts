/**
 * The worker side of `postEach` (post-each.ts): autocannon in this thread, every request a different
 * entry of `requests`, each sent exactly once. Not a benchmark: run only through `postEach`.
 */
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import autocannon from 'autocannon';
import type { PostEachJob, PostEachResult } from './post-each.js';

const job = workerData as PostEachJob;
let built = 0;

// Off the main thread autocannon hands back its raw result (encoded histograms), as it does to its
// own workers; `aggregateResult` (public, but missing from @types/autocannon) turns it into the usual one.
const { aggregateResult } = autocannon as unknown as { aggregateResult(results: unknown[], opts: object): autocannon.Result };

const started = performance.now();
const raw: unknown = await autocannon({
  url: job.url,
  connections: job.connections,
  amount: job.requests.length,
  timeout: job.timeoutSeconds,
  requests: [
    {
      method: 'POST',
      path: job.path,
      setupRequest: (req) => {
        // autocannon may build a request it never sends once the amount is reached: wrap around then.
        const next = job.requests[built % job.requests.length]!;
        built += 1;
        return { ...req, method: 'POST', path: job.path, headers: next.headers, body: next.body };
      },
    },
  ],
});
const elapsedMs = performance.now() - started;
const r = aggregateResult([raw], { url: job.url, connections: job.connections });

const statusCodes: Record<string, number> = {};
for (const [code, stat] of Object.entries(r.statusCodeStats ?? {})) statusCodes[code] = stat.count ?? 0;
const result: PostEachResult = {
  completed: r.requests.total,
  elapsedMs,
  p50Ms: r.latency.p50,
  p99Ms: r.latency.p99,
  meanMs: r.latency.average,
  non2xx: r.non2xx,
  errors: r.errors,
  timeouts: r.timeouts,
  statusCodes,
  built,
};
parentPort!.postMessage(result);
