import { EMPTY_LIST } from './engine/neighbours.js';
import type { ItemInfo, Model, NeighbourList } from './engine/index.js';
import type { CourseRow, StoredNeighbour } from './model-repository.js';

/**
 * The served model rebuilt from its rows, for an incremental run: the same arrays training made,
 * minus the histories (the run reads the few learners it ranks).
 */
export function modelFromRows(items: readonly ItemInfo[], rows: readonly CourseRow[], algorithm: 'ease' | 'knn'): Model {
  const ids = items.map((i) => i.id);
  const itemIndex = new Map(ids.map((id, i) => [id, i]));
  const n = ids.length;
  const byCourse = new Map(rows.map((r) => [String(r.courseId), r]));
  const list = (stored: StoredNeighbour[] | undefined): NeighbourList => {
    if (!stored) return EMPTY_LIST;
    const known = stored.filter(([id]) => itemIndex.has(String(id)));
    return {
      ids: Int32Array.from(known, ([id]) => itemIndex.get(String(id))!),
      scores: Float32Array.from(known, ([, s]) => s),
      co: Int32Array.from(known, ([, , c]) => c),
    };
  };
  const row = (i: number) => byCourse.get(ids[i]!);
  const each = <T>(f: (r: CourseRow | undefined) => T) => Array.from({ length: n }, (_, i) => f(row(i)));
  return {
    algorithm,
    items: ids,
    itemIndex,
    category: items.map((i) => i.category ?? null),
    tags: items.map((i) => i.tags.map((t) => t.toLowerCase())),
    recommendable: Uint8Array.from(items, (i) => (i.recommendable === false ? 0 : 1)),
    learners: Int32Array.from(each((r) => r?.learners ?? 0)),
    weekLearners: Int32Array.from(each((r) => r?.weekLearners ?? 0)),
    popularity: Float64Array.from(each((r) => r?.popularity ?? 0)),
    cf: each((r) => list(r?.cf)),
    also: each((r) => list(r?.alsoStudied)),
    next: each((r) => list(r?.nextSteps)),
    content: each((r) => list(r?.content)),
    histories: new Map(),
  };
}
