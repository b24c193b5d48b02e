import { createClient } from 'redis';
import type { Logger } from './logger.js';

const RECONNECT_MAX_MS = 5_000;

/** A Redis that stops answering while the connection stays up must not hold a login for long. */
const COMMAND_TIMEOUT_MS = 500;
/** How soon a silently dead connection is noticed, and the client reconnects. */
const PING_EVERY_MS = 5_000;

/**
 * Commands fail at once while disconnected (no offline queue for requests to stall behind), and
 * after COMMAND_TIMEOUT_MS when Redis hangs: either way the caller falls back to the database.
 */
const newClient = (url: string) =>
  createClient({
    url,
    disableOfflineQueue: true,
    commandOptions: { timeout: COMMAND_TIMEOUT_MS },
    pingInterval: PING_EVERY_MS,
    socket: { reconnectStrategy: (retries: number) => Math.min(50 * 2 ** retries, RECONNECT_MAX_MS), connectTimeout: 2_000 },
  });

export type RedisClient = ReturnType<typeof newClient>;

/**
 * One process's Redis: a client for commands and a second one for subscriptions (a subscribed
 * connection can send nothing else). Redis is an accelerator here, never the only copy: commands
 * fail at once while it is unreachable, callers fall back to the database, and the clients keep
 * reconnecting in the background.
 */
export interface RedisConnection {
  readonly client: RedisClient;
  /** Prepended to every key and channel, so two sites (or two test files) can share one server. */
  readonly prefix: string;
  /** Whether commands can be sent now; while false, callers use the database without trying. */
  readonly ready: boolean;
  /** Calls `listener` with each message published on `channel` (prefixed); kept across reconnects. */
  subscribe(channel: string, listener: (message: string) => void): void;
  close(): Promise<void>;
}

export function connectRedis(opts: { url: string; prefix: string; log: Logger }): RedisConnection {
  const { log } = opts;
  const client = newClient(opts.url);
  // Subscriptions are queued until connected and renewed after each reconnect by the client itself.
  const subscriber = client.duplicate({ disableOfflineQueue: false });
  let closing = false;

  // Without an 'error' listener a lost connection would crash the process. Each client reports an
  // outage once, not on every reconnect attempt.
  for (const [role, c] of [['commands', client], ['subscriber', subscriber]] as const) {
    let down = false;
    c.on('error', (err: unknown) => {
      if (down || closing) return;
      down = true;
      log.warn({ event: 'redis.unavailable', role, err }, 'Redis unreachable: using the database until it is back');
    });
    c.on('ready', () => {
      if (down) log.info({ event: 'redis.reconnected', role }, 'Redis reachable again');
      down = false;
    });
    // connect() keeps retrying until it succeeds; start-up never waits for Redis.
    c.connect().catch((err: unknown) => {
      if (!closing) log.error({ event: 'redis.connect_failed', role, err }, 'Redis client gave up connecting');
    });
  }

  return {
    client,
    prefix: opts.prefix,
    get ready() {
      return client.isReady;
    },
    subscribe(channel, listener) {
      subscriber.subscribe(opts.prefix + channel, listener).catch((err: unknown) => {
        if (!closing) log.warn({ event: 'redis.subscribe_failed', channel, err }, 'Redis subscription failed');
      });
    },
    async close() {
      closing = true;
      client.destroy();
      subscriber.destroy();
    },
  };
}
