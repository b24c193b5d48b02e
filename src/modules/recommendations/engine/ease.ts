import { Worker } from 'node:worker_threads';
import type { Dataset } from './dataset.js';
import { topK, type NeighbourList } from './neighbours.js';

/**
 * Inverts a symmetric positive definite n×n matrix in place (Gauss–Jordan; no pivoting is needed
 * for SPD). Self-contained on purpose: its source text is what the worker thread runs, so the
 * worker needs no TypeScript loader under tsx, vitest or the compiled build alike.
 */
function invertInPlace(a: Float64Array, n: number): void {
  for (let k = 0; k < n; k++) {
    const rk = k * n;
    const pivot = a[rk + k]!;
    a[rk + k] = 1;
    for (let j = 0; j < n; j++) a[rk + j]! /= pivot;
    for (let i = 0; i < n; i++) {
      if (i === k) continue;
      const ri = i * n;
      const f = a[ri + k]!;
      if (f === 0) continue;
      a[ri + k] = 0;
      for (let j = 0; j < n; j++) a[ri + j]! -= f * a[rk + j]!;
    }
  }
}

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
${invertInPlace.toString()}
const a = new Float64Array(workerData.buffer);
${invertInPlace.name}(a, workerData.n);
parentPort.postMessage('done');
`;

/** Runs the O(n³) solve off the main thread, so a server building in-process keeps answering. */
function invertInWorker(buffer: SharedArrayBuffer, n: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { buffer, n } });
    worker.once('message', () => resolve());
    worker.once('error', reject);
    worker.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`EASE worker exited with ${code}`))));
  });
}

/**
 * EASE^R (Steck 2019): B = I − P·diag(1/diag P) with P = (XᵀX + λI)⁻¹ and a zero diagonal, the
 * closed-form best linear item-to-item model. Returns B's k largest weights per course; a
 * learner's score for course j is Σ_i x_ui·B_ij over the courses i they have.
 */
export async function easeNeighbours(d: Dataset, opts: { lambda: number; k: number }): Promise<NeighbourList[]> {
  const n = d.items.length;
  const buffer = new SharedArrayBuffer(n * n * 8);
  const g = new Float64Array(buffer);
  for (let u = 0; u < d.users.length; u++) {
    const start = d.rowPtr[u]!;
    const end = d.rowPtr[u + 1]!;
    for (let p = start; p < end; p++) {
      const ri = d.rowItem[p]! * n;
      const wi = d.rowWeight[p]!;
      for (let q = start; q < end; q++) g[ri + d.rowItem[q]!]! += wi * d.rowWeight[q]!;
    }
  }
  for (let i = 0; i < n; i++) g[i * n + i]! += opts.lambda;
  await invertInWorker(buffer, n);
  const all = new Int32Array(n);
  for (let j = 0; j < n; j++) all[j] = j;
  const lists: NeighbourList[] = [];
  for (let i = 0; i < n; i++) {
    const row = i * n;
    lists.push(topK(all, n, (j) => (j === i ? 0 : -g[row + j]! / g[j * n + j]!), () => 0, opts.k));
  }
  return lists;
}
