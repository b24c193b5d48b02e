// The Official Account sandbox: a local stand-in for WeChat's web authorisation
// (open.weixin.qq.com/connect/oauth2) and the api.weixin.qq.com endpoints the app uses. It shares no
// code with the wechat module; the app reaches it only over HTTP, at the base URL it is mounted on.
import type { Router } from 'express';
import type { Knex } from 'knex';
import type { Clock } from '../../../platform/clock.js';
import type { Logger } from '../../../platform/logger.js';
import { createOaRepository, type SandboxTemplateMessage } from './oa-repository.js';
import { oaRoutes } from './oa-routes.js';
import { createOaService, type OfficialAccountSandboxConfig } from './oa-service.js';

export { SANDBOX_OA, SANDBOX_OA_ORIGINAL_ID } from './sandbox-credentials.js';
export type { OfficialAccountSandboxConfig } from './oa-service.js';
export { MENU_LIMITS } from './menu-validation.js';
export { SANDBOX_TEMPLATES, type SandboxTemplate } from './sandbox-templates.js';
export { CLIENT_MSG_ID_WINDOW_MS } from './oa-service.js';
export type { SandboxTemplateMessage } from './oa-repository.js';

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

/**
 * The template messages the sandbox accepted, newest first (at most `limit`), optionally for one
 * openid: what the app would have pushed to WeChat users. Reads the sandbox's own table, so a test
 * needs only the database, not the mounted sandbox.
 */
export function listSandboxTemplateMessages(db: Knex, filter: { touser?: string; limit?: number } = {}): Promise<SandboxTemplateMessage[]> {
  return createOaRepository(db).templateMessages({ touser: filter.touser, limit: filter.limit ?? 100 });
}
