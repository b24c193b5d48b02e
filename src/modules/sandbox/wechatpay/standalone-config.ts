import { createPublicKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { WechatPaySandboxConfig } from './sandbox-config.js';
import { loadOrCreateSandboxKeys, type SandboxKeys } from './sandbox-keys.js';

type Env = Record<string, string | undefined>;

/** Where each part of the standalone sandbox's identity came from, for its start-up banner. */
export type KeySources = Record<'apiV3Key' | 'merchant' | 'platform', 'environment' | 'generated'>;

function readFile(env: Env, name: string, cwd: string): string | null {
  const file = env[name];
  if (!file) return null;
  try {
    return readFileSync(path.resolve(cwd, file), 'utf8');
  } catch {
    throw new Error(`${name}: cannot read ${file}`);
  }
}

/**
 * The standalone sandbox speaks with the keys it is given, so an app configured with a merchant's
 * own test keys can talk to it exactly as to WeChat: it verifies requests with the merchant's
 * certificate (WECHATPAY_MERCHANT_CERT_FILE) or public key (WECHATPAY_MERCHANT_PUBLIC_KEY_FILE +
 * WECHATPAY_MERCHANT_SERIAL), signs with SANDBOX_WECHATPAY_PRIVATE_KEY_FILE under
 * WECHATPAY_PUBLIC_KEY_ID (or, with SANDBOX_SIGNATURE_MODE=certificate, under the serial of
 * SANDBOX_WECHATPAY_CERT_FILE), and decrypts with WECHATPAY_APIV3_KEY. Keys are generated (once,
 * under `keysDir`) only for what is not given.
 */
export function standaloneSandboxConfig(env: Env, cwd: string, keysDir: string): { config: Omit<WechatPaySandboxConfig, 'publicBaseUrl' | 'timeScale'>; sources: KeySources } {
  const mode = env.SANDBOX_SIGNATURE_MODE || 'public-key';
  if (mode !== 'public-key' && mode !== 'certificate') throw new Error(`SANDBOX_SIGNATURE_MODE: must be public-key or certificate, got "${mode}"`);
  const apiV3Key = env.WECHATPAY_APIV3_KEY || null;
  if (apiV3Key !== null && Buffer.byteLength(apiV3Key) !== 32) throw new Error('WECHATPAY_APIV3_KEY: must be exactly 32 characters');

  const merchantCertPem = readFile(env, 'WECHATPAY_MERCHANT_CERT_FILE', cwd);
  const merchantPublicKeyPem = readFile(env, 'WECHATPAY_MERCHANT_PUBLIC_KEY_FILE', cwd);
  let merchant: { pem: string; serial: string } | null = null;
  if (merchantCertPem) {
    const cert = new X509Certificate(merchantCertPem);
    merchant = { pem: merchantCertPem, serial: (env.WECHATPAY_MERCHANT_SERIAL || cert.serialNumber).toUpperCase() };
  } else if (merchantPublicKeyPem) {
    if (!env.WECHATPAY_MERCHANT_SERIAL) throw new Error('WECHATPAY_MERCHANT_SERIAL: required with WECHATPAY_MERCHANT_PUBLIC_KEY_FILE');
    createPublicKey(merchantPublicKeyPem);
    merchant = { pem: merchantPublicKeyPem, serial: env.WECHATPAY_MERCHANT_SERIAL.toUpperCase() };
  }

  const platformKeyPem = readFile(env, 'SANDBOX_WECHATPAY_PRIVATE_KEY_FILE', cwd);
  const platformCertPem = readFile(env, 'SANDBOX_WECHATPAY_CERT_FILE', cwd);
  if (platformCertPem && !platformKeyPem) throw new Error('SANDBOX_WECHATPAY_CERT_FILE: needs SANDBOX_WECHATPAY_PRIVATE_KEY_FILE, the key it certifies');
  if (env.WECHATPAY_PUBLIC_KEY_ID && !/^PUB_KEY_ID_\w+$/.test(env.WECHATPAY_PUBLIC_KEY_ID)) throw new Error('WECHATPAY_PUBLIC_KEY_ID: must look like PUB_KEY_ID_0114…');

  let generated: SandboxKeys | null = null;
  const keys = () => (generated ??= loadOrCreateSandboxKeys(keysDir));
  return {
    config: {
      mchid: env.WECHATPAY_MCHID || '1900000001',
      appid: env.WECHAT_APPID || 'wxsandbox00000001',
      apiV3Key: apiV3Key ?? keys().apiV3Key,
      merchantVerificationKeyPem: merchant?.pem ?? keys().merchant.certificatePem,
      merchantSerial: merchant?.serial ?? keys().merchant.serial,
      platformPrivateKeyPem: platformKeyPem ?? keys().platform.privateKeyPem,
      platformPublicKeyId: env.WECHATPAY_PUBLIC_KEY_ID || keys().platform.publicKeyId,
      // A given key without a certificate gets a self-signed one (the sandbox derives it).
      platformCertificatePem: platformKeyPem ? (platformCertPem ?? undefined) : keys().platform.certificatePem,
      signatureMode: mode,
    },
    sources: { apiV3Key: apiV3Key ? 'environment' : 'generated', merchant: merchant ? 'environment' : 'generated', platform: platformKeyPem ? 'environment' : 'generated' },
  };
}
