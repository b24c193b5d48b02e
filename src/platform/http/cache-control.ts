import type { RequestHandler, Response } from 'express';
import { SESSION_COOKIE } from './session.js';

/** Pages about the person asking, whoever that is (a locked lesson's page differs for a buyer). */
const PERSONAL_PATHS = [/^\/me(\/|$)/, /^\/orders(\/|$)/, /^\/admin(\/|$)/, /^\/courses\/[^/]+\/lessons(\/|$)/, /^\/api\//, /^\/comments\//, /^\/login$/, /^\/register$/, /^\/auth\//, /^\/wechat(\/|$)/];

const NO_STORE = 'private, no-store';

/**
 * Decides, when the headers go out, what a shared cache (a CDN, a proxy, WeChat's) may keep: nothing
 * of a personal page or of a response that sets a cookie; nothing rendered for a request with a
 * session, unless its handler declared it public (the same for everyone: the sitemap, a file);
 * everything else varies on Cookie, so a cache never hands the page one person got to another.
 * Decided at the last moment because any middleware down the line may set a cookie (the session,
 * analytics) or a handler its own Cache-Control.
 */
export function cacheControl(): RequestHandler {
  return (req, res, next) => {
    const personalPath = PERSONAL_PATHS.some((r) => r.test(req.path));
    const hasSession = (req.headers.cookie ?? '').includes(`${SESSION_COOKIE}=`);
    const writeHead = res.writeHead;
    const decide = (r: Response) => {
      const declared = String(r.getHeader('Cache-Control') ?? '');
      if (personalPath || r.hasHeader('Set-Cookie') || (hasSession && !/\bpublic\b/.test(declared))) {
        if (!/\bno-store\b/.test(declared)) r.setHeader('Cache-Control', NO_STORE);
      } else if (!/\b(public|no-store)\b/.test(declared)) {
        r.vary('Cookie');
      }
    };
    res.writeHead = function (this: Response, ...args: Parameters<Response['writeHead']>) {
      decide(this);
      return writeHead.apply(this, args);
    } as Response['writeHead'];
    next();
  };
}
