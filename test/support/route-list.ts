import type { Express } from 'express';

/** One route the app answers: its method and its path pattern as written (`/courses/:slug`). */
export interface AppRoute {
  method: string;
  path: string;
}

interface Layer {
  rawPath?: unknown;
  route?: { path: unknown; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
}

const join = (prefix: string, p: string) => (prefix + (p === '/' && prefix !== '' ? '' : p)).replace(/\/{2,}/g, '/') || '/';

function walk(stack: Layer[], prefix: string, out: AppRoute[]): void {
  for (const layer of stack) {
    if (layer.route) {
      const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
      for (const p of paths) {
        if (typeof p !== 'string') continue;
        for (const [method, on] of Object.entries(layer.route.methods)) if (on && method !== '_all') out.push({ method: method.toUpperCase(), path: join(prefix, p) });
      }
    } else if (layer.handle?.stack) {
      // A mounted router: its routes sit under the path it was mounted at.
      const mount = typeof layer.rawPath === 'string' ? layer.rawPath : '';
      walk(layer.handle.stack, join(prefix, mount === '/' ? '' : mount), out);
    }
  }
}

/**
 * Every route the app's router serves, read from Express itself, so a route added later is in the
 * list without anyone editing a test. Static file mounts are not routes and are not listed.
 */
export function appRoutes(app: Express): AppRoute[] {
  const out: AppRoute[] = [];
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack, '', out);
  const seen = new Set<string>();
  return out.filter((r) => {
    const key = `${r.method} ${r.path}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
