import type { Interaction, ItemInfo, SignalWeights } from './types.js';
import { decay, meanStarsByUser, signalWeight } from './weights.js';

/**
 * The learner × course weight matrix in compressed rows (per learner) and columns (per course), as
 * typed arrays: two million signals take tens of megabytes, not a gigabyte of objects.
 */
export interface Dataset {
  items: string[];
  itemIndex: Map<string, number>;
  users: string[];
  userIndex: Map<string, number>;
  /** Row u spans rowPtr[u]..rowPtr[u+1] of rowItem/rowWeight/rowTime/rowCompleted. */
  rowPtr: Int32Array;
  rowItem: Int32Array;
  /** Undecayed: which courses go together does not age (offline, decaying it cost 10–17% precision). */
  rowWeight: Float32Array;
  /** 0.5^(age / half-life): what a learner did lately says most about what they want next. */
  rowRecency: Float32Array;
  /** Milliseconds; the order in which a learner took courses ("next" neighbours). */
  rowTime: Float64Array;
  rowCompleted: Uint8Array;
  /** Column i spans colPtr[i]..colPtr[i+1] of colUser/colPos (colPos: the entry's place in the rows). */
  colPtr: Int32Array;
  colUser: Int32Array;
  colPos: Int32Array;
  /** ‖column i‖₂ of the weights. */
  itemNorm: Float64Array;
}

export function buildDataset(interactions: readonly Interaction[], items: readonly ItemInfo[], weights: SignalWeights, now: Date): Dataset {
  const itemIds = items.map((i) => i.id);
  const itemIndex = new Map(itemIds.map((id, i) => [id, i]));
  const means = meanStarsByUser(interactions);
  const userIndex = new Map<string, number>();
  const users: string[] = [];
  const kept: { u: number; i: number; w: number; r: number; t: number; c: boolean }[] = [];
  for (const x of interactions) {
    const i = itemIndex.get(x.item);
    if (i === undefined) continue;
    const w = signalWeight(x, weights, means.get(x.user));
    if (w <= 0) continue;
    let u = userIndex.get(x.user);
    if (u === undefined) {
      u = users.length;
      users.push(x.user);
      userIndex.set(x.user, u);
    }
    kept.push({ u, i, w, r: decay(x.at, now, weights.halfLifeDays), t: x.at?.getTime() ?? now.getTime(), c: (x.completion ?? 0) >= 1 });
  }
  kept.sort((a, b) => a.u - b.u || a.i - b.i);
  // A pair given twice (two CSV rows) counts once, with the stronger signal.
  const dedup: typeof kept = [];
  for (const k of kept) {
    const last = dedup[dedup.length - 1];
    if (last && last.u === k.u && last.i === k.i) {
      if (k.w > last.w) dedup[dedup.length - 1] = k;
    } else dedup.push(k);
  }
  const nnz = dedup.length;
  const rowPtr = new Int32Array(users.length + 1);
  const rowItem = new Int32Array(nnz);
  const rowWeight = new Float32Array(nnz);
  const rowRecency = new Float32Array(nnz);
  const rowTime = new Float64Array(nnz);
  const rowCompleted = new Uint8Array(nnz);
  const colCount = new Int32Array(itemIds.length);
  dedup.forEach((k, p) => {
    rowPtr[k.u + 1] = p + 1;
    rowItem[p] = k.i;
    rowWeight[p] = k.w;
    rowRecency[p] = k.r;
    rowTime[p] = k.t;
    rowCompleted[p] = k.c ? 1 : 0;
    colCount[k.i]! += 1;
  });
  for (let u = 1; u <= users.length; u++) rowPtr[u] = Math.max(rowPtr[u]!, rowPtr[u - 1]!);
  const colPtr = new Int32Array(itemIds.length + 1);
  for (let i = 0; i < itemIds.length; i++) colPtr[i + 1] = colPtr[i]! + colCount[i]!;
  const fill = colPtr.slice(0, itemIds.length);
  const colUser = new Int32Array(nnz);
  const colPos = new Int32Array(nnz);
  const itemNorm = new Float64Array(itemIds.length);
  for (let u = 0; u < users.length; u++) {
    for (let p = rowPtr[u]!; p < rowPtr[u + 1]!; p++) {
      const i = rowItem[p]!;
      colUser[fill[i]!] = u;
      colPos[fill[i]!] = p;
      fill[i]! += 1;
      itemNorm[i]! += rowWeight[p]! * rowWeight[p]!;
    }
  }
  for (let i = 0; i < itemIds.length; i++) itemNorm[i] = Math.sqrt(itemNorm[i]!);
  return { items: itemIds, itemIndex, users, userIndex, rowPtr, rowItem, rowWeight, rowRecency, rowTime, rowCompleted, colPtr, colUser, colPos, itemNorm };
}

export function learnersOf(d: Dataset, item: number): number {
  return d.colPtr[item + 1]! - d.colPtr[item]!;
}
