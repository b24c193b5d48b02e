import type { Dataset } from './dataset.js';
import { breathe, BREATHE_EVERY } from './breathe.js';
import { topK, type NeighbourList } from './neighbours.js';

export interface CoOccurrence {
  /** Item-kNN: cosine with shrinkage over the weights. Symmetric before the top-k cut. */
  knn: NeighbourList[];
  /** Courses learners took after this one: count(i then j) / (learners of i + shrink). */
  next: NeighbourList[];
}

/**
 * One pass over the matrix, course by course: for course i, every learner of i and every other
 * course of theirs. Memory is a few arrays of catalogue size, whatever the catalogue, and the work
 * is Σ (courses per learner)², which stays small because learners take tens of courses, not
 * thousands. `extraCo` receives each row's co-counts, so a dense model's neighbours learn how many
 * learners really share each pair (a reason may only claim what happened).
 */
export async function coOccurrence(
  d: Dataset,
  opts: { shrink: number; k: number; onRow?: (i: number, co: Int32Array) => void; onProgress?: (done: number, total: number) => void },
): Promise<CoOccurrence> {
  const n = d.items.length;
  const dot = new Float64Array(n);
  const co = new Int32Array(n);
  const after = new Int32Array(n);
  const touched = new Int32Array(n);
  const knn: NeighbourList[] = new Array<NeighbourList>(n);
  const next: NeighbourList[] = new Array<NeighbourList>(n);
  for (let i = 0; i < n; i++) {
    let count = 0;
    for (let c = d.colPtr[i]!; c < d.colPtr[i + 1]!; c++) {
      const u = d.colUser[c]!;
      const pi = d.colPos[c]!;
      const wi = d.rowWeight[pi]!;
      const ti = d.rowTime[pi]!;
      for (let p = d.rowPtr[u]!; p < d.rowPtr[u + 1]!; p++) {
        const j = d.rowItem[p]!;
        if (j === i) continue;
        if (co[j] === 0) touched[count++] = j;
        co[j]! += 1;
        dot[j]! += wi * d.rowWeight[p]!;
        if (d.rowTime[p]! > ti) after[j]! += 1;
      }
    }
    const norm = d.itemNorm[i]!;
    const learners = d.colPtr[i + 1]! - d.colPtr[i]!;
    const coOf = (j: number) => co[j]!;
    knn[i] = topK(touched, count, (j) => dot[j]! / (norm * d.itemNorm[j]! + opts.shrink), coOf, opts.k);
    next[i] = topK(touched, count, (j) => after[j]! / (learners + opts.shrink), (j) => after[j]!, opts.k);
    opts.onRow?.(i, co);
    for (let t = 0; t < count; t++) {
      const j = touched[t]!;
      dot[j] = 0;
      co[j] = 0;
      after[j] = 0;
    }
    if (i % BREATHE_EVERY === 0) {
      opts.onProgress?.(i + 1, n);
      await breathe();
    }
  }
  return { knn, next };
}
