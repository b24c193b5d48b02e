import { Router } from 'express';
import type { SitemapService } from './sitemap-service.js';

/** Paths a crawler has no business in: personal pages and the creator's area. */
const DISALLOWED = ['/admin', '/me', '/orders', '/api'];
/** The same for everyone, so a shared cache may keep them for a while. */
const CACHE_FOR = 'public, max-age=3600';

const xmlEscape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');

/** /sitemap.xml with absolute URLs on the public address, and /robots.txt pointing to it. */
export function sitemapRoutes(deps: { sitemap: SitemapService; publicUrl: string }): Router {
  const router = Router();

  router.get('/sitemap.xml', async (_req, res) => {
    const urls = (await deps.sitemap.entries()).map(
      (e) => `<url><loc>${xmlEscape(deps.publicUrl + e.path)}</loc>${e.lastmod ? `<lastmod>${e.lastmod.toISOString()}</lastmod>` : ''}</url>`,
    );
    res.set('Cache-Control', CACHE_FOR).type('application/xml').send(`<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n${urls.join('\n')}\n</urlset>\n`);
  });

  router.get('/robots.txt', (_req, res) => {
    res.set('Cache-Control', CACHE_FOR).type('text/plain').send(`User-agent: *\n${DISALLOWED.map((p) => `Disallow: ${p}`).join('\n')}\n\nSitemap: ${deps.publicUrl}/sitemap.xml\n`);
  });

  return router;
}
