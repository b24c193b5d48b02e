import { describe, expect, it } from 'vitest';
import { capCategories, createRanker, DEFAULT_ENGINE_CONFIG, recommender, tokenizer, trainModel } from '../../../src/modules/recommendations/engine/index.js';
import type { EngineConfig, Interaction, ItemInfo, Model } from '../../../src/modules/recommendations/engine/index.js';

const now = new Date('2026-12-01T00:00:00Z');
const daysAgo = (n: number) => new Date(now.getTime() - n * 86_400_000);
const item = (id: string, category: string, tags: string[], title = `${tags.join(' ')} 课程 ${id}`): ItemInfo => ({ id, title, tags, category });
const bought = (user: string, itemId: string, extra: Partial<Interaction> = {}): Interaction => ({ user, item: itemId, at: daysAgo(30), purchased: true, ...extra });

/**
 * Go learners take go1 then go2; many also take k8s. Python learners take py1 and py2. "solo" has
 * one learner only, who also took go1.
 */
function catalogue(): { items: ItemInfo[]; interactions: Interaction[] } {
  const items = [
    item('go1', 'backend', ['go', '并发']),
    item('go2', 'backend', ['go', '微服务']),
    item('k8s', 'devops', ['kubernetes', '云原生']),
    item('py1', 'ai', ['python', '机器学习']),
    item('py2', 'ai', ['python', '深度学习']),
    item('solo', 'design', ['figma']),
    item('newgo', 'backend', ['go', '性能优化'], 'Go 性能优化实战'),
  ];
  const interactions: Interaction[] = [];
  for (let u = 0; u < 20; u++) {
    interactions.push(bought(`g${u}`, 'go1', { completion: 1 }), bought(`g${u}`, 'go2', { at: daysAgo(10) }));
    if (u % 2 === 0) interactions.push(bought(`g${u}`, 'k8s', { at: daysAgo(3) }));
  }
  for (let u = 0; u < 12; u++) interactions.push(bought(`p${u}`, 'py1'), bought(`p${u}`, 'py2'));
  interactions.push(bought('loner', 'go1'), bought('loner', 'solo'));
  interactions.push(bought('fresh', 'go1', { completion: 1 }));
  return { items, interactions };
}

async function model(cfg: Partial<EngineConfig> = {}): Promise<{ m: Model; cfg: EngineConfig }> {
  const full = { ...DEFAULT_ENGINE_CONFIG, ...cfg };
  const { items, interactions } = catalogue();
  return { m: await trainModel({ interactions, items, now }, full), cfg: full };
}

function neighbourScore(list: { ids: Int32Array; scores: Float32Array }, j: number): number {
  const t = [...list.ids].indexOf(j);
  return t < 0 ? 0 : list.scores[t]!;
}

describe('similarities', () => {
  it('item-kNN is symmetric, and shrinkage lowers a pair seen by few learners more than one seen by many', async () => {
    const { m } = await model({ model: 'knn' });
    const ix = (id: string) => m.itemIndex.get(id)!;
    expect(neighbourScore(m.also[ix('go1')]!, ix('go2'))).toBeCloseTo(neighbourScore(m.also[ix('go2')]!, ix('go1')), 5);
    expect(neighbourScore(m.also[ix('py1')]!, ix('py2'))).toBeCloseTo(neighbourScore(m.also[ix('py2')]!, ix('py1')), 5);
    const { m: unshrunk } = await model({ model: 'knn', knnShrink: 0 });
    const ratio = (mm: Model, a: string, b: string) => neighbourScore(mm.also[ix(a)]!, ix(b));
    // go1–solo has one learner in common, go1–go2 twenty: shrinkage costs the first far more.
    const soloLoss = ratio(m, 'go1', 'solo') / ratio(unshrunk, 'go1', 'solo');
    const go2Loss = ratio(m, 'go1', 'go2') / ratio(unshrunk, 'go1', 'go2');
    expect(soloLoss).toBeLessThan(go2Loss);
    // The co-learner counts are real: 20 + the loner + fresh have go1; 20 of them took go2.
    expect(m.also[ix('go1')]!.co[[...m.also[ix('go1')]!.ids].indexOf(ix('go2'))]).toBe(20);
  });

  it('EASE^R learns that go1 leads to go2, never recommends a course to itself, and carries the co-counts', async () => {
    const { m } = await model({ model: 'ease', easeLambda: 5 });
    expect(m.algorithm).toBe('ease');
    const ix = (id: string) => m.itemIndex.get(id)!;
    const go1 = m.cf[ix('go1')]!;
    expect([...go1.ids]).not.toContain(ix('go1'));
    expect(go1.ids[0]).toBe(ix('go2'));
    expect(go1.co[0]).toBe(20);
  });

  it('falls back to item-kNN above the dense size limit', async () => {
    const { m } = await model({ model: 'auto', denseMaxItems: 3 });
    expect(m.algorithm).toBe('knn');
  });

  it('content similarity (TF-IDF over tags, category and segmented text) is symmetric and finds the other Go courses', async () => {
    const { m } = await model();
    const ix = (id: string) => m.itemIndex.get(id)!;
    const newgo = m.content[ix('newgo')]!;
    expect([...newgo.ids].slice(0, 2).map((j) => m.items[j]).sort()).toEqual(['go1', 'go2']);
    expect(neighbourScore(m.content[ix('go1')]!, ix('newgo'))).toBeCloseTo(neighbourScore(newgo, ix('go1')), 5);
  });

  it('segments Chinese course titles with the tech dictionary: 微服务 stays one word', () => {
    const words = tokenizer()('从零开始学习Go语言并发编程与微服务架构');
    expect(words).toContain('微服务');
    expect(words).not.toContain('服务');
    expect(words).toContain('go');
  });
});

