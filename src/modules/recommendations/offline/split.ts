import type { Interaction } from '../engine/types.js';

/** mulberry32: a tiny seeded PRNG, good enough for shuffles and sampling, identical on every machine. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** FNV-1a: turns a learner id into a number to mix into the seed. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export interface Split {
  train: Interaction[];
  /** Held-out courses per learner; only learners with at least one. */
  test: Map<string, Set<string>>;
}

/**
 * Holds out a fifth of each learner's courses (rounded, at least one when they have two or more; a
 * learner with one course stays wholly in train, where they still shape the model). Each learner's
 * shuffle is seeded by the seed and their id and runs over their courses sorted by id, so the split
 * does not depend on the order of the file or on the other learners.
 */
export function splitPerUser(interactions: readonly Interaction[], opts: { seed: number; testShare?: number }): Split {
  const share = opts.testShare ?? 0.2;
  const byUser = new Map<string, Interaction[]>();
  for (const x of interactions) {
    const list = byUser.get(x.user);
    if (list) list.push(x);
    else byUser.set(x.user, [x]);
  }
  const train: Interaction[] = [];
  const test = new Map<string, Set<string>>();
  for (const [user, list] of byUser) {
    if (list.length < 2) {
      train.push(...list);
      continue;
    }
    const shuffled = [...list].sort((a, b) => (a.item < b.item ? -1 : a.item > b.item ? 1 : 0));
    const rand = mulberry32(opts.seed ^ hashString(user));
    for (let i = shuffled.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
    }
    const held = Math.min(list.length - 1, Math.max(1, Math.round(list.length * share)));
    test.set(user, new Set(shuffled.slice(0, held).map((x) => x.item)));
    train.push(...shuffled.slice(held));
  }
  return { train, test };
}
