import { spawn } from 'node:child_process';
import { createReadStream, createWriteStream, existsSync, mkdtempSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import Database from 'better-sqlite3';
import type { DatabaseConfig } from '../../config/config.js';

/** A refusal the person running the command can act on (wrong file, would overwrite data). */
export class BackupError extends Error {}

export interface BackupSummary {
  file: string;
  bytes: number;
  /** The tables the backup holds, and for SQLite their rows (a dump's rows are not counted). */
  tables: number;
  rows: number | null;
}

const MIGRATIONS_TABLE = 'knex_migrations';

type MysqlConfig = Extract<DatabaseConfig, { client: 'mysql' }>;

/**
 * Runs mysqldump or mysql against the configured server. The password goes in a private option
 * file, never on the command line, where any user on the machine could read it in `ps`.
 */
async function runMysqlClient(command: 'mysqldump' | 'mysql', config: MysqlConfig, extra: string[], io: { stdin?: string; stdout?: string }): Promise<void> {
  const url = new URL(config.url);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'zhifu-mysql-'));
  const optionFile = path.join(dir, 'client.cnf');
  const quote = (v: string) => `"${v.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
  writeFileSync(optionFile, `[client]\nuser=${quote(decodeURIComponent(url.username))}\npassword=${quote(decodeURIComponent(url.password))}\n`, { mode: 0o600 });
  const args = [`--defaults-extra-file=${optionFile}`, '-h', url.hostname, '-P', url.port || '3306', '--default-character-set=utf8mb4', ...extra, decodeURIComponent(url.pathname.slice(1))];
  try {
    await new Promise<void>((resolve, reject) => {
      const child = spawn(command, args, { stdio: [io.stdin ? 'pipe' : 'ignore', io.stdout ? 'pipe' : 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
      if (io.stdin) createReadStream(io.stdin).pipe(child.stdin!);
      if (io.stdout) child.stdout!.pipe(createWriteStream(io.stdout));
      child.once('error', (err: NodeJS.ErrnoException) => reject(err.code === 'ENOENT' ? new BackupError(`找不到 ${command}：请安装 MariaDB/MySQL 客户端`) : err));
      child.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`${command} 退出码 ${code}：${stderr.trim()}`))));
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Reads a dump line by line (it may be gigabytes): is it complete, how many tables, is it ours. */
async function scanDump(file: string): Promise<{ complete: boolean; tables: number; ours: boolean }> {
  let last = '';
  let tables = 0;
  let ours = false;
  for await (const line of createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity })) {
    if (line.startsWith('CREATE TABLE ')) {
      tables += 1;
      if (line.startsWith(`CREATE TABLE \`${MIGRATIONS_TABLE}\``)) ours = true;
    }
    if (line !== '') last = line;
  }
  // mysqldump writes this line last; a dump cut short by a crash or a full disk lacks it.
  return { complete: last.startsWith('-- Dump completed'), tables, ours };
}

/**
 * The copy inherits the app's write-ahead-log mode, which keeps -wal and -shm files beside it; a
 * backup is one file people can move around, so it is switched back to a rollback journal.
 */
function selfContained(file: string): void {
  const db = new Database(file);
  try {
    db.pragma('journal_mode = DELETE');
  } finally {
    db.close();
  }
}

/** Opens a SQLite file and checks that it is whole and is a 知付 database. */
function inspectSqlite(file: string): { tables: number; rows: number } {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const check = db.pragma('integrity_check', { simple: true });
    if (check !== 'ok') throw new BackupError(`${file} 已损坏：${String(check)}`);
    const tables = (db.prepare("select name from sqlite_master where type = 'table' and name not like 'sqlite_%'").all() as { name: string }[]).map((t) => t.name);
    if (!tables.includes(MIGRATIONS_TABLE)) throw new BackupError(`${file} 不是知付的数据库（没有 ${MIGRATIONS_TABLE} 表）`);
    const rows = tables.reduce((n, t) => n + (db.prepare(`select count(*) as n from "${t.replaceAll('"', '""')}"`).get() as { n: number }).n, 0);
    return { tables: tables.length, rows };
  } catch (err) {
    // A file that is not SQLite at all fails on the first read.
    if (err instanceof BackupError) throw err;
    throw new BackupError(`${file} 不是可用的 SQLite 备份：${err instanceof Error ? err.message : String(err)}`);
  } finally {
    db.close();
  }
}

/**
 * Writes a consistent copy of the database to `out` while the app keeps running: SQLite's online
 * backup API (it copies pages and restarts when a writer changes one), or mysqldump in one
 * transaction. The copy is written beside `out` and renamed into place only once it is checked, so
 * an interrupted backup never leaves a file that looks complete.
 */
export async function backupDatabase(config: DatabaseConfig, out: string): Promise<BackupSummary> {
  const partial = `${out}.partial`;
  rmSync(partial, { force: true });
  try {
    if (config.client === 'sqlite') {
      if (!existsSync(config.filename)) throw new BackupError(`数据库文件 ${config.filename} 不存在`);
      const source = new Database(config.filename, { readonly: true, fileMustExist: true });
      try {
        await source.backup(partial);
      } finally {
        source.close();
      }
      selfContained(partial);
      const { tables, rows } = inspectSqlite(partial);
      renameSync(partial, out);
      return { file: out, bytes: statSync(out).size, tables, rows };
    }
    // --single-transaction: one consistent snapshot of InnoDB tables without locking the app out.
    await runMysqlClient('mysqldump', config, ['--single-transaction', '--quick', '--hex-blob', '--routines', '--triggers', '--no-tablespaces'], { stdout: partial });
    const dump = await scanDump(partial);
    if (!dump.complete) throw new Error('mysqldump 的输出不完整');
    renameSync(partial, out);
    return { file: out, bytes: statSync(out).size, tables: dump.tables, rows: null };
  } finally {
    rmSync(partial, { force: true });
  }
}

/**
 * Replaces the database with a backup. Refuses to overwrite a database that holds tables unless
 * `overwrite` is given, and checks the backup before touching anything. Stop the app first: a
 * process still running would keep writing into the file or tables being replaced.
 */
export async function restoreDatabase(config: DatabaseConfig, from: string, opts: { overwrite: boolean; targetTables: number }): Promise<BackupSummary> {
  if (!existsSync(from)) throw new BackupError(`备份文件 ${from} 不存在`);
  if (opts.targetTables > 0 && !opts.overwrite) throw new BackupError(`目标数据库已有 ${opts.targetTables} 张表；确认要用备份覆盖它，请加 --yes`);
  if (config.client === 'sqlite') {
    const { tables, rows } = inspectSqlite(from);
    const staging = path.join(path.dirname(config.filename), `.${path.basename(config.filename)}.restoring`);
    const source = new Database(from, { readonly: true, fileMustExist: true });
    try {
      await source.backup(staging);
    } finally {
      source.close();
    }
    // The old file's write-ahead log would be replayed into the restored file: it goes with the old file.
    for (const sidecar of ['-wal', '-shm']) rmSync(config.filename + sidecar, { force: true });
    renameSync(staging, config.filename);
    return { file: config.filename, bytes: statSync(config.filename).size, tables, rows };
  }
  const dump = await scanDump(from);
  if (!dump.complete || !dump.ours) throw new BackupError(`${from} 不是完整的知付 mysqldump 备份`);
  await runMysqlClient('mysql', config, [], { stdin: from });
  return { file: from, bytes: statSync(from).size, tables: dump.tables, rows: null };
}
