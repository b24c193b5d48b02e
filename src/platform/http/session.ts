import session from 'express-session';
import type { RequestHandler } from 'express';
import type { KnexSessionStore } from './session-store.js';

export const SESSION_COOKIE = 'zhifu.sid';

export interface FlashMessage {
  type: 'success' | 'info' | 'warn';
  message: string;
  /** The id of the page section the message is about: it is shown there, where the person is looking. */
  near?: string;
}

declare module 'express-session' {
  interface SessionData {
    userId?: number;
    flash?: FlashMessage;
  }
}

/**
 * Nothing is stored for a visitor until something is written to their session (a login, a CSRF token
 * for a form, a flash message), so anonymous browsing never creates a row.
 */
export function sessionMiddleware(opts: { store: KnexSessionStore; secret: string; secure: boolean; maxAgeMs: number }): RequestHandler {
  return session({
    name: SESSION_COOKIE,
    store: opts.store,
    secret: opts.secret,
    resave: false,
    saveUninitialized: false,
    cookie: { httpOnly: true, sameSite: 'lax', secure: opts.secure, maxAge: opts.maxAgeMs, path: '/' },
  });
}
