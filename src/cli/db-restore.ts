/**
 * `npm run db:restore -- --from FILE [--yes]`: replaces the database with a backup made by
 * `npm run db:backup`. Stop the app first. The backup is checked before anything is touched, and a
 * database that already holds tables is replaced only with --yes. Migrations newer than the backup
 * run when the app next starts. Exits 0 when restored, 2 on a bad flag, a missing or broken backup or
 * a refusal, 1 when the restore fails.
 */
import path from 'node:path';
import { BackupError, restoreDatabase } from '../platform/db/backup.js';
import { countTables, describeSummary, runBackupCommand } from './db-backup-cli.js';

const HELP = `用法：npm run db:restore -- --from 文件 [--yes]

用 npm run db:backup 做的备份替换当前数据库（DATABASE_URL 指定的库）。请先停止应用。
恢复前先检查备份是否完整；目标库已有数据表时，必须加 --yes 才会覆盖。
比备份更新的迁移会在下次启动应用时自动执行。

  --from 文件   备份文件（SQLite 为 .db，MySQL/MariaDB 为 mysqldump 的 .sql）
  --yes         确认覆盖已有数据的数据库
  -h, --help    显示本说明

退出码：0 已恢复；2 选项有误、备份不存在或不完整、未加 --yes；1 恢复失败。
`;

await runBackupCommand({
  help: HELP,
  options: { from: { type: 'string' }, yes: { type: 'boolean' } },
  task: async (flags, config) => {
    if (typeof flags.from !== 'string' || flags.from === '') throw new BackupError(`--from 是必填项\n\n${HELP}`);
    return restoreDatabase(config.database, path.resolve(flags.from), { overwrite: flags.yes === true, targetTables: await countTables(config) });
  },
  done: (s) => `已恢复：${describeSummary(s)}`,
});
