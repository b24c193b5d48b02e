/**
 * The real app listening on a loopback port it knew before it was built: in sandbox mode the
 * notify_url and the WeChat Pay simulator's base URL contain the port, and checkout reaches the
 * simulator over HTTP, so `listen(0)` afterwards would point them at the wrong place.
 */
import { buildApp, type BuiltApp } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config/config.js';
import type { Clock } from '../../src/platform/clock.js';
import { migrateLatest, openDatabase, type Db } from '../../src/platform/db/index.js';
import { createLogger } from '../../src/platform/logger.js';
import { listenOnFreePort } from './ports.js';

/** Real time plus an offset the benchmark moves forward ("the order expired three minutes ago"). */
export function movableClock(): Clock & { advance(ms: number): void; offsetMs(): number } {
  let offset = 0;
  return {
    now: () => new Date(Date.now() + offset),
    advance(ms) {
      offset += ms;
    },
    offsetMs: () => offset,
  };
}

export interface RunningApp {
  url: string;
  config: Config;
  db: Db;
  built: BuiltApp;
  close(): Promise<void>;
}

/**
 * Builds the app from `env` (plus HOST and PORT) on an already migrated database and listens.
 * Background jobs stay off: the benchmark drives the simulator and reconciliation itself.
 */
export async function startApp(env: Record<string, string>, clock: Clock, cwd: string): Promise<RunningApp> {
  const { port, server, built: started } = await listenOnFreePort(
    (port) => {
      const config = loadConfig({ ...env, HOST: '127.0.0.1', PORT: String(port) }, cwd);
      const db = openDatabase(config.database);
      const built = buildApp({ config, db, logger: createLogger(config.logLevel), clock });
      return { app: built.app, config, db, built };
    },
    ({ db }) => db.destroy(),
  );
  const { config, db, built } = started;
  return {
    url: `http://127.0.0.1:${port}`,
    config,
    db,
    built,
    async close() {
      await built.jobs.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await db.destroy();
    },
  };
}

/** Migrates the database `env` names, with a connection of its own closed afterwards. */
export async function migrateFor(env: Record<string, string>, cwd: string): Promise<void> {
  const db = openDatabase(loadConfig(env, cwd).database);
  try {
    await migrateLatest(db);
  } finally {
    await db.destroy();
  }
}
