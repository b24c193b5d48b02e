import { breathe, BREATHE_EVERY } from './breathe.js';
import { topK, type NeighbourList } from './neighbours.js';
import { tokenizer } from './tokenizer.js';
import type { ItemInfo } from './types.js';

/** How much each field says about what a course is about. */
const FIELD_WEIGHTS = { tag: 3, category: 2, title: 2, summary: 1, description: 0.5, difficulty: 0.5 };

type Vector = Map<string, number>;

function termsOf(item: ItemInfo): Vector {
  const tf: Vector = new Map();
  const add = (term: string, w: number) => tf.set(term, (tf.get(term) ?? 0) + w);
  const tokenize = tokenizer();
  for (const tag of item.tags) add(`#${tag.toLowerCase()}`, FIELD_WEIGHTS.tag);
  if (item.category) add(`@${item.category}`, FIELD_WEIGHTS.category);
  if (item.difficulty) add(`^${item.category ?? ''}:${item.difficulty}`, FIELD_WEIGHTS.difficulty);
  for (const w of tokenize(item.title)) add(w, FIELD_WEIGHTS.title);
  for (const w of tokenize(item.summary ?? '')) add(w, FIELD_WEIGHTS.summary);
  // Long descriptions would drown the title: only the opening counts.
  for (const w of tokenize((item.description ?? '').slice(0, 2000))) add(w, FIELD_WEIGHTS.description);
  return tf;
}

/**
 * TF-IDF over tags, category, difficulty and the segmented title, summary and description, with
 * cosine similarity through an inverted index. A term in more than a fifth of the catalogue has an
 * idf near zero and would make the pass quadratic, so it is left out of the index.
 */
export async function contentNeighbours(items: readonly ItemInfo[], opts: { k: number }): Promise<NeighbourList[]> {
  const n = items.length;
  const tfs: Vector[] = [];
  for (const item of items) {
    tfs.push(termsOf(item));
    if (tfs.length % BREATHE_EVERY === 0) await breathe();
  }
  const df = new Map<string, number>();
  for (const tf of tfs) for (const t of tf.keys()) df.set(t, (df.get(t) ?? 0) + 1);
  const maxDf = Math.max(20, Math.floor(n / 5));
  const postings = new Map<string, { i: number; w: number }[]>();
  tfs.forEach((tf, i) => {
    let norm = 0;
    const weighted: [string, number][] = [];
    for (const [t, f] of tf) {
      const w = (1 + Math.log(f)) * Math.log((1 + n) / (1 + df.get(t)!));
      if (w <= 0) continue;
      weighted.push([t, w]);
      norm += w * w;
    }
    norm = Math.sqrt(norm);
    for (const [t, w] of weighted) {
      if (df.get(t)! > maxDf) continue;
      const list = postings.get(t) ?? [];
      list.push({ i, w: w / norm });
      postings.set(t, list);
    }
  });
  const byItem: { t: string; w: number }[][] = items.map(() => []);
  for (const [t, list] of postings) for (const p of list) byItem[p.i]!.push({ t, w: p.w });
  const dot = new Float64Array(n);
  const touched = new Int32Array(n);
  const seen = new Uint8Array(n);
  const lists: NeighbourList[] = [];
  for (let i = 0; i < n; i++) {
    let count = 0;
    for (const { t, w } of byItem[i]!) {
      for (const p of postings.get(t)!) {
        if (p.i === i) continue;
        if (!seen[p.i]) {
          seen[p.i] = 1;
          touched[count++] = p.i;
        }
        dot[p.i]! += w * p.w;
      }
    }
    lists.push(topK(touched, count, (j) => dot[j]!, () => 0, opts.k));
    if (i % BREATHE_EVERY === 0) await breathe();
    for (let t = 0; t < count; t++) {
      dot[touched[t]!] = 0;
      seen[touched[t]!] = 0;
    }
  }
  return lists;
}
