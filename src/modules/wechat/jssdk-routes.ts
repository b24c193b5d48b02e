import { randomBytes } from 'node:crypto';
import { Router, type ErrorRequestHandler } from 'express';
import type { Clock } from '../../platform/clock.js';
import { AppError, ValidationError } from '../../platform/errors.js';
import type { TokenCache } from './token-cache.js';
import { signJsapiConfig } from './wechat-crypto.js';

/** `wx.config` parameters for one of our own pages; other sites' URLs are refused. */
export function jssdkRoutes(deps: { tokens: TokenCache; appid: string; publicUrl: string; clock: Clock }): Router {
  const router = Router();
  const origin = new URL(deps.publicUrl).origin;

  router.get('/wechat/jssdk-config', async (req, res) => {
    const raw = typeof req.query.url === 'string' ? req.query.url : '';
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new ValidationError('BAD_URL', '需要当前页面的完整地址');
    }
    if (url.origin !== origin) throw new ValidationError('FOREIGN_URL', '只能为本站页面签名');
    const nonceStr = randomBytes(8).toString('hex');
    const timestamp = Math.floor(deps.clock.now().getTime() / 1000);
    const ticket = await deps.tokens.jsapiTicket();
    res.set('Cache-Control', 'no-store').json({ appId: deps.appid, timestamp, nonceStr, signature: signJsapiConfig(ticket, nonceStr, timestamp, raw) });
  });

  // The caller is page script (fetch sends Accept: */*), so errors are JSON here, never an HTML page.
  const jsonErrors: ErrorRequestHandler = (err, req, res, _next) => {
    if (err instanceof AppError && err.status < 500) {
      res.status(err.status).json({ code: err.code, message: err.message });
      return;
    }
    req.log?.error({ err, event: 'wechat.jssdk_config_failed' }, 'could not sign a JS-SDK config');
    res.status(502).json({ code: 'WECHAT_UNAVAILABLE', message: '暂时无法连接微信，请稍后再试' });
  };
  router.use('/wechat/jssdk-config', jsonErrors);
  return router;
}
