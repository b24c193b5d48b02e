import type { Knex } from 'knex';
import { isDuplicateKey, toDate } from '../../platform/db/index.js';
import type { Role, User } from './user.js';

type UserRow = {
  id: number;
  username: string | null;
  password_hash: string | null;
  nickname: string;
  role: Role;
  wechat_openid: string | null;
  created_at: unknown;
};

function toUser(row: UserRow): User {
  return {
    id: Number(row.id),
    username: row.username,
    nickname: row.nickname,
    role: row.role,
    wechatOpenid: row.wechat_openid,
    createdAt: toDate(row.created_at),
  };
}

/** The new user's id, or null when a unique key (username, openid) was taken in the meantime. */
async function insertUser(db: Knex, row: Record<string, unknown>): Promise<number | null> {
  try {
    const [id] = await db('users').insert(row);
    return Number(id);
  } catch (err) {
    if (isDuplicateKey(err)) return null;
    throw err;
  }
}

export function createUserRepository() {
  return {
    async findById(db: Knex, id: number): Promise<User | null> {
      const row = await db<UserRow>('users').where({ id }).first();
      return row ? toUser(row) : null;
    },

    async findByIds(db: Knex, ids: number[]): Promise<User[]> {
      if (ids.length === 0) return [];
      return (await db<UserRow>('users').whereIn('id', [...new Set(ids)])).map(toUser);
    },

    async findCredentials(db: Knex, username: string): Promise<{ user: User; passwordHash: string | null } | null> {
      const row = await db<UserRow>('users').where({ username }).first();
      return row ? { user: toUser(row), passwordHash: row.password_hash } : null;
    },

    async usernameTaken(db: Knex, username: string): Promise<boolean> {
      return (await db('users').where({ username }).first('id')) !== undefined;
    },

    /** Returns null when the username was taken in the meantime (the unique key decides races). */
    async insert(
      db: Knex,
      u: { username: string; passwordHash: string; nickname: string; role: Role; now: Date },
    ): Promise<number | null> {
      return insertUser(db, { username: u.username, password_hash: u.passwordHash, nickname: u.nickname, role: u.role, created_at: u.now, updated_at: u.now });
    },

    async findByOpenid(db: Knex, openid: string): Promise<User | null> {
      const row = await db<UserRow>('users').where({ wechat_openid: openid }).first();
      return row ? toUser(row) : null;
    },

    async insertWechatUser(db: Knex, u: { openid: string; unionid: string | null; nickname: string; avatarUrl: string | null; now: Date }): Promise<number | null> {
      return insertUser(db, {
        username: null,
        password_hash: null,
        nickname: u.nickname,
        role: 'learner',
        wechat_openid: u.openid,
        wechat_unionid: u.unionid,
        avatar_url: u.avatarUrl,
        created_at: u.now,
        updated_at: u.now,
      });
    },

    /** Binds only an account without an openid; false when it already has one or the openid is taken. */
    async bindOpenid(db: Knex, id: number, openid: string, unionid: string | null, now: Date): Promise<boolean> {
      try {
        const n = await db('users').where({ id }).whereNull('wechat_openid').update({ wechat_openid: openid, wechat_unionid: unionid, updated_at: now });
        return n > 0;
      } catch (err) {
        if (isDuplicateKey(err)) return false;
        throw err;
      }
    },

    async unbindOpenid(db: Knex, id: number, now: Date): Promise<void> {
      await db('users').where({ id }).update({ wechat_openid: null, wechat_unionid: null, updated_at: now });
    },

    async hasPassword(db: Knex, id: number): Promise<boolean> {
      const row = await db('users').where({ id }).whereNotNull('password_hash').whereNotNull('username').first('id');
      return row !== undefined;
    },

    /** Only on an account without a password yet, so two racing forms cannot both set one. */
    async setCredentials(db: Knex, id: number, username: string, passwordHash: string, now: Date): Promise<'set' | 'taken' | 'has-password'> {
      try {
        const n = await db('users').where({ id }).whereNull('password_hash').update({ username, password_hash: passwordHash, updated_at: now });
        return n > 0 ? 'set' : 'has-password';
      } catch (err) {
        if (isDuplicateKey(err)) return 'taken';
        throw err;
      }
    },

    async updatePasswordHash(db: Knex, id: number, passwordHash: string, now: Date): Promise<void> {
      await db('users').where({ id }).update({ password_hash: passwordHash, updated_at: now });
    },

    /** Accounts whose username or openid is exactly `text`, or whose username or nickname contains it. */
    async search(db: Knex, text: string, limit: number): Promise<User[]> {
      // `!` escapes LIKE's wildcards the same way on MySQL and SQLite (a backslash does not).
      const like = `%${text.replace(/[!%_]/g, '!$&')}%`;
      const rows = await db<UserRow>('users')
        .where((q) =>
          q
            .where('username', text.toLowerCase())
            .orWhere('wechat_openid', text)
            .orWhereRaw("username like ? escape '!'", [like.toLowerCase()])
            .orWhereRaw("nickname like ? escape '!'", [like]),
        )
        .orderBy('id')
        .limit(limit);
      return rows.map(toUser);
    },

    async passwordHashOf(db: Knex, id: number): Promise<string | null> {
      const row = await db('users').where({ id }).first('password_hash');
      return (row?.password_hash as string | null | undefined) ?? null;
    },

    async setNickname(db: Knex, id: number, nickname: string, now: Date): Promise<void> {
      await db('users').where({ id }).update({ nickname, updated_at: now });
    },

    async setRole(db: Knex, id: number, role: Role, now: Date): Promise<void> {
      await db('users').where({ id }).update({ role, updated_at: now });
    },
  };
}