describe('ranking', () => {
  it('recommends go2 to a learner who finished go1, because they finished it, and never what they own', async () => {
    const { m, cfg } = await model();
    const top = recommender(m, cfg)('fresh', { k: 5 });
    expect(top[0]).toMatchObject({ item: 'go2', reason: { kind: 'completed', item: 'go1' } });
    expect(top.map((r) => r.item)).not.toContain('go1');
  });

  it('cold start: a learner nobody knows gets the popular courses, with a reason that says whether they are this week’s', async () => {
    const { m, cfg } = await model();
    const top = recommender(m, cfg)('stranger', { k: 6 });
    expect(top).toHaveLength(6);
    // go1 has the most learners, but none this week; k8s was bought three days ago.
    expect(top.find((r) => r.item === 'go1')?.reason.kind).toBe('popular');
    expect(top.find((r) => r.item === 'k8s')?.reason.kind).toBe('trending');
  });

  it('cold start: a new course nobody has bought yet reaches Go learners through its content, with the tag as reason', async () => {
    const { m, cfg } = await model();
    // The loner has go1 (not finished): the Go tag they follow is what brings newgo.
    const top = recommender(m, cfg)('loner', { k: 6 });
    const newgo = top.find((r) => r.item === 'newgo');
    expect(newgo?.reason).toEqual({ kind: 'tag', tag: 'go' });
  });

  it('never recommends an unpublished course or one the caller excludes', async () => {
    const { items, interactions } = catalogue();
    const m = await trainModel({ interactions, items: items.map((i) => (i.id === 'go2' ? { ...i, recommendable: false } : i)), now }, DEFAULT_ENGINE_CONFIG);
    const rank = recommender(m);
    const top = rank('fresh', { k: 10, exclude: new Set(['k8s']) }).map((r) => r.item);
    expect(top).not.toContain('go2');
    expect(top).not.toContain('k8s');
    expect(top).not.toContain('go1');
  });

  it('puts pinned courses first, with the creator as the reason', async () => {
    const { m, cfg } = await model();
    const rank = createRanker(m, cfg);
    const top = rank(m.histories.get('fresh')!, { k: 3, pinned: [m.itemIndex.get('solo')!] });
    expect(top[0]).toMatchObject({ item: 'solo', reason: { kind: 'pinned' } });
  });

  it('every reason is true: the named course is the learner’s own, and without it the pick scores lower', async () => {
    const { m, cfg } = await model();
    const rank = createRanker(m, cfg);
    let checked = 0;
    for (const [user, history] of m.histories) {
      for (const r of rank(history, { k: 5 })) {
        if (r.reason.item === undefined) continue;
        const from = m.itemIndex.get(r.reason.item)!;
        expect(history.map((h) => h.item)).toContain(from);
        if (r.reason.kind === 'completed') expect(history.find((h) => h.item === from)!.completed).toBe(true);
        if (r.reason.kind === 'also') expect(m.also[from]!.co[[...m.also[from]!.ids].indexOf(m.itemIndex.get(r.item)!)]).toBeGreaterThan(0);
        // Contributed: of all the learner's courses, the named one gives this pick the most, in the
        // collaborative or the content part (recomputed here from the model's neighbour lists).
        const j = m.itemIndex.get(r.item)!;
        const best = (lists: Model['cf']) => {
          const parts = history.map((h) => ({ item: h.item, x: h.weight * neighbourScore(lists[h.item]!, j) })).sort((a, b) => b.x - a.x);
          return parts[0]!.x > 0 ? parts[0]!.item : -1;
        };
        expect([best(m.cf), best(m.content)], `${user}: ${r.item} because of ${r.reason.item}`).toContain(from);
        checked += 1;
      }
    }
    expect(checked).toBeGreaterThan(20);
  });
});

describe('category cap', () => {
  it('keeps at most 4 of one category in the top 10 and moves the rest down, after the window', () => {
    const ranked = 'AAAAAABCADEFGH'.split('').map((category, i) => ({ i, category }));
    const capped = capCategories(ranked, (r) => r.category, 4, 10);
    expect(capped.map((r) => r.i)).toEqual([0, 1, 2, 3, 6, 7, 9, 10, 11, 12, 4, 5, 8, 13]);
  });

  it('ends the list early rather than break the cap when other categories run out', () => {
    const ranked = 'AAAAAABC'.split('').map((category, i) => ({ i, category }));
    expect(capCategories(ranked, (r) => r.category, 4, 10).map((r) => r.i)).toEqual([0, 1, 2, 3, 6, 7]);
  });

  it('applies to the engine’s lists', async () => {
    const items: ItemInfo[] = [];
    const interactions: Interaction[] = [];
    for (let i = 0; i < 12; i++) items.push(item(`b${i}`, 'backend', ['go']));
    for (let i = 0; i < 4; i++) items.push(item(`x${i}`, `other${i}`, ['misc']));
    for (let u = 0; u < 30; u++) for (let i = 0; i < 12; i++) if ((u + i) % 3 === 0) interactions.push(bought(`u${u}`, `b${i}`));
    const m = await trainModel({ interactions, items, now }, DEFAULT_ENGINE_CONFIG);
    const top = recommender(m)('u0', { k: 10 });
    expect(top.filter((r) => r.item.startsWith('b')).length).toBeLessThanOrEqual(4);
  });
});
