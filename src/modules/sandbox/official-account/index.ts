// The Official Account sandbox: a local stand-in for WeChat's web authorisation
// (open.weixin.qq.com/connect/oauth2) and the api.weixin.qq.com endpoints the app uses. It shares no
// code with the wechat module; the app reaches it only over HTTP, at the base URL it is mounted on.
import type { Router } from 'express';
import type { Knex } from 'knex';
import type { Clock } from '../../../platform/clock.js';
import type { Logger } from '../../../platform/logger.js';
import { createOaRepository } from './oa-repository.js';
import { oaRoutes } from './oa-routes.js';
import { createOaService, type OfficialAccountSandboxConfig } from './oa-service.js';

export { SANDBOX_OA, SANDBOX_OA_ORIGINAL_ID } from './sandbox-credentials.js';
export type { OfficialAccountSandboxConfig } from './oa-service.js';
export { MENU_LIMITS } from './menu-validation.js';

export interface OfficialAccountSandbox {
  /**
   * Mount at the base URL (the app uses /__sandbox/wechat) before CSRF; the app then uses that URL as
   * both WECHAT_OAUTH_BASE and WECHAT_API_BASE, so paths under it are exactly WeChat's.
   */
  router: Router;
}

export function createOfficialAccountSandbox(deps: { db: Knex; clock: Clock; logger: Logger; config: OfficialAccountSandboxConfig }): OfficialAccountSandbox {
  const logger = deps.logger.child({ module: 'sandbox.wechat' });
  const service = createOaService({ repo: createOaRepository(deps.db), clock: deps.clock, logger, config: deps.config });
  return { router: oaRoutes({ service, logger }) };
}
