import type { Knex } from 'knex';
import type { Logger } from '../../platform/logger.js';
import type { AnalyticsEvent } from './event.js';
import { createEventRepository } from './event-repository.js';

export interface BufferOptions {
  /** Write when this many events are waiting. */
  batchSize: number;
  /** Write at least this often while events wait. */
  flushMs: number;
  /** Beyond this many waiting events new ones are dropped (and counted), so memory stays bounded. */
  maxBuffered: number;
}

/**
 * Events wait in memory and are written in batches by a timer, never on the request path: a page
 * never waits for analytics and never fails because of it. A failed write puts its batch back if
 * there is room (a database blip loses nothing), else drops it; drops are counted and logged.
 * `stop()` writes what is left, for a graceful shutdown.
 */
export function createEventBuffer(deps: { db: Knex; log: Logger; options: BufferOptions }) {
  const repo = createEventRepository();
  const { batchSize, flushMs, maxBuffered } = deps.options;
  let waiting: AnalyticsEvent[] = [];
  let dropped = 0;
  let written = 0;
  let timer: NodeJS.Timeout | null = null;
  let flushing: Promise<void> | null = null;

  function drop(n: number, reason: string) {
    dropped += n;
    deps.log.warn({ event: 'analytics.events.dropped', dropped: n, total: dropped, reason }, 'analytics events dropped');
  }

  async function writeOnce(): Promise<void> {
    while (waiting.length > 0) {
      const batch = waiting.slice(0, batchSize);
      waiting = waiting.slice(batch.length);
      try {
        await repo.writeBatch(deps.db, batch);
        written += batch.length;
      } catch (err) {
        deps.log.warn({ event: 'analytics.events.write_failed', err, size: batch.length }, 'analytics batch not written');
        const room = maxBuffered - waiting.length;
        if (room >= batch.length) waiting = [...batch, ...waiting];
        else drop(batch.length, 'write_failed');
        return;
      }
    }
  }

  function flush(): Promise<void> {
    flushing ??= writeOnce().finally(() => {
      flushing = null;
    });
    return flushing;
  }

  return {
    push(e: AnalyticsEvent): void {
      if (waiting.length >= maxBuffered) return drop(1, 'buffer_full');
      waiting.push(e);
      if (waiting.length >= batchSize) void flush();
    },
    flush,
    /** Writes these events now, past the buffer (the money event repair); throws when the write fails. */
    write: (events: AnalyticsEvent[]) => repo.writeBatch(deps.db, events),
    start(): void {
      timer ??= setInterval(() => void flush(), flushMs);
      timer.unref();
    },
    async stop(): Promise<void> {
      if (timer) clearInterval(timer);
      timer = null;
      if (flushing) await flushing;
      await flush();
    },
    stats: () => ({ waiting: waiting.length, written, dropped }),
  };
}

export type EventBuffer = ReturnType<typeof createEventBuffer>;
