import { X509Certificate, createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { randomAlphanumeric, randomDigits } from './sandbox-crypto.js';
import { selfSignedCertificatePem } from './x509-self-signed.js';

/** Everything both sides need for a laptop journey with no merchant account. Test keys only. */
export interface SandboxKeys {
  apiV3Key: string;
  merchant: { privateKeyPem: string; publicKeyPem: string; certificatePem: string; serial: string };
  platform: { privateKeyPem: string; publicKeyPem: string; publicKeyId: string; certificatePem: string; certificateSerial: string };
}

export const SANDBOX_KEYS_FILE = 'wechatpay-keys.json';

function newKeyPair(): { privateKeyPem: string; publicKeyPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }) as string,
  };
}

export function generateSandboxKeys(): SandboxKeys {
  const merchant = newKeyPair();
  const merchantCert = selfSignedCertificatePem(merchant.privateKeyPem, '知付沙箱商户 API 证书', 'Zhifu Sandbox Merchant');
  const platform = newKeyPair();
  const platformCert = selfSignedCertificatePem(platform.privateKeyPem, '微信支付沙箱平台证书');
  return {
    apiV3Key: randomAlphanumeric(32),
    merchant: { ...merchant, certificatePem: merchantCert, serial: new X509Certificate(merchantCert).serialNumber },
    platform: {
      ...platform,
      publicKeyId: `PUB_KEY_ID_${randomDigits(30)}`,
      certificatePem: platformCert,
      certificateSerial: new X509Certificate(platformCert).serialNumber,
    },
  };
}

function check(keys: SandboxKeys, file: string): SandboxKeys {
  const problem = (m: string) => new Error(`${file}: ${m}; delete the file to generate new sandbox keys`);
  if (Buffer.byteLength(keys.apiV3Key ?? '', 'utf8') !== 32) throw problem('apiV3Key must be 32 bytes');
  for (const [label, pair] of [['merchant', keys.merchant], ['platform', keys.platform]] as const) {
    const fromPrivate = createPublicKey(createPrivateKey(pair.privateKeyPem)).export({ type: 'spki', format: 'pem' });
    if (fromPrivate !== createPublicKey(pair.publicKeyPem).export({ type: 'spki', format: 'pem' })) throw problem(`${label} key pair does not match`);
  }
  if (!/^PUB_KEY_ID_\d+$/.test(keys.platform.publicKeyId)) throw problem('platform.publicKeyId must look like PUB_KEY_ID_0123…');
  return keys;
}

/**
 * Reads `<dir>/wechatpay-keys.json`, creating it once when missing. Creation is atomic (write a temp
 * file, hard-link it into place), so processes starting together end up with the same keys.
 */
export function loadOrCreateSandboxKeys(dir: string): SandboxKeys {
  const file = path.join(dir, SANDBOX_KEYS_FILE);
  if (!existsSync(file)) {
    mkdirSync(dir, { recursive: true });
    const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
    writeFileSync(tmp, JSON.stringify(generateSandboxKeys(), null, 2), { mode: 0o600 });
    try {
      linkSync(tmp, file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    } finally {
      rmSync(tmp, { force: true });
    }
  }
  return check(JSON.parse(readFileSync(file, 'utf8')) as SandboxKeys, file);
}
