import { popularOrder, trendingSet, type HistoryEntry, type Model } from './model.js';
import type { NeighbourList } from './neighbours.js';
import type { EngineConfig, Reason, Recommendation } from './types.js';


export interface RankOptions {
  k: number;
  /** Course numbers never to return (owned, excluded by the creator). */
  exclude?: ReadonlySet<number>;
  /** Course numbers the creator pinned: first, while not owned or excluded. */
  pinned?: readonly number[];
}

export type Ranker = (history: readonly HistoryEntry[], opts: RankOptions) => Recommendation[];

/**
 * The hybrid: for course j and a learner with history H,
 *   g      = n/(n + blendLearnerHalf) · s_j/(s_j + blendItemHalf)     (n = |H|, s_j = j's learners)
 *   score  = g·CF(j) + (1 − g)·(c·content(j) + (1 − c)·popularity(j))      (c = contentShare)
 * where CF and content are Σ_{i∈H} w_i·sim(i, j), each scaled to 0..1 over the candidates. A new
 * learner or a new course leans on content and popularity; as both gather data CF takes over.
 * Every part remembers which of the learner's courses gave it most, so the reason shown is the
 * part that really contributed most.
 *
 * The ranker keeps scratch arrays of catalogue size and reuses them, so ranking a hundred thousand
 * learners allocates almost nothing; one ranker serves one thread.
 */
export function createRanker(m: Model, cfg: EngineConfig): Ranker {
  const n = m.items.length;
  const cf = new Float64Array(n);
  const cfBest = new Float64Array(n);
  const cfFrom = new Int32Array(n);
  const ct = new Float64Array(n);
  const ctBest = new Float64Array(n);
  const ctFrom = new Int32Array(n);
  const isCand = new Uint8Array(n);
  const score = new Float64Array(n);
  const owned = new Uint8Array(n);
  const cands: number[] = [];
  const popular = popularOrder(m);
  const trending = trendingSet(m);

  return (history, opts) => {
    const exclude = opts.exclude ?? new Set<number>();
    for (const h of history) owned[h.item] = 1;
    const blocked = (j: number) => owned[j] === 1 || exclude.has(j) || m.recommendable[j] === 0;
    const touch = (j: number) => {
      if (isCand[j]) return;
      isCand[j] = 1;
      cf[j] = cfBest[j] = ct[j] = ctBest[j] = 0;
      cfFrom[j] = ctFrom[j] = -1;
      cands.push(j);
    };
    /** Adds h's neighbours in `list` to one part of the score, remembering which course gave most. */
    const accumulate = (h: HistoryEntry, list: NeighbourList, sum: Float64Array, top: Float64Array, from: Int32Array) => {
      for (let t = 0; t < list.ids.length; t++) {
        const j = list.ids[t]!;
        if (blocked(j)) continue;
        touch(j);
        const x = h.weight * list.scores[t]!;
        sum[j]! += x;
        if (x > top[j]!) [top[j], from[j]] = [x, h.item];
      }
    };
    for (const h of history) {
      accumulate(h, m.cf[h.item]!, cf, cfBest, cfFrom);
      accumulate(h, m.content[h.item]!, ct, ctBest, ctFrom);
    }
    // Popular courses are always candidates, so a new learner (or a sparse one) still gets k, and
    // from enough categories that the cap can fill a top 10 (4 + 4 + 2 needs three).
    const categoriesNeeded = Math.ceil(10 / cfg.categoryCap);
    const covered = new Set<string | null>();
    let added = 0;
    for (const j of popular) {
      if (added >= opts.k * 2 && covered.size >= categoriesNeeded) break;
      if (blocked(j)) continue;
      touch(j);
      covered.add(m.category[j] ?? null);
      added += 1;
    }
    let maxCf = 0;
    let maxCt = 0;
    for (const j of cands) {
      maxCf = Math.max(maxCf, cf[j]!);
      maxCt = Math.max(maxCt, ct[j]!);
    }
    const alpha = history.length / (history.length + cfg.blendLearnerHalf);
    const partsOf = (j: number) => {
      const g = alpha * (m.learners[j]! / (m.learners[j]! + cfg.blendItemHalf));
      return {
        cf: maxCf > 0 ? (g * cf[j]!) / maxCf : 0,
        ct: maxCt > 0 ? ((1 - g) * cfg.contentShare * ct[j]!) / maxCt : 0,
        pop: (1 - g) * (1 - cfg.contentShare) * m.popularity[j]!,
      };
    };
    for (const j of cands) {
      const p = partsOf(j);
      score[j] = p.cf + p.ct + p.pop;
    }
    // Only the best few need sorting, usually enough beyond k for the category cap to fill a top 10;
    // when they are nearly all of one category, all candidates are sorted (popular ones of other
    // categories are always among them).
    const rankOf = (limit: number) => {
      const scored = best(cands, score, limit).map((j) => ({ j, score: score[j]!, ...partsOf(j) }));
      const pinned = (opts.pinned ?? []).filter((j) => !blocked(j));
      const ranked = [...pinned.map((j) => ({ j, score: Number.POSITIVE_INFINITY, cf: 0, ct: 0, pop: 0, pinned: true })), ...scored.filter((s) => !pinned.includes(s.j))];
      return capCategories(ranked, (r) => m.category[r.j] ?? null, cfg.categoryCap, 10).slice(0, opts.k);
    };
    const few = Math.max(opts.k * 3, 60);
    let top = rankOf(few);
    if (top.length < Math.min(opts.k, 10) && cands.length > few) top = rankOf(cands.length);
    const tagWeight = top.some((r) => r.ct > 0) ? learnerTags(m, history) : new Map<string, number>();
    const out = top.map((r) => ({
      item: m.items[r.j]!,
      score: r.score,
      reason: 'pinned' in r ? { kind: 'pinned' as const } : reasonFor(m, r.j, r, { cfFrom: cfFrom[r.j]!, ctFrom: ctFrom[r.j]! }, history, tagWeight, trending),
    }));
    for (const j of cands) isCand[j] = 0;
    cands.length = 0;
    for (const h of history) owned[h.item] = 0;
    return out;
  };
}

