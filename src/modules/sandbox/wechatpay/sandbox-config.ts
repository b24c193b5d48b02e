import type { KeyObject } from 'node:crypto';
import { createPlatformSigner, type PlatformSigner } from './platform-signer.js';
import { publicKeyFromPem } from './sandbox-crypto.js';
import { selfSignedCertificatePem } from './x509-self-signed.js';

/** Fault injection for notifications; every field is optional and off by default. */
export interface NotificationFaults {
  /** Extra copies POSTed at once after the first successful delivery. */
  duplicates?: number;
  /** Send a `WECHATPAY/SIGNTEST/` probe (which must be refused) before the first real attempt. */
  signProbe?: boolean;
  /** Hold the first delivery back this long (ms, real time, not scaled). */
  delayMs?: number;
}

export interface WechatPaySandboxConfig {
  mchid: string;
  appid: string;
  /** The APIv3 key: 32 ASCII characters. */
  apiV3Key: string;
  /** The merchant's API certificate PEM or public key PEM: verifies request signatures. */
  merchantVerificationKeyPem: string;
  /** The serial_no the merchant puts in Authorization (its API certificate serial, hex). */
  merchantSerial: string;
  /** The sandbox's own signing key (WeChat Pay's platform key). */
  platformPrivateKeyPem: string;
  /** `PUB_KEY_ID_…`: the Wechatpay-Serial in public-key mode. */
  platformPublicKeyId: string;
  /** Served by /v3/certificates; derived from the private key when absent. */
  platformCertificatePem?: string;
  /** Which serial signs responses and notifications. Default 'public-key' (what new merchants get). */
  signatureMode?: 'public-key' | 'certificate';
  /** Absolute URL where the router is reachable, e.g. http://127.0.0.1:3000/__sandbox/wechatpay */
  publicBaseUrl: string;
  /** Shown on the pay page. */
  merchantName?: string;
  /** Divides WeChat's notification retry schedule (SANDBOX_TIME_SCALE). Default 1. */
  timeScale?: number;
  /** How long a refund stays PROCESSING (ms, divided by timeScale). 0 settles it at once. Default 3000. */
  refundDelayMs?: number;
  /** Where REFUND.* notifications go when the refund request has no notify_url (the console setting). */
  refundNotifyUrl?: string;
  /** How often the delivery worker looks for due work. Default 500 ms. */
  pollIntervalMs?: number;
  /** A notification not answered within this counts as failed. Default 5000 ms, as WeChat. */
  notifyTimeoutMs?: number;
  /** Faults applied to every notification (per-order controls can add more). */
  faults?: NotificationFaults;
}

export interface ResolvedSandboxConfig {
  mchid: string;
  appid: string;
  apiV3Key: string;
  merchantKey: KeyObject;
  merchantSerial: string;
  platformPublicKeyId: string;
  /** Signs everything the sandbox answers and sends; rotates the platform certificate on request. */
  signer: PlatformSigner;
  publicBaseUrl: string;
  merchantName: string;
  timeScale: number;
  refundDelayMs: number;
  refundNotifyUrl: string | undefined;
  pollIntervalMs: number;
  notifyTimeoutMs: number;
  faults: Required<NotificationFaults>;
}

export function resolveSandboxConfig(c: WechatPaySandboxConfig, now: () => Date = () => new Date()): ResolvedSandboxConfig {
  if (Buffer.byteLength(c.apiV3Key, 'utf8') !== 32) throw new Error('wechatpay sandbox: apiV3Key must be 32 bytes');
  if (!/^PUB_KEY_ID_\w+$/.test(c.platformPublicKeyId)) throw new Error('wechatpay sandbox: platformPublicKeyId must start with PUB_KEY_ID_');
  const timeScale = c.timeScale ?? 1;
  if (!(timeScale > 0)) throw new Error('wechatpay sandbox: timeScale must be positive');
  const certificatePem = c.platformCertificatePem ?? selfSignedCertificatePem(c.platformPrivateKeyPem, '微信支付沙箱平台证书');
  return {
    mchid: c.mchid,
    appid: c.appid,
    apiV3Key: c.apiV3Key,
    merchantKey: publicKeyFromPem(c.merchantVerificationKeyPem),
    merchantSerial: c.merchantSerial,
    platformPublicKeyId: c.platformPublicKeyId,
    signer: createPlatformSigner({ privateKeyPem: c.platformPrivateKeyPem, certificatePem, publicKeyId: c.platformPublicKeyId, mode: c.signatureMode ?? 'public-key', now }),
    publicBaseUrl: c.publicBaseUrl.replace(/\/+$/, ''),
    merchantName: c.merchantName ?? '知付（沙箱商户）',
    timeScale,
    refundDelayMs: c.refundDelayMs ?? 3000,
    refundNotifyUrl: c.refundNotifyUrl,
    pollIntervalMs: c.pollIntervalMs ?? 500,
    notifyTimeoutMs: c.notifyTimeoutMs ?? 5000,
    faults: { duplicates: c.faults?.duplicates ?? 0, signProbe: c.faults?.signProbe ?? false, delayMs: c.faults?.delayMs ?? 0 },
  };
}
