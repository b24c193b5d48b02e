import type { Knex } from 'knex';
import { toDate } from '../../platform/db/index.js';
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

export function createUserRepository() {
  return {
    async findById(db: Knex, id: number): Promise<User | null> {
      const row = await db<UserRow>('users').where({ id }).first();
      return row ? toUser(row) : null;
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
      try {
        const [id] = await db('users').insert({
          username: u.username,
          password_hash: u.passwordHash,
          nickname: u.nickname,
          role: u.role,
          created_at: u.now,
          updated_at: u.now,
        });
        return Number(id);
      } catch (err) {
        if (isUniqueViolation(err)) return null;
        throw err;
      }
    },

    async updatePasswordHash(db: Knex, id: number, passwordHash: string, now: Date): Promise<void> {
      await db('users').where({ id }).update({ password_hash: passwordHash, updated_at: now });
    },

    async setRole(db: Knex, id: number, role: Role, now: Date): Promise<void> {
      await db('users').where({ id }).update({ role, updated_at: now });
    },
  };
}

/** SQLite and MySQL report a duplicate key differently; both mean "someone else has it". */
export function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; errno?: number };
  return e?.code === 'ER_DUP_ENTRY' || e?.code === 'SQLITE_CONSTRAINT_UNIQUE' || e?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}
