import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ConfigError, loadConfig, type Config } from '../config/config.js';
import { readEnvironment } from '../config/environment.js';
import { openDatabase } from '../platform/db/index.js';
import { BackupError, type BackupSummary } from '../platform/db/backup.js';

/** What db:backup and db:restore share: flags, the database config, and one way to end. */
export async function runBackupCommand(opts: {
  help: string;
  options: NonNullable<ParseArgsConfig['options']>;
  task: (flags: Record<string, string | boolean | undefined>, config: Config) => Promise<BackupSummary>;
  done: (s: BackupSummary) => string;
}): Promise<void> {
  let flags: Record<string, string | boolean | undefined>;
  try {
    flags = parseArgs({ options: { ...opts.options, help: { type: 'boolean', short: 'h' } }, strict: true }).values as typeof flags;
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n\n${opts.help}`);
    process.exitCode = 2;
    return;
  }
  if (flags.help) {
    process.stdout.write(opts.help);
    return;
  }
  let config: Config;
  try {
    config = loadConfig(readEnvironment());
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${err.message}\n`);
    process.exitCode = 2;
    return;
  }
  try {
    const summary = await opts.task(flags, config);
    process.stdout.write(`${summary.file}\n`);
    process.stderr.write(`${opts.done(summary)}\n`);
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = err instanceof BackupError ? 2 : 1;
  }
}

/** How many tables the configured database holds now (0 for a SQLite file not created yet). */
export async function countTables(config: Config): Promise<number> {
  const db = openDatabase(config.database);
  try {
    if (config.database.client === 'sqlite') {
      const rows = (await db.raw("select count(*) as n from sqlite_master where type = 'table' and name not like 'sqlite_%'")) as { n: number }[];
      return Number(rows[0]?.n ?? 0);
    }
    const [rows] = (await db.raw('select count(*) as n from information_schema.tables where table_schema = database()')) as [{ n: number }[]];
    return Number(rows[0]?.n ?? 0);
  } finally {
    await db.destroy();
  }
}

export const describeSummary = (s: BackupSummary) => `${s.tables} 张表${s.rows === null ? '' : `，${s.rows} 行`}，${(s.bytes / 1024).toFixed(0)} KB`;
