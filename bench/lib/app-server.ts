/**
 * The real app listening on a loopback port it knew before it was built: in sandbox mode the
 * notify_url and the WeChat Pay simulator's base URL contain the port, and checkout reaches the
 * simulator over HTTP, so `listen(0)` afterwards would point them at the wrong place.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildApp, type BuiltApp } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config/config.js';
import type { Clock } from '../../src/platform/clock.js';
import { openDatabase, type Db } from '../../src/platform/db/index.js';
import { createLogger } from '../../src/platform/logger.js';

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

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve, reject) => probe.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

/**
 * Builds the app from `env` (plus HOST and PORT) on an already migrated database and listens.
 * Background jobs stay off: the benchmark drives the simulator and reconciliation itself.
 */
export async function startApp(env: Record<string, string>, clock: Clock, cwd: string): Promise<RunningApp> {
  // Another process may take a probed port before we listen on it: try a few.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const config = loadConfig({ ...env, HOST: '127.0.0.1', PORT: String(port) }, cwd);
    const db = openDatabase(config.database);
    const built = buildApp({ config, db, logger: createLogger(config.logLevel), clock });
    const server: Server = built.app.listen(port, '127.0.0.1');
    try {
      await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject));
    } catch (err) {
      await db.destroy();
      if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE' && attempt < 5) continue;
      throw err;
    }
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
}
