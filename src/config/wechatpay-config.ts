import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';

/** What the payments module needs to talk to WeChat Pay (or the sandbox, which speaks the same). */
export interface MerchantSettings {
  appid: string;
  mchid: string;
  /** APIv3 key: 32 ASCII bytes, the AES-256-GCM key of notifications. */
  apiV3Key: string;
  privateKeyPem: string;
  /** Serial of the merchant API certificate, upper-case hex. */
  serial: string;
  /** WeChat Pay public key mode: PUB_KEY_ID_… and its PEM. */
  publicKey: { id: string; pem: string } | null;
  /** Platform certificate mode: certificates configured up front (more are downloaded). */
  platformCertificatePems: string[];
  apiBase: string;
}

export type WechatPayConfig = {
  orderExpireMinutes: number;
  reconcileIntervalMs: number;
  h5Enabled: boolean;
} & (
  | { mode: 'sandbox'; sandboxDir: string; sandboxTimeScale: number; sandboxSignatureMode: 'public-key' | 'certificate' }
  | { mode: 'live'; merchant: MerchantSettings }
);

const MERCHANT_VARS = [
  'WECHATPAY_MCHID',
  'WECHATPAY_APIV3_KEY',
  'WECHATPAY_MERCHANT_PRIVATE_KEY_FILE',
  'WECHATPAY_MERCHANT_SERIAL',
  'WECHATPAY_MERCHANT_CERT_FILE',
  'WECHATPAY_PUBLIC_KEY_FILE',
  'WECHATPAY_PUBLIC_KEY_ID',
  'WECHATPAY_PLATFORM_CERT_FILES',
] as const;

function readPem(file: string, name: string, cwd: string, problems: string[]): string {
  try {
    return readFileSync(path.resolve(cwd, file), 'utf8');
  } catch {
    problems.push(`${name}: cannot read ${file}`);
    return '';
  }
}

function wholeNumber(value: string | undefined, fallback: number, name: string, problems: string[]): number {
  if (value === undefined || value === '') return fallback;
  if (!/^\d+$/.test(value) || Number(value) < 1) {
    problems.push(`${name}: must be a positive whole number, got "${value}"`);
    return fallback;
  }
  return Number(value);
}

function signatureMode(value: string | undefined, problems: string[]): 'public-key' | 'certificate' {
  if (value === undefined || value === '' || value === 'public-key') return 'public-key';
  if (value === 'certificate') return 'certificate';
  problems.push(`SANDBOX_SIGNATURE_MODE: must be public-key or certificate, got "${value}"`);
  return 'public-key';
}

/**
 * No merchant variable at all → sandbox mode (the built-in simulator). Any merchant variable → live
 * mode, and then every required one must be present: a half-configured merchant is a start-up error.
 */
export function parseWechatPayConfig(env: Record<string, string | undefined>, cwd: string, problems: string[]): WechatPayConfig {
  const given = MERCHANT_VARS.filter((v) => env[v] !== undefined && env[v] !== '');
  const common = {
    orderExpireMinutes: wholeNumber(env.ORDER_EXPIRE_MINUTES, 30, 'ORDER_EXPIRE_MINUTES', problems),
    reconcileIntervalMs: wholeNumber(env.RECONCILE_INTERVAL_SECONDS, 60, 'RECONCILE_INTERVAL_SECONDS', problems) * 1000,
    // H5 pay needs the merchant to have it; the sandbox has it, so the demo works on a phone browser.
    h5Enabled: env.WECHATPAY_H5_ENABLED ? env.WECHATPAY_H5_ENABLED === 'true' : given.length === 0,
  };
  if (given.length === 0) {
    return {
      ...common,
      mode: 'sandbox',
      sandboxDir: path.resolve(cwd, env.SANDBOX_DIR || 'data/sandbox'),
      sandboxTimeScale: wholeNumber(env.SANDBOX_TIME_SCALE, 1, 'SANDBOX_TIME_SCALE', problems),
      sandboxSignatureMode: signatureMode(env.SANDBOX_SIGNATURE_MODE, problems),
    };
  }

  const need = (name: string) => {
    const v = env[name];
    if (v === undefined || v === '') problems.push(`${name}: required when WeChat Pay merchant settings are given (or remove them all for sandbox mode)`);
    return v ?? '';
  };
  const appid = need('WECHAT_APPID');
  const mchid = need('WECHATPAY_MCHID');
  const apiV3Key = need('WECHATPAY_APIV3_KEY');
  if (apiV3Key && Buffer.byteLength(apiV3Key) !== 32) problems.push('WECHATPAY_APIV3_KEY: must be exactly 32 characters');
  const privateKeyPem = readPem(need('WECHATPAY_MERCHANT_PRIVATE_KEY_FILE'), 'WECHATPAY_MERCHANT_PRIVATE_KEY_FILE', cwd, problems);
  if (privateKeyPem) {
    try {
      createPrivateKey(privateKeyPem);
    } catch {
      problems.push('WECHATPAY_MERCHANT_PRIVATE_KEY_FILE: not a PEM private key');
    }
  }

  let serial = env.WECHATPAY_MERCHANT_SERIAL ?? '';
  if (!serial && env.WECHATPAY_MERCHANT_CERT_FILE) {
    const pem = readPem(env.WECHATPAY_MERCHANT_CERT_FILE, 'WECHATPAY_MERCHANT_CERT_FILE', cwd, problems);
    try {
      if (pem) serial = new X509Certificate(pem).serialNumber;
    } catch {
      problems.push('WECHATPAY_MERCHANT_CERT_FILE: not a PEM certificate');
    }
  }
  if (!serial) problems.push('WECHATPAY_MERCHANT_SERIAL: required (or WECHATPAY_MERCHANT_CERT_FILE to derive it)');

  let publicKey: MerchantSettings['publicKey'] = null;
  if (env.WECHATPAY_PUBLIC_KEY_FILE || env.WECHATPAY_PUBLIC_KEY_ID) {
    const id = need('WECHATPAY_PUBLIC_KEY_ID');
    if (id && !/^PUB_KEY_ID_\w+$/.test(id)) problems.push('WECHATPAY_PUBLIC_KEY_ID: must look like PUB_KEY_ID_0114…');
    publicKey = { id, pem: readPem(need('WECHATPAY_PUBLIC_KEY_FILE'), 'WECHATPAY_PUBLIC_KEY_FILE', cwd, problems) };
  }
  const platformCertificatePems = (env.WECHATPAY_PLATFORM_CERT_FILES ?? '')
    .split(',')
    .map((f) => f.trim())
    .filter(Boolean)
    .map((f) => readPem(f, 'WECHATPAY_PLATFORM_CERT_FILES', cwd, problems));
  if (!publicKey && platformCertificatePems.length === 0) {
    // Certificate mode can start from a download of /v3/certificates; nothing more to require.
  }
  return {
    ...common,
    mode: 'live',
    merchant: {
      appid,
      mchid,
      apiV3Key,
      privateKeyPem,
      serial: serial.toUpperCase(),
      publicKey,
      platformCertificatePems,
      apiBase: (env.WECHATPAY_API_BASE || 'https://api.mch.weixin.qq.com').replace(/\/$/, ''),
    },
  };
}
