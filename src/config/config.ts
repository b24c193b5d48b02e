import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { PROJECT_ROOT } from './environment.js';
import { parseOfficialAccountConfig, type OfficialAccountConfig } from './wechat-config.js';
import { parseWechatPayConfig, type WechatPayConfig } from './wechatpay-config.js';
import { RecommendationsEnv, recommendationsConfig, type RecommendationsConfig } from './recommendations-config.js';

/** A SESSION_SECRET that may appear in docs or examples; production refuses to start with it. */
export const DEVELOPMENT_SESSION_SECRET = 'dev-only-session-secret-change-me-0123456789';
export const EMBEDDED_DATABASE_FILE = 'data/zhifu.db';

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const flag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', ''])
  .optional()
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const positiveInt = (fallback: number) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === '') return fallback;
      if (!/^\d+$/.test(v) || Number(v) < 1) {
        ctx.addIssue({ code: 'custom', message: `must be a positive whole number, got "${v}"` });
        return z.NEVER;
      }
      return Number(v);
    });

const EnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  HOST: z.string().default('127.0.0.1'),
  PORT: z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === '') return 3000;
      const n = Number(v);
      if (!/^\d+$/.test(v) || n > 65535) {
        ctx.addIssue({ code: 'custom', message: `must be a port number 0-65535, got "${v}"` });
        return z.NEVER;
      }
      return n;
    }),
  PUBLIC_URL: z.url({ message: 'must be an absolute URL such as https://example.com' }).optional(),
  DATABASE_URL: z.string().optional(),
  DATABASE_POOL_MAX: positiveInt(10),
  ALLOW_SQLITE_IN_PRODUCTION: flag,
  WECHATPAY_SANDBOX_IN_PRODUCTION: flag,
  WECHAT_SANDBOX_IN_PRODUCTION: flag,
  SEED_DEMO_DATA: z.enum(['auto', 'always', 'never']).default('auto'),
  UPLOAD_DIR: z.string().default('data/uploads'),
  WEB_CONCURRENCY: positiveInt(os.availableParallelism()),
  REDIS_URL: z
    .string()
    .optional()
    .refine((v) => v === undefined || v === '' || /^rediss?:\/\/[^\s]+$/.test(v), 'must be a redis:// or rediss:// URL, such as redis://127.0.0.1:6379'),
  REDIS_KEY_PREFIX: z.string().regex(/^[\w:.-]{1,32}$/, 'must be 1-32 letters, digits or : . _ -').default('zhifu:'),
  CATALOG_CACHE_SECONDS: z.string().regex(/^\d{1,4}$/, 'must be a whole number of seconds').default('5').transform(Number),
  SESSION_SECRET: z.string().optional(),
  SESSION_MAX_AGE_HOURS: positiveInt(24 * 14),
  TRUST_PROXY: z.string().default(''),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional(),
  ARGON2_MEMORY_KIB: positiveInt(19456),
  ARGON2_ITERATIONS: positiveInt(2),
  ARGON2_PARALLELISM: positiveInt(1),
  LOGIN_RATE_LIMIT: positiveInt(10),
  REGISTER_RATE_LIMIT: positiveInt(5),
  RATE_LIMIT_WINDOW_MINUTES: positiveInt(15),
  COMMENT_RATE_LIMIT: positiveInt(20),
  REPORT_RATE_LIMIT: positiveInt(10),
  MODERATION_KEYWORDS_FILE: z.string().optional(),
  ANALYTICS_BATCH_SIZE: positiveInt(200),
  ANALYTICS_FLUSH_MS: positiveInt(1000),
  ANALYTICS_BUFFER_MAX: positiveInt(10_000),
  ANALYTICS_RETENTION_DAYS: positiveInt(180),
}).extend(RecommendationsEnv.shape);

export type DatabaseConfig =
  | { client: 'sqlite'; filename: string; embedded: boolean }
  | { client: 'mysql'; url: string; poolMax: number };

