/**
 * Loopback ports for an app that must know its port before it is built (in sandbox mode the notify_url
 * and the WeChat Pay simulator's base URL contain it, so `listen(0)` afterwards would point them at
 * the wrong place). Used by the benchmarks' app server and by the tests' listening app.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';

/** A loopback port that was free a moment ago: another process may take it before it is listened on. */
export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve, reject) => probe.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

/** `app` listening on 127.0.0.1:`port`, once it is; rejects with the listen error (EADDRINUSE…). */
export async function listenOn(app: Express, port: number): Promise<Server> {
  const server = app.listen(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject));
  return server;
}

const ATTEMPTS = 5;

/**
 * Probes a free port, builds the app for it (`build`) and listens on it. Another process may take a
 * probed port before we listen on it: then what was built is dropped (`discard`) and it tries again
 * with a new port, five times in all. Any other listen error is thrown, after `discard`.
 */
export async function listenOnFreePort<T extends { app: Express }>(
  build: (port: number, attempt: number) => Promise<T> | T,
  discard: (built: T) => Promise<void>,
): Promise<{ port: number; server: Server; built: T }> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const built = await build(port, attempt);
    try {
      return { port, server: await listenOn(built.app, port), built };
    } catch (err) {
      await discard(built);
      if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE' && attempt < ATTEMPTS) continue;
      throw err;
    }
  }
}
