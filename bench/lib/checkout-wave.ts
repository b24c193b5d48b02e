/**
 * A wave of checkouts: POST /orders once per signed-in learner, as the course page's 购买 form sends
 * it (its session cookie and CSRF token, course_id, an optional coupon_code), `concurrency` in
 * flight over keep-alive connections. The client runs in a worker thread of its own, so it does not
 * share the event loop of the server it measures (checkout-wave-worker.ts).
 */
import { Worker } from 'node:worker_threads';

export interface CheckoutRequest {
  cookie: string;
  body: string;
}

export interface CheckoutWaveJob {
  url: string;
  concurrency: number;
  requests: CheckoutRequest[];
}

export interface CheckoutAnswer {
  status: number;
  /** Where a 303 sends the learner (/orders/<out_trade_no> when an order was made). */
  location: string | null;
  /** A 422 re-render showing 优惠券已领完 beside the code typed. */
  soldOut: boolean;
  /** The start of the body of any other answer, to say what went wrong. */
  other: string | null;
  ms: number;
}

export interface CheckoutWaveResult {
  answers: CheckoutAnswer[];
  elapsedMs: number;
}

const WORKER = new URL('./checkout-wave-worker.ts', import.meta.url).href;

export async function checkoutWave(job: CheckoutWaveJob): Promise<CheckoutWaveResult> {
  // A worker thread does not inherit tsx's loader: register it there before importing the TypeScript.
  const boot = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((m) => { m.register(); return import(${JSON.stringify(WORKER)}); });`;
  const worker = new Worker(boot, { eval: true, workerData: job });
  return new Promise<CheckoutWaveResult>((resolve, reject) => {
    worker.once('message', (m: CheckoutWaveResult) => resolve(m));
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`checkout worker exited with code ${code} before reporting`)));
  });
}

export function checkoutForm(o: { csrf: string; courseId: number; couponCode?: string }): string {
  const form = new URLSearchParams({ _csrf: o.csrf, course_id: String(o.courseId) });
  if (o.couponCode !== undefined) form.set('coupon_code', o.couponCode);
  return form.toString();
}

const pct = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(sorted.length * q) - 1))] ?? Number.NaN;

export function latency(r: CheckoutWaveResult): { p50: number; p99: number; max: number } {
  const sorted = r.answers.map((a) => a.ms).sort((a, b) => a - b);
  return { p50: pct(sorted, 0.5), p99: pct(sorted, 0.99), max: sorted[sorted.length - 1] ?? Number.NaN };
}

/** "303×100, 422×400" */
export function statusCounts(r: CheckoutWaveResult): string {
  const counts = new Map<number, number>();
  for (const a of r.answers) counts.set(a.status, (counts.get(a.status) ?? 0) + 1);
  return [...counts].sort((a, b) => a[0] - b[0]).map(([s, n]) => `${s}×${n}`).join(', ');
}
