import type { Knex } from 'knex';
import { KnexSessionStore, type RateLimiting } from '../../platform/http/index.js';

const ERASED_NICKNAME = '已注销用户';

/** What accounts holds about a learner, and its erasure (the row stays, anonymous, for orders to point at). */
export function createAccountPrivacy(deps: { rateLimits: Pick<RateLimiting, 'forget' | 'forgetShared'> }) {
  return {
    async personalData(db: Knex, userId: number) {
      const u = await db('users').where({ id: userId }).first('id', 'username', 'nickname', 'role', 'wechat_openid', 'wechat_unionid', 'avatar_url', 'created_at', 'updated_at', 'password_hash');
      if (!u) return null;
      const { password_hash: hash, wechat_openid: openid, wechat_unionid: unionid, avatar_url: avatar, ...profile } = u as Record<string, unknown>;
      return { profile: { ...profile, hasPassword: hash !== null }, wechat: { openid, unionid, avatarUrl: avatar } };
    },

    /**
     * Removes the person: name, password, WeChat binding and avatar go; the row stays as 已注销用户 so
     * orders and comments keep a (now anonymous) author. Sessions end, and the login counters that
     * carry the username are dropped; `afterCommit` drops the ones Redis holds.
     */
    async erase(trx: Knex, userId: number, now: Date): Promise<{ afterCommit(): Promise<void> }> {
      const u = await trx('users').where({ id: userId }).first('username');
      await trx('users').where({ id: userId }).update({ username: null, password_hash: null, nickname: ERASED_NICKNAME, wechat_openid: null, wechat_unionid: null, avatar_url: null, role: 'learner', erased_at: now, updated_at: now });
      await KnexSessionStore.endAllOf(trx, userId);
      const username = u?.username ? String(u.username) : null;
      if (username) await deps.rateLimits.forget(trx, username);
      return { afterCommit: async () => (username ? deps.rateLimits.forgetShared(username) : undefined) };
    },
  };
}
