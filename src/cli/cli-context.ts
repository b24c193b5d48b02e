import { ConfigError, loadConfig, type Config } from '../config/config.js';
import { readEnvironment } from '../config/environment.js';
import { migrateLatest, openDatabase, type Db } from '../platform/db/index.js';
import { createLogger, type Logger } from '../platform/logger.js';

/** What every command-line task needs: the validated config, a logger and a migrated database. */
export async function withCliContext(task: (ctx: { config: Config; db: Db; logger: Logger }) => Promise<void>, opts = { migrate: true }) {
  let config: Config;
  try {
    config = loadConfig(readEnvironment());
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  const logger = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel);
  const db = openDatabase(config.database);
  try {
    if (opts.migrate) await migrateLatest(db);
    await task({ config, db, logger });
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  } finally {
    await db.destroy();
  }
}
