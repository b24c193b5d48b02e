export { openDatabase, knexConfig, isSqlite, type Db } from './knex-factory.js';
export { migrateLatest, migratorConfig, MigrationSource, MIGRATIONS_DIR } from './migration-source.js';
export { toDate, toDateOrNull, toCount, insertIfAbsent, isDuplicateKey, retryOnDeadlock } from './rows.js';
