// `npm run start:cluster`: WEB_CONCURRENCY identical app processes sharing one port. Everything they
// must agree on lives in the database (sessions, rate limits, WeChat tokens, job leases, cache
// versions) or in Redis when REDIS_URL is set, so any worker can answer any request.
import cluster, { type Worker } from 'node:cluster';
import { createLogger } from './platform/logger.js';
import { DRAIN_TIMEOUT_MS, exitOnStartFailure, loadConfigOrExit, siteUrl, startServer } from './server.js';

/** A worker that dies this often within the window is crash-looping: restarting it again won't help. */
const CRASH_LIMIT = 5;
const CRASH_WINDOW_MS = 60_000;
const RESTART_DELAY_MS = 250;
const RESTART_DELAY_MAX_MS = 10_000;
/** Workers drain for DRAIN_TIMEOUT_MS and then close their pools; past this they are killed. */
const STOP_GRACE_MS = DRAIN_TIMEOUT_MS + 5_000;

function runPrimary(): void {
  // Checked here first, so a bad setting is reported once instead of by every worker in turn.
  const config = loadConfigOrExit();
  const log = createLogger(config.logLevel);
  const size = config.webConcurrency;
  // ALLOW_SQLITE_IN_PRODUCTION allows one process: writers on one SQLite file queue behind each other.
  if (config.isProduction && config.database.client === 'sqlite' && size > 1) {
    process.stderr.write(`知付 cannot start.\nWEB_CONCURRENCY: ${size} processes need DATABASE_URL=mysql://… in production (or WEB_CONCURRENCY=1 on SQLite)\n`);
    process.exit(1);
  }
  const crashes: number[] = [];
  let stopping = false;
  let exitCode = 0;
  let announced = false;

  cluster.on('listening', (worker, address) => {
    log.info({ event: 'cluster.worker_listening', worker: worker.id, pid: worker.process.pid }, 'worker listening');
    if (announced) return;
    announced = true;
    if (config.env !== 'production') process.stdout.write(`\n  知付 is running at ${siteUrl(config, address.port)} (${size} processes)\n\n`);
  });

  cluster.on('exit', (worker, code, signal) => {
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) {
        log.info({ event: 'cluster.stopped' }, 'every worker has stopped');
        process.exit(exitCode);
      }
      return;
    }
    const now = Date.now();
    crashes.push(now);
    while (crashes.length > 0 && crashes[0]! < now - CRASH_WINDOW_MS) crashes.shift();
    if (crashes.length >= CRASH_LIMIT) {
      process.stderr.write(
        `知付 cluster is stopping: workers exited ${crashes.length} times within ${CRASH_WINDOW_MS / 1000} s (the last with ${signal ?? `code ${code}`}), so restarting them again would not help. See the errors above.\n`,
      );
      stop(1);
      return;
    }
    // Each crash in the window doubles the wait, so a fault outside the app (the database down) is
    // not hammered by restarts.
    const delay = Math.min(RESTART_DELAY_MS * 2 ** (crashes.length - 1), RESTART_DELAY_MAX_MS);
    log.error({ event: 'cluster.worker_died', worker: worker.id, pid: worker.process.pid, code, signal, restartInMs: delay }, 'worker died; starting another');
    setTimeout(() => {
      if (!stopping) cluster.fork();
    }, delay);
  });

  /** Asks every worker to drain (each handles SIGTERM like `npm start` does) and exits when all have. */
  function stop(code: number): void {
    stopping = true;
    exitCode = code;
    const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined);
    if (workers.length === 0) process.exit(exitCode);
    for (const w of workers) w.process.kill('SIGTERM');
    setTimeout(() => {
      log.error({ event: 'cluster.stop_timeout' }, 'workers did not stop in time; killing them');
      for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGKILL');
      process.exit(exitCode || 1);
    }, STOP_GRACE_MS).unref();
  }

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      if (stopping) return;
      log.info({ event: 'cluster.stopping', signal, workers: size }, 'asking every worker to drain');
      stop(0);
    });
  }

  log.info({ event: 'cluster.starting', workers: size }, 'starting workers');
  for (let i = 0; i < size; i++) cluster.fork();
}

if (cluster.isPrimary) runPrimary();
else startServer({ banner: false }).catch(exitOnStartFailure);