export interface Config {
  env: 'development' | 'production' | 'test';
  isProduction: boolean;
  host: string;
  port: number;
  publicUrl: string | undefined;
  database: DatabaseConfig;
  seedDemoData: boolean;
  uploadDir: string;
  catalogCacheMs: number;
  /** Worker processes `npm run start:cluster` runs. */
  webConcurrency: number;
  /** Shared rate limits and instant cache invalidation across processes; the database does both without it. */
  redis: { url: string; keyPrefix: string } | null;
  wechatPay: WechatPayConfig;
  officialAccount: OfficialAccountConfig;
  session: { secret: string; maxAgeMs: number };
  trustProxy: boolean | number | string;
  logLevel: string;
  argon2: { memoryCost: number; timeCost: number; parallelism: number };
  rateLimits: { loginMax: number; registerMax: number; commentMax: number; reportMax: number; windowMs: number };
  /** Words that hold a comment or review for review instead of publishing it. */
  moderationKeywords: string[];
  analytics: { batchSize: number; flushMs: number; maxBuffered: number; retentionDays: number };
  recommendations: RecommendationsConfig;
}

/** `sqlite:relative/or/abs.db`, `mysql://…`, or nothing for the embedded file. */
export function parseDatabaseUrl(url: string | undefined, poolMax: number, cwd: string): DatabaseConfig | string {
  if (url === undefined || url === '') {
    return { client: 'sqlite', filename: path.resolve(cwd, EMBEDDED_DATABASE_FILE), embedded: true };
  }
  if (url.startsWith('sqlite:')) {
    const file = url.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
    if (file === '') return 'DATABASE_URL sqlite: needs a file path, such as sqlite:data/zhifu.db';
    return { client: 'sqlite', filename: file === ':memory:' ? file : path.resolve(cwd, file), embedded: false };
  }
  if (url.startsWith('mysql://')) {
    try {
      const parsed = new URL(url);
      if (parsed.pathname.length <= 1) return 'DATABASE_URL needs a database name, such as mysql://user:pass@host:3306/zhifu';
    } catch {
      return 'DATABASE_URL is not a valid mysql:// URL';
    }
    return { client: 'mysql', url, poolMax };
  }
  return 'DATABASE_URL must start with sqlite: or mysql://';
}

function parseTrustProxy(value: string): boolean | number | string {
  if (value === '' || value === 'false') return false;
  if (value === 'true') return true;
  if (/^\d+$/.test(value)) return Number(value);
  return value; // an address list or a preset such as "loopback", as Express understands it
}

/** Reads `NAME_FILE` (a path, as Docker and Kubernetes secrets provide) when `NAME` is not set. */
function withFileSecrets(env: Record<string, string | undefined>, names: string[], problems: string[]) {
  const out = { ...env };
  for (const name of names) {
    const file = env[`${name}_FILE`];
    if (out[name] === undefined && file) {
      try {
        out[name] = readFileSync(file, 'utf8').trim();
      } catch {
        problems.push(`${name}_FILE: cannot read ${file}`);
      }
    }
  }
  return out;
}

/** The keyword list shipped with the app; MODERATION_KEYWORDS_FILE replaces it. */
export const DEFAULT_MODERATION_KEYWORDS_FILE = path.join(PROJECT_ROOT, 'src/config/moderation-keywords.txt');

/** One keyword per line; blank lines and lines starting with # are skipped. */
function readKeywordList(file: string, problems: string[]): string[] {
  try {
    return readFileSync(file, 'utf8')
      .split(/\r?\n/)
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('#'));
  } catch {
    problems.push(`MODERATION_KEYWORDS_FILE: cannot read ${file}`);
    return [];
  }
}

