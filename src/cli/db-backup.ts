/**
 * `npm run db:backup [-- --out FILE]`: a consistent copy of the database while the app keeps running
 * (SQLite's online backup API, or mysqldump --single-transaction for MySQL/MariaDB). stdout is exactly
 * the backup's path, so `F=$(npm run -s db:backup)` works; what was written goes to stderr.
 * Exits 0 when written, 2 on a bad flag or a missing database, 1 when the copy fails.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { backupDatabase } from '../platform/db/backup.js';
import { describeSummary, runBackupCommand } from './db-backup-cli.js';

const HELP = `用法：npm run db:backup [-- --out 文件]

在应用运行时备份数据库（DATABASE_URL 指定的库，默认 data/zhifu.db）：
  SQLite：用 SQLite 的在线备份接口复制出一个完整的 .db 文件；
  MySQL/MariaDB：用 mysqldump --single-transaction 导出一个 .sql 文件（需要安装 mysqldump）。
备份先写到「文件.partial」，检查完整后才改名，中断的备份不会留下看似完整的文件。
stdout 只输出备份文件的路径；说明写到 stderr。

  --out 文件    备份写到这里；默认 backups/zhifu-<UTC 时间>.db 或 .sql
  -h, --help    显示本说明

退出码：0 已备份；2 选项有误或数据库不存在；1 备份失败。
恢复：npm run db:restore -- --from 文件 --yes
`;

const stamp = (d: Date) => d.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');

await runBackupCommand({
  help: HELP,
  options: { out: { type: 'string' } },
  task: (flags, config) => {
    const ext = config.database.client === 'sqlite' ? 'db' : 'sql';
    const out = path.resolve(typeof flags.out === 'string' ? flags.out : path.join('backups', `zhifu-${stamp(new Date())}.${ext}`));
    mkdirSync(path.dirname(out), { recursive: true });
    return backupDatabase(config.database, out);
  },
  done: (s) => `已备份：${describeSummary(s)}`,
});
