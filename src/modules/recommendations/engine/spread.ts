/**
 * How widely a set of top-k lists spreads over the catalogue, beside how accurate it is: the
 * share of the catalogue that appears in some list (coverage), the share of all slots the most
 * popular courses take (concentration), and how often each course appears (for a Gini index).
 * The offline evaluation and every build report the same figures.
 */
export function spread(lists: Iterable<readonly string[]>, opts: { k: number; catalogue: readonly string[]; popular: ReadonlySet<string> }) {
  const counts = new Map<string, number>(opts.catalogue.map((id) => [id, 0]));
  let slots = 0;
  let popularSlots = 0;
  for (const list of lists) {
    for (const item of list.slice(0, opts.k)) {
      counts.set(item, (counts.get(item) ?? 0) + 1);
      slots++;
      if (opts.popular.has(item)) popularSlots++;
    }
  }
  const recommended = [...counts.values()].filter((c) => c > 0).length;
  return {
    coverage: opts.catalogue.length ? recommended / opts.catalogue.length : 0,
    popularShare: slots ? popularSlots / slots : 0,
    counts: [...counts.values()],
  };
}
