import type { Knex } from 'knex';
import { createSitemapRepository } from './sitemap-repository.js';

export interface SitemapEntry {
  path: string;
  lastmod: Date | null;
}

/** The pages a search engine may list: the course list, published courses and their free previews. */
export function createSitemapService(deps: { db: Knex }) {
  const repo = createSitemapRepository();
  return {
    async entries(): Promise<SitemapEntry[]> {
      const courses = await repo.published(deps.db);
      const newest = courses.reduce<Date | null>((a, c) => (a === null || c.lastChange > a ? c.lastChange : a), null);
      return [
        { path: '/', lastmod: newest },
        ...courses.flatMap((c) => {
          const base = `/courses/${encodeURIComponent(c.slug)}`;
          return [{ path: base, lastmod: c.lastChange }, ...c.previews.map((l) => ({ path: `${base}/lessons/${l.id}`, lastmod: l.updatedAt }))];
        }),
      ];
    },
  };
}

export type SitemapService = ReturnType<typeof createSitemapService>;
