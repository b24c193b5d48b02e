/**
 * The worker side of `postEach` (post-each.ts): autocannon in this thread, every request a different
 * entry of `requests`, each sent exactly once. Not a benchmark: run only through `postEach`.
 *
 * autocannon checks whether it is done only on its one-second sample tick, so the time until its
 * promise settles is whole seconds whatever the server did. The clock here is the answers' own: each
 * `response` event carries that request's round trip (hrtime, from the moment it was written), so the
 * run lasts from the earliest "answered at − round trip" to the last answer, and the percentiles come
 * from every round trip rather than autocannon's whole-millisecond histogram.
 */
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import autocannon from 'autocannon';
import type { PostEachJob, PostEachResult } from './post-each.js';

const job = workerData as PostEachJob;
let built = 0;
let firstSentAt = Infinity;
let lastAnsweredAt = -Infinity;
const roundTrips: number[] = [];

// Off the main thread autocannon hands back its raw result (encoded histograms), as it does to its
// own workers; `aggregateResult` (public, but missing from @types/autocannon) turns it into the usual one.
const { aggregateResult } = autocannon as unknown as { aggregateResult(results: unknown[], opts: object): autocannon.Result };

// Without a callback autocannon returns its event emitter, made thenable (@types/autocannon says Promise).
const instance = autocannon({
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
}) as unknown as autocannon.Instance & PromiseLike<unknown>;
instance.on('response', (_client: unknown, _status: number, _bytes: number, roundTripMs: number) => {
  const now = performance.now();
  firstSentAt = Math.min(firstSentAt, now - roundTripMs);
  lastAnsweredAt = Math.max(lastAnsweredAt, now);
  roundTrips.push(roundTripMs);
});
const raw: unknown = await instance;
const r = aggregateResult([raw], { url: job.url, connections: job.connections });

roundTrips.sort((a, b) => a - b);
const percentile = (p: number) => roundTrips[Math.min(roundTrips.length - 1, Math.ceil((p / 100) * roundTrips.length) - 1)] ?? 0;
const statusCodes: Record<string, number> = {};
for (const [code, stat] of Object.entries(r.statusCodeStats ?? {})) statusCodes[code] = stat.count ?? 0;
const result: PostEachResult = {
  completed: roundTrips.length,
  elapsedMs: roundTrips.length > 0 ? lastAnsweredAt - firstSentAt : 0,
  p50Ms: percentile(50),
  p99Ms: percentile(99),
  meanMs: roundTrips.length > 0 ? roundTrips.reduce((a, b) => a + b, 0) / roundTrips.length : 0,
  non2xx: r.non2xx,
  errors: r.errors,
  timeouts: r.timeouts,
  statusCodes,
  built,
};
parentPort!.postMessage(result);
