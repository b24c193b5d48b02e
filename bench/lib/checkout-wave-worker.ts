/**
 * The worker side of `checkoutWave` (checkout-wave.ts): fetch (undici, keep-alive) in this thread,
 * each request sent once, `concurrency` in flight. Not a benchmark: run only through `checkoutWave`.
 */
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import type { CheckoutAnswer, CheckoutWaveJob, CheckoutWaveResult } from './checkout-wave.js';

const job = workerData as CheckoutWaveJob;
const answers: CheckoutAnswer[] = new Array(job.requests.length);
let next = 0;

async function send(i: number): Promise<CheckoutAnswer> {
  const r = job.requests[i]!;
  const t0 = performance.now();
  try {
    const res = await fetch(`${job.url}/orders`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: r.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: r.body,
    });
    const text = await res.text();
    const ms = performance.now() - t0;
    const soldOut = res.status === 422 && text.includes('data-testid="coupon-error"') && text.includes('优惠券已领完');
    const expected = res.status === 303 || soldOut;
    return { status: res.status, location: res.headers.get('location'), soldOut, other: expected ? null : text.replace(/\s+/g, ' ').slice(0, 300), ms };
  } catch (err) {
    return { status: 0, location: null, soldOut: false, other: (err as Error).message, ms: performance.now() - t0 };
  }
}

const started = performance.now();
await Promise.all(
  Array.from({ length: Math.min(job.concurrency, job.requests.length) }, async () => {
    while (next < job.requests.length) {
      const i = next++;
      answers[i] = await send(i);
    }
  }),
);
const result: CheckoutWaveResult = { answers, elapsedMs: performance.now() - started };
parentPort!.postMessage(result);
