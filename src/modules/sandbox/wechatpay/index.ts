// The WeChat Pay v3 sandbox: a local stand-in for WeChat's servers. It shares no code with the
// payments module; the app reaches it only over HTTP, at the base URL it is mounted on.
import type { Router } from 'express';
import type { Knex } from 'knex';
import type { Clock } from '../../../platform/clock.js';
import type { Logger } from '../../../platform/logger.js';
import { createNotificationWorker, type NotificationWorker } from './notification-worker.js';
import { resolveSandboxConfig, type WechatPaySandboxConfig } from './sandbox-config.js';
import { sandboxRoutes } from './sandbox-routes.js';
import { createSandboxService } from './sandbox-service.js';

export type { NotificationFaults, WechatPaySandboxConfig } from './sandbox-config.js';
export { loadOrCreateSandboxKeys, generateSandboxKeys, type SandboxKeys } from './sandbox-keys.js';
export { RETRY_SCHEDULE_MS } from './notification-worker.js';

export interface WechatPaySandbox {
  /** Mount under the base URL (the app uses /__sandbox/wechatpay), before any body parser or CSRF check. */
  router: Router;
  /** Starts the delivery worker (refund settlement and notifications). */
  start(): void;
  /** Stops the worker and waits for a pass in flight. */
  stop(): Promise<void>;
  /** One worker pass now; for tests and scripts. */
  tick(): Promise<void>;
  /** The Wechatpay-Serial the sandbox signs with, and the certificate /v3/certificates serves. */
  signer: { serial: string; publicKeyId: string; certificatePem: string; certificateSerial: string };
}

export function createWechatPaySandbox(deps: { db: Knex; clock: Clock; logger: Logger; config: WechatPaySandboxConfig }): WechatPaySandbox {
  const config = resolveSandboxConfig(deps.config, () => deps.clock.now());
  const logger = deps.logger.child({ module: 'sandbox.wechatpay' });
  const queued = { kick: () => {} };
  const service = createSandboxService({ db: deps.db, clock: deps.clock, logger, config, onNotificationQueued: () => queued.kick() });
  const worker: NotificationWorker = createNotificationWorker({ service, clock: deps.clock, logger, config });
  queued.kick = () => worker.kick();
  return {
    router: sandboxRoutes({ service, worker, config, clock: deps.clock, logger }),
    start: () => worker.start(),
    stop: () => worker.stop(),
    tick: () => worker.tick(),
    signer: {
      get serial() {
        return config.signer.current().serial;
      },
      publicKeyId: config.platformPublicKeyId,
      certificatePem: config.signer.certificates()[0]!.pem,
      certificateSerial: config.signer.certificates()[0]!.serial,
    },
  };
}
