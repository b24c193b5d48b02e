import { csrfSync } from 'csrf-sync';
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { ForbiddenError } from '../errors.js';

const { csrfSynchronisedProtection, generateToken, invalidCsrfTokenError } = csrfSync({
  getTokenFromRequest: (req) => {
    const fromBody = (req.body as Record<string, unknown> | undefined)?._csrf;
    return typeof fromBody === 'string' ? fromBody : req.get('x-csrf-token');
  },
});

/**
 * Every state-changing request needs the token kept in the visitor's session; forms get it as a hidden
 * `_csrf` field. The token is generated lazily, so pages without forms never create a session.
 */
export const csrfProtection: RequestHandler = (req, res, next) => {
  csrfSynchronisedProtection(req, res, next);
};

/** Gives views `csrfToken()` as soon as there is a session, so even an error page can render forms. */
export const csrfTokenForViews: RequestHandler = (req, res, next) => {
  res.locals.csrfToken = () => generateToken(req);
  next();
};

export const csrfErrorTranslator: ErrorRequestHandler = (err, _req, _res, next) => {
  next(err === invalidCsrfTokenError ? new ForbiddenError('CSRF_INVALID', '页面已过期或表单无效，请刷新页面后重新提交') : err);
};
