/** One course's nearest courses, best first. `co`: learners who have both (0 when unknown). */
export interface NeighbourList {
  ids: Int32Array;
  scores: Float32Array;
  co: Int32Array;
}

export const EMPTY_LIST: NeighbourList = { ids: new Int32Array(0), scores: new Float32Array(0), co: new Int32Array(0) };

/**
 * The k best of `touched` by `score` (only positive scores), as a list. Sorting only the touched
 * entries keeps one course's pass proportional to its co-occurrences, not to the catalogue.
 */
export function topK(touched: Int32Array, count: number, score: (j: number) => number, co: (j: number) => number, k: number): NeighbourList {
  const cand: { j: number; s: number }[] = [];
  for (let t = 0; t < count; t++) {
    const j = touched[t]!;
    const s = score(j);
    if (s > 0) cand.push({ j, s });
  }
  cand.sort((a, b) => b.s - a.s || a.j - b.j);
  const n = Math.min(k, cand.length);
  const list = { ids: new Int32Array(n), scores: new Float32Array(n), co: new Int32Array(n) };
  for (let t = 0; t < n; t++) {
    list.ids[t] = cand[t]!.j;
    list.scores[t] = cand[t]!.s;
    list.co[t] = co(cand[t]!.j);
  }
  return list;
}
