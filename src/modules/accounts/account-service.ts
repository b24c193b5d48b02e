import type { Knex } from 'knex';
import type { Clock } from '../../platform/clock.js';
import { ConflictError, ForbiddenError, ValidationError } from '../../platform/errors.js';
import type { Logger } from '../../platform/logger.js';
import type { PasswordHasher } from './password-hasher.js';
import { cleanNickname } from './account-schemas.js';
import type { RegisterForm } from './account-schemas.js';
import type { CurrentUser, PublicProfile, Role, User } from './user.js';
import { createUserRepository } from './user-repository.js';

export function createAccountService(deps: { db: Knex; clock: Clock; log: Logger; hasher: PasswordHasher }) {
  const users = createUserRepository();
  const usernameTaken = () => new ConflictError('USERNAME_TAKEN', '这个用户名已被注册');

  return {
    async register(form: RegisterForm): Promise<User> {
      // Checked first so a taken name costs no hashing; the unique key still decides a race.
      if (await users.usernameTaken(deps.db, form.username)) throw usernameTaken();
      const passwordHash = await deps.hasher.hash(form.password);
      const id = await users.insert(deps.db, {
        username: form.username,
        passwordHash,
        nickname: form.nickname || form.username,
        role: 'learner',
        now: deps.clock.now(),
      });
      if (id === null) throw usernameTaken();
      deps.log.info({ event: 'accounts.registered', userId: id }, 'account registered');
      return (await users.findById(deps.db, id))!;
    },

    /** The same answer, and about the same time, whether the username is unknown or the password wrong. */
    async authenticate(username: string, password: string): Promise<User | null> {
      const found = await users.findCredentials(deps.db, username);
      const { ok, needsRehash } = await deps.hasher.verify(found?.passwordHash ?? null, password);
      if (!found || !ok) {
        deps.log.info({ event: 'accounts.login_failed' }, 'login failed');
        return null;
      }
      if (needsRehash) {
        await users.updatePasswordHash(deps.db, found.user.id, await deps.hasher.hash(password), deps.clock.now());
        deps.log.info({ event: 'accounts.password_rehashed', userId: found.user.id }, 'password hash upgraded');
      }
      return found.user;
    },

    /**
     * WeChat sign-in: the account bound to this openid; or, for a logged-in account without one, bind
     * it; or a new learner named after the WeChat nickname. Never two accounts on one openid.
     */
    async signInWithWechat(
      w: { openid: string; unionid: string | null; nickname: string | null; avatarUrl: string | null },
      loggedInUserId: number | null,
      opts: { refuseAdmins?: boolean } = {},
    ): Promise<{ user: User; created: boolean; bound: boolean }> {
      const now = deps.clock.now();
      const existing = await users.findByOpenid(deps.db, w.openid);
      // The Official Account sandbox lets anyone be any test WeChat user, so a WeChat identity must
      // never open or join an admin account there.
      if (opts.refuseAdmins) {
        const me = loggedInUserId === null ? null : await users.findById(deps.db, loggedInUserId);
        if (existing?.role === 'admin' || me?.role === 'admin') throw new ForbiddenError('ADMIN_WECHAT_DISABLED', '沙箱模式下，管理员账号不能使用微信登录或绑定微信，请使用用户名和密码登录');
      }
      if (existing) {
        if (loggedInUserId !== null && existing.id !== loggedInUserId) throw new ConflictError('OPENID_TAKEN', '这个微信已绑定另一个知付账号');
        return { user: existing, created: false, bound: false };
      }
      if (loggedInUserId !== null) {
        if (!(await users.bindOpenid(deps.db, loggedInUserId, w.openid, w.unionid, now))) throw new ConflictError('BIND_FAILED', '当前账号已绑定其他微信，请先解绑');
        deps.log.info({ event: 'accounts.wechat_bound', userId: loggedInUserId }, 'WeChat bound');
        return { user: (await users.findById(deps.db, loggedInUserId))!, created: false, bound: true };
      }
      const id = await users.insertWechatUser(deps.db, { openid: w.openid, unionid: w.unionid, nickname: [...(cleanNickname(w.nickname ?? '') || '微信用户')].slice(0, 20).join(''), avatarUrl: w.avatarUrl, now });
      // A parallel callback for the same openid won the race: use its account.
      const user = id === null ? await users.findByOpenid(deps.db, w.openid) : await users.findById(deps.db, id);
      if (!user) throw new ConflictError('OPENID_TAKEN', '微信登录失败，请重试');
      if (id !== null) deps.log.info({ event: 'accounts.registered', userId: id, via: 'wechat' }, 'account created through WeChat');
      return { user, created: id !== null, bound: false };
    },

    /** Unbinding would lock out an account that has no password; it must set one first. */
    async unbindWechat(userId: number): Promise<void> {
      if (!(await users.hasPassword(deps.db, userId))) throw new ConflictError('NEEDS_PASSWORD', '请先设置用户名和密码，再解绑微信，否则将无法登录');
      await users.unbindOpenid(deps.db, userId, deps.clock.now());
    },

    /** Whether `password` is this account's password (what erasing the account asks for). */
    async confirmPassword(userId: number, password: string): Promise<boolean> {
      const hash = await users.passwordHashOf(deps.db, userId);
      return hash !== null && (await deps.hasher.verify(hash, password)).ok;
    },

    async hasPassword(userId: number): Promise<boolean> {
      return users.hasPassword(deps.db, userId);
    },

    /** For accounts created through WeChat: a username and password to log in on a desktop. */
    async setCredentials(userId: number, form: RegisterForm): Promise<void> {
      if (await users.usernameTaken(deps.db, form.username)) throw usernameTaken();
      const outcome = await users.setCredentials(deps.db, userId, form.username, await deps.hasher.hash(form.password), deps.clock.now());
      if (outcome === 'taken') throw usernameTaken();
      if (outcome === 'has-password') throw new ConflictError('HAS_PASSWORD', '这个账号已经设置过用户名和密码');
    },

    /** For admins: learners by username, nickname or openid (at most `limit`, oldest first). */
    async searchUsers(text: string, limit = 20): Promise<User[]> {
      const t = text.trim();
      return t === '' ? [] : users.search(deps.db, t.slice(0, 64), limit);
    },

    async changeNickname(userId: number, nickname: string): Promise<void> {
      await users.setNickname(deps.db, userId, nickname, deps.clock.now());
    },

    /** Needs the current password; the caller ends the account's other sessions. */
    async changePassword(userId: number, current: string, next: string): Promise<void> {
      const { ok } = await deps.hasher.verify(await users.passwordHashOf(deps.db, userId), current);
      if (!ok) throw new ValidationError('WRONG_PASSWORD', '当前密码不正确');
      const user = await users.findById(deps.db, userId);
      if (user?.username && next.toLowerCase().includes(user.username)) throw new ValidationError('PASSWORD_HAS_USERNAME', '密码不能包含用户名');
      await users.updatePasswordHash(deps.db, userId, await deps.hasher.hash(next), deps.clock.now());
      deps.log.info({ event: 'accounts.password_changed', userId }, 'password changed');
    },

    async findById(id: number): Promise<User | null> {
      return users.findById(deps.db, id);
    },

    /** What others may see of these users (a comment's author): nickname and whether they are the creator. */
    async publicProfiles(ids: number[]): Promise<Map<number, PublicProfile>> {
      const found = await users.findByIds(deps.db, ids);
      return new Map(found.map((u) => [u.id, { id: u.id, nickname: u.nickname, isCreator: u.role === 'admin' }]));
    },

    /** The account a WeChat follower logged in with, if any (an Official Account message names only the openid). */
    async findByOpenid(openid: string): Promise<User | null> {
      return users.findByOpenid(deps.db, openid);
    },

    async findByUsername(username: string): Promise<User | null> {
      return (await users.findCredentials(deps.db, username.trim().toLowerCase()))?.user ?? null;
    },

    async currentUser(id: number): Promise<CurrentUser | null> {
      const u = await users.findById(deps.db, id);
      return u ? { id: u.id, username: u.username, nickname: u.nickname, role: u.role, isAdmin: u.role === 'admin', wechatOpenid: u.wechatOpenid } : null;
    },

    /** For admin:create: whether the account exists (its password is then left alone unless asked). */
    async userExists(username: string): Promise<boolean> {
      return (await users.findCredentials(deps.db, username)) !== null;
    },

    /**
     * For the admin:create command: creates the account with `password`, or promotes an existing one.
     * An existing account's password changes only when a new one is given (--reset-password).
     */
    async createOrPromoteAdmin(username: string, password: string | null): Promise<{ user: User; created: boolean; passwordReset: boolean }> {
      const now = deps.clock.now();
      const existing = await users.findCredentials(deps.db, username);
      if (existing) {
        if (password !== null) await users.updatePasswordHash(deps.db, existing.user.id, await deps.hasher.hash(password), now);
        await users.setRole(deps.db, existing.user.id, 'admin' satisfies Role, now);
        return { user: (await users.findById(deps.db, existing.user.id))!, created: false, passwordReset: password !== null };
      }
      if (password === null) throw new ValidationError('PASSWORD_REQUIRED', 'a new admin account needs a password');
      const id = await users.insert(deps.db, { username, passwordHash: await deps.hasher.hash(password), nickname: username, role: 'admin', now });
      if (id === null) throw usernameTaken();
      return { user: (await users.findById(deps.db, id))!, created: true, passwordReset: false };
    },
  };
}

export type AccountService = ReturnType<typeof createAccountService>;
