import { pino, type Logger } from 'pino';

export type { Logger };

/** Never log passwords, session ids, cookies or keys, wherever they hide in a logged object. */
const REDACT = [
  'req.headers.cookie',
  'req.headers.authorization',
  'res.headers["set-cookie"]',
  'password',
  '*.password',
  'password_confirm',
  '*.password_confirm',
  'passwordHash',
  '*.passwordHash',
  'sid',
  '*.sid',
];

export function createLogger(level: string): Logger {
  return pino({
    level,
    redact: { paths: REDACT, censor: '[redacted]' },
    base: { app: 'zhifu' },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
}
