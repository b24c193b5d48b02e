import { Router } from 'express';
import type { Knex } from 'knex';

const TIMEOUT_MS = 2000;

/** For load balancers and orchestrators: 200 when the database answers, 503 when it does not. */
export function healthRoutes(deps: { db: Knex }): Router {
  const router = Router();
  router.get('/healthz', async (_req, res) => {
    const started = Date.now();
    try {
      await Promise.race([
        deps.db.raw('select 1'),
        new Promise((_, reject) => setTimeout(() => reject(new Error('database timeout')), TIMEOUT_MS).unref()),
      ]);
      res.set('Cache-Control', 'no-store').json({ status: 'ok', database: 'up', latencyMs: Date.now() - started });
    } catch {
      res.status(503).set('Cache-Control', 'no-store').json({ status: 'error', database: 'down' });
    }
  });
  return router;
}
