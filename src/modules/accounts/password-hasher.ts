import { argon2id, hash, needsRehash, verify } from 'argon2';

export interface Argon2Params {
  memoryCost: number;
  timeCost: number;
  parallelism: number;
}

/**
 * argon2id with the configured cost. A hash made with older parameters still verifies and is reported
 * as needing a rehash, so raising the cost upgrades each account at its next login.
 */
export function createPasswordHasher(params: Argon2Params) {
  const options = { type: argon2id, ...params } as const;
  // Verifying against this for unknown usernames makes their login take as long as a wrong password.
  const decoy = hash('decoy password that no account has', options);

  return {
    hash(password: string): Promise<string> {
      return hash(password, options);
    },

    async verify(hash: string | null, password: string): Promise<{ ok: boolean; needsRehash: boolean }> {
      const target = hash ?? (await decoy);
      let ok: boolean;
      try {
        ok = await verify(target, password);
      } catch {
        ok = false; // a malformed stored hash is a failed login, not a crash
      }
      if (!ok || hash === null) return { ok: false, needsRehash: false };
      return { ok: true, needsRehash: needsRehash(hash, options) };
    },
  };
}

export type PasswordHasher = ReturnType<typeof createPasswordHasher>;