/** The `limit` best of `ids` by `score` (ties: lower index first), best first, through a bounded min-heap. */
function best(ids: readonly number[], score: Float64Array, limit: number): number[] {
  const worse = (a: number, b: number) => score[a]! < score[b]! || (score[a] === score[b] && a > b);
  const heap: number[] = [];
  const down = (i: number) => {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let w = i;
      if (l < heap.length && worse(heap[l]!, heap[w]!)) w = l;
      if (r < heap.length && worse(heap[r]!, heap[w]!)) w = r;
      if (w === i) return;
      [heap[i], heap[w]] = [heap[w]!, heap[i]!];
      i = w;
    }
  };
  for (const j of ids) {
    if (heap.length < limit) {
      heap.push(j);
      for (let i = heap.length - 1; i > 0; ) {
        const parent = (i - 1) >> 1;
        if (!worse(heap[i]!, heap[parent]!)) break;
        [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
        i = parent;
      }
    } else if (worse(heap[0]!, j)) {
      heap[0] = j;
      down(0);
    }
  }
  return heap.sort((a, b) => score[b]! - score[a]! || a - b);
}

function learnerTags(m: Model, history: readonly HistoryEntry[]): Map<string, number> {
  const tags = new Map<string, number>();
  for (const h of history) for (const t of m.tags[h.item]!) tags.set(t, (tags.get(t) ?? 0) + h.weight);
  return tags;
}

function reasonFor(
  m: Model,
  j: number,
  parts: { cf: number; ct: number; pop: number },
  from: { cfFrom: number; ctFrom: number },
  history: readonly HistoryEntry[],
  tagWeight: Map<string, number>,
  trending: ReadonlySet<number>,
): Reason {
  const completed = (i: number) => history.some((h) => h.item === i && h.completed);
  if (parts.cf >= parts.ct && parts.cf >= parts.pop && from.cfFrom >= 0) {
    if (completed(from.cfFrom)) return { kind: 'completed', item: m.items[from.cfFrom] };
    return coLearners(m, from.cfFrom, j) > 0 ? { kind: 'also', item: m.items[from.cfFrom] } : { kind: 'studied', item: m.items[from.cfFrom] };
  }
  if (parts.ct >= parts.pop && from.ctFrom >= 0) {
    if (completed(from.ctFrom)) return { kind: 'completed', item: m.items[from.ctFrom] };
    const shared = m.tags[j]!.filter((t) => tagWeight.has(t)).sort((a, b) => tagWeight.get(b)! - tagWeight.get(a)! || (a < b ? -1 : 1));
    if (shared.length > 0) return { kind: 'tag', tag: shared[0] };
    return { kind: 'studied', item: m.items[from.ctFrom] };
  }
  if (trending.has(j)) return { kind: 'trending' };
  return m.learners[j]! > 0 ? { kind: 'popular' } : { kind: 'new' };
}

/** Learners who have both courses, as far as the model counted them. */
function coLearners(m: Model, from: number, to: number): number {
  for (const list of [m.cf[from]!, m.also[from]!]) {
    for (let t = 0; t < list.ids.length; t++) if (list.ids[t]! === to && list.co[t]! > 0) return list.co[t]!;
  }
  return 0;
}

/**
 * At most `cap` of one category among the first `window`: a course that would be the fifth of its
 * category moves down to just after the window, in its order, so the top 10 stays varied. When the
 * other categories cannot fill the window, the list is shorter instead. Courses without a category
 * are never capped.
 */
export function capCategories<T>(ranked: readonly T[], categoryOf: (x: T) => string | null, cap: number, window: number): T[] {
  const top: T[] = [];
  const deferred: T[] = [];
  const counts = new Map<string, number>();
  let i = 0;
  for (; i < ranked.length && top.length < window; i++) {
    const x = ranked[i]!;
    const cat = categoryOf(x);
    const n = cat === null ? 0 : (counts.get(cat) ?? 0);
    if (cat !== null && n >= cap) {
      deferred.push(x);
      continue;
    }
    if (cat !== null) counts.set(cat, n + 1);
    top.push(x);
  }
  // Too few other categories to fill the window: the list ends early rather than break the cap.
  if (top.length < window) return top;
  return [...top, ...deferred, ...ranked.slice(i)];
}
