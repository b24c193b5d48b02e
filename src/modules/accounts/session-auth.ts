import type { Request, RequestHandler } from 'express';
import { ForbiddenError, UnauthorizedError } from '../../platform/errors.js';
import type { AccountService } from './account-service.js';
import type { CurrentUser } from './user.js';

declare module 'express-serve-static-core' {
  interface Request {
    currentUser?: CurrentUser;
  }
}

/** A new session id at login, so a session id planted before login is worth nothing after it. */
export async function logIn(req: Request, userId: number): Promise<void> {
  await new Promise<void>((resolve, reject) => req.session.regenerate((err) => (err ? reject(err) : resolve())));
  req.session.userId = userId;
  await new Promise<void>((resolve, reject) => req.session.save((err) => (err ? reject(err) : resolve())));
}

export async function logOut(req: Request): Promise<void> {
  await new Promise<void>((resolve, reject) => req.session.destroy((err) => (err ? reject(err) : resolve())));
}

/** Loads the person behind the session, if any; visitors without a session cost no query. */
export function loadCurrentUser(accounts: AccountService): RequestHandler {
  return async (req, res, next) => {
    const userId = req.session?.userId;
    if (userId !== undefined) {
      const user = await accounts.currentUser(userId);
      if (user) req.currentUser = user;
      else delete req.session.userId; // the account is gone
    }
    res.locals.currentUser = req.currentUser ?? null;
    // A page that shows who is logged in (what they own, what they paid) must never come back from a
    // cache: Back after paying would show the buy button again.
    if (req.currentUser) res.set('Cache-Control', 'private, no-store');
    next();
  };
}

/** Sends anonymous visitors to the login page and back here afterwards. */
export const requireLogin: RequestHandler = (req, res, next) => {
  if (req.currentUser) return next();
  if (req.method === 'GET') return res.redirect(303, `/login?next=${encodeURIComponent(req.originalUrl)}`);
  return next(new UnauthorizedError('LOGIN_REQUIRED', '请先登录'));
};

export const requireAdmin: RequestHandler = (req, res, next) => {
  if (!req.currentUser) return requireLogin(req, res, next);
  if (req.currentUser.role !== 'admin') return next(new ForbiddenError('ADMIN_ONLY', '只有管理员可以访问这个页面'));
  return next();
};