/** Parses the environment once at boot; every problem is reported, one line each. */
export function loadConfig(rawEnv: Record<string, string | undefined>, cwd = process.cwd()): Readonly<Config> {
  const problems: string[] = [];
  const env = withFileSecrets(rawEnv, ['SESSION_SECRET', 'DATABASE_URL', 'WECHATPAY_APIV3_KEY', 'WECHAT_APPSECRET', 'WECHAT_ENCODING_AES_KEY'], problems);
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.push(`${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(problems);
  }
  const e = parsed.data;
  const isProduction = e.NODE_ENV === 'production';

  const database = parseDatabaseUrl(e.DATABASE_URL, e.DATABASE_POOL_MAX, cwd);
  if (typeof database === 'string') problems.push(database);

  let secret = e.SESSION_SECRET ?? '';
  if (isProduction) {
    if (secret === '') problems.push('SESSION_SECRET: required in production (at least 32 random characters)');
    else if (secret === DEVELOPMENT_SESSION_SECRET) problems.push('SESSION_SECRET: still the development default; generate a new one');
    else if (secret.length < 32) problems.push('SESSION_SECRET: must be at least 32 characters in production');
    if (typeof database !== 'string' && database.client === 'sqlite' && !e.ALLOW_SQLITE_IN_PRODUCTION) {
      problems.push('DATABASE_URL: production needs mysql://… (set ALLOW_SQLITE_IN_PRODUCTION=true to run one process on SQLite)');
    }
  } else if (secret === '') {
    secret = DEVELOPMENT_SESSION_SECRET;
  }
  const wechatPay = parseWechatPayConfig(env, cwd, problems);
  const officialAccount = parseOfficialAccountConfig(env, problems);
  if (isProduction && wechatPay.mode === 'sandbox' && !e.WECHATPAY_SANDBOX_IN_PRODUCTION) {
    problems.push('WECHATPAY_MCHID…: production needs real WeChat Pay merchant settings (set WECHATPAY_SANDBOX_IN_PRODUCTION=true for a demo site)');
  }
  // The Official Account sandbox lets anyone pick a test WeChat user and log in as its account.
  if (isProduction && officialAccount.mode === 'sandbox' && !e.WECHAT_SANDBOX_IN_PRODUCTION) {
    problems.push('WECHAT_APPSECRET…: production needs the real Official Account (WECHAT_APPID, WECHAT_APPSECRET, WECHAT_TOKEN), or WECHAT_SANDBOX_IN_PRODUCTION=true for a demo site');
  }
  const moderationKeywords = readKeywordList(e.MODERATION_KEYWORDS_FILE ? path.resolve(cwd, e.MODERATION_KEYWORDS_FILE) : DEFAULT_MODERATION_KEYWORDS_FILE, problems);
  if (problems.length > 0 || typeof database === 'string') throw new ConfigError(problems);

  return Object.freeze({
    env: e.NODE_ENV,
    isProduction,
    host: e.HOST,
    port: e.PORT,
    publicUrl: e.PUBLIC_URL?.replace(/\/$/, ''),
    database,
    seedDemoData: e.SEED_DEMO_DATA === 'always' || (e.SEED_DEMO_DATA === 'auto' && database.client === 'sqlite' && database.embedded),
    uploadDir: path.resolve(cwd, e.UPLOAD_DIR),
    catalogCacheMs: e.CATALOG_CACHE_SECONDS * 1000,
    webConcurrency: e.WEB_CONCURRENCY,
    redis: e.REDIS_URL ? { url: e.REDIS_URL, keyPrefix: e.REDIS_KEY_PREFIX } : null,
    wechatPay,
    officialAccount,
    session: { secret, maxAgeMs: e.SESSION_MAX_AGE_HOURS * 3600_000 },
    trustProxy: parseTrustProxy(e.TRUST_PROXY),
    moderationKeywords,
    analytics: { batchSize: e.ANALYTICS_BATCH_SIZE, flushMs: e.ANALYTICS_FLUSH_MS, maxBuffered: e.ANALYTICS_BUFFER_MAX, retentionDays: e.ANALYTICS_RETENTION_DAYS },
    recommendations: recommendationsConfig(e),
    logLevel: e.LOG_LEVEL ?? (e.NODE_ENV === 'test' ? 'silent' : 'info'),
    argon2: { memoryCost: e.ARGON2_MEMORY_KIB, timeCost: e.ARGON2_ITERATIONS, parallelism: e.ARGON2_PARALLELISM },
    rateLimits: {
      loginMax: e.LOGIN_RATE_LIMIT,
      registerMax: e.REGISTER_RATE_LIMIT,
      commentMax: e.COMMENT_RATE_LIMIT,
      reportMax: e.REPORT_RATE_LIMIT,
      windowMs: e.RATE_LIMIT_WINDOW_MINUTES * 60_000,
    },
  });
}
