import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Logger } from '../logger.js';

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

declare module 'express-serve-static-core' {
  interface Request {
    /** A logger whose every line carries this request's id. */
    log: Logger;
    requestId: string;
  }
}

/**
 * One "request completed" line per request, and `req.log` carrying the request id for everything
 * logged inside it. The child logger is made only when something logs: most requests never do, and
 * this runs on every request.
 */
export function requestLogger(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const incoming = req.headers['x-request-id'];
    const id = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    req.requestId = id;
    res.setHeader('X-Request-Id', id);
    let child: Logger | undefined;
    Object.defineProperty(req, 'log', { configurable: true, get: () => (child ??= logger.child({ reqId: id })) });
    if (req.path === '/healthz' || req.path.startsWith('/static/') || !logger.isLevelEnabled('info')) return next();
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const status = res.statusCode;
      const level = status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info';
      // Path only: query strings can carry OAuth codes and tokens.
      req.log[level]({ req: { method: req.method, url: req.originalUrl.split('?')[0] }, res: { statusCode: status }, responseTime: Number(process.hrtime.bigint() - started) / 1e6 }, 'request completed');
    });
    next();
  };
}
