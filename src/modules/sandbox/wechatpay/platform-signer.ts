import { createPrivateKey, generateKeyPairSync, X509Certificate, type KeyObject } from 'node:crypto';
import { selfSignedCertificatePem } from './x509-self-signed.js';

export interface PlatformCertificate {
  serial: string;
  pem: string;
  key: KeyObject;
}

/**
 * The key the sandbox signs with, as WeChat Pay holds it. In public-key mode that is the one
 * PUB_KEY_ID key. In certificate mode WeChat rotates its platform certificate: the new one is listed
 * by /v3/certificates at once, while answers and notifications stay signed with the old one until the
 * overlap ends, so merchants that refresh their list in time never see an unknown serial. The
 * rotation lives in this process (a simulator's test control), not in the sandbox's tables.
 */
export function createPlatformSigner(o: { privateKeyPem: string; certificatePem: string; publicKeyId: string; mode: 'public-key' | 'certificate'; now: () => Date }) {
  const first: PlatformCertificate = { serial: new X509Certificate(o.certificatePem).serialNumber, pem: o.certificatePem, key: createPrivateKey(o.privateKeyPem) };
  const certificates: PlatformCertificate[] = [first];
  let active = first;
  let next: { certificate: PlatformCertificate; from: number } | null = null;

  function current(): PlatformCertificate {
    if (next && o.now().getTime() >= next.from) {
      active = next.certificate;
      next = null;
    }
    return active;
  }

  return {
    /** The private key and the Wechatpay-Serial of what is signed now. */
    current(): { key: KeyObject; serial: string } {
      const c = current();
      return o.mode === 'certificate' ? { key: c.key, serial: c.serial } : { key: first.key, serial: o.publicKeyId };
    },
    /** What /v3/certificates lists: every certificate still in use or about to be. */
    certificates(): PlatformCertificate[] {
      current();
      return [...certificates];
    },
    /** A new platform certificate, listed now and signing after `overlapMs`. */
    rotate(overlapMs: number): PlatformCertificate {
      const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
      const certificatePem = selfSignedCertificatePem(pem, `微信支付沙箱平台证书 ${certificates.length + 1}`);
      const c: PlatformCertificate = { serial: new X509Certificate(certificatePem).serialNumber, pem: certificatePem, key: privateKey };
      certificates.push(c);
      next = { certificate: c, from: o.now().getTime() + Math.max(0, overlapMs) };
      return c;
    },
  };
}

export type PlatformSigner = ReturnType<typeof createPlatformSigner>;
