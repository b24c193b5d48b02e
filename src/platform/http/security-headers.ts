import helmet from 'helmet';
import type { RequestHandler } from 'express';

/**
 * Pages load only our own scripts and styles. Course covers may come from any https host the
 * creator chooses, so images allow https: as well.
 */
export function securityHeaders(opts: { upgradeInsecure: boolean }): RequestHandler {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        // WeChat's JS-SDK (share cards) is loaded from its own host, inside WeChat only.
        scriptSrc: ["'self'", 'https://res.wx.qq.com'],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:', 'https:'],
        fontSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        mediaSrc: ["'self'", 'https:'],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        ...(opts.upgradeInsecure ? { upgradeInsecureRequests: [] } : {}),
      },
    },
    // HSTS only where we serve HTTPS; on a laptop's http://127.0.0.1 it would only confuse.
    strictTransportSecurity: opts.upgradeInsecure,
    referrerPolicy: { policy: 'strict-origin-when-cross-origin' },
  });
}
