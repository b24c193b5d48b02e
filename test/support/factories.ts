import type { Knex } from 'knex';
import { createPasswordHasher } from '../../src/modules/accounts/index.js';

const hasher = createPasswordHasher({ memoryCost: 19456, timeCost: 2, parallelism: 1 });
let seq = 0;

export async function createUser(
  db: Knex,
  u: { username?: string; password?: string; role?: 'learner' | 'admin'; passwordHash?: string } = {},
): Promise<{ id: number; username: string; password: string }> {
  const username = u.username ?? `user${++seq}${Date.now() % 100000}`;
  const password = u.password ?? 'correct horse battery';
  const now = new Date();
  const [id] = await db('users').insert({
    username,
    password_hash: u.passwordHash ?? (await hasher.hash(password)),
    nickname: username,
    role: u.role ?? 'learner',
    created_at: now,
    updated_at: now,
  });
  return { id: Number(id), username, password };
}

export async function createCourse(
  db: Knex,
  c: { slug?: string; title?: string; priceFen?: number; category?: string; status?: 'draft' | 'published'; publishedAt?: Date } = {},
): Promise<{ id: number; slug: string; title: string }> {
  const n = ++seq;
  const slug = c.slug ?? `course-${n}`;
  const title = c.title ?? `测试课程 ${n}`;
  const now = new Date();
  const status = c.status ?? 'published';
  const [id] = await db('courses').insert({
    slug,
    title,
    summary: `${title}的简介`,
    description: `${title}的详细介绍`,
    price_fen: c.priceFen ?? 9900,
    category: c.category ?? 'backend',
    tags: 'node.js,测试',
    difficulty: 2,
    cover_url: null,
    status,
    published_at: status === 'published' ? (c.publishedAt ?? new Date(now.getTime() + n)) : null,
    created_at: now,
    updated_at: now,
  });
  return { id: Number(id), slug, title };
}
