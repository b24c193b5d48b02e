import type { ErrorRequestHandler, Request, RequestHandler, Response } from 'express';
import { AppError, NotFoundError } from '../errors.js';

function wantsJson(req: Request): boolean {
  return req.path.startsWith('/api/') || req.path === '/healthz' || (req.accepts(['html', 'json']) === 'json' && !req.accepts('html'));
}

function send(req: Request, res: Response, status: number, code: string, message: string, stack?: string): void {
  res.status(status);
  if (wantsJson(req)) {
    res.json({ code, message });
    return;
  }
  res.render('errors/error', { title: message, status, code, message, stack });
}

export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(new NotFoundError('NOT_FOUND', '页面不存在'));
};

/**
 * The one place errors become responses. AppErrors carry a message safe to show; anything else is a
 * bug, logged in full and shown as a generic message (with the stack only in development).
 */
export function errorHandler(opts: { showStack: boolean }): ErrorRequestHandler {
  return (err, req, res, _next) => {
    if (res.headersSent) {
      req.log?.error({ err }, 'error after response started');
      res.end();
      return;
    }
    if (err instanceof AppError) {
      if (err.status >= 500) req.log?.error({ err, code: err.code }, 'request failed');
      send(req, res, err.status, err.code, err.message);
      return;
    }
    // body-parser and friends signal client mistakes with a status (413 too large, 400 malformed).
    const status = (err as { status?: unknown })?.status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      send(req, res, status, 'BAD_REQUEST', status === 413 ? '提交的内容太大' : '请求格式不正确');
      return;
    }
    req.log?.error({ err }, 'unhandled error');
    send(req, res, 500, 'INTERNAL_ERROR', '服务器开小差了，请稍后再试', opts.showStack && err instanceof Error ? err.stack : undefined);
  };
}
