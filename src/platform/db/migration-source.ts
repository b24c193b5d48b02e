import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Knex } from 'knex';

type Migration = Knex.Migration & { name: string; file: string };

const here = path.dirname(fileURLToPath(import.meta.url));
/** `migrations/` sits at the project root in source and beside `src/` in `dist/`. */
export const MIGRATIONS_DIR = path.resolve(here, '../../../migrations');

/**
 * Names migrations without their extension, so a database migrated by `tsx` (.ts files) and later by
 * the compiled build (.js files) agrees on what has already run.
 */
export class MigrationSource implements Knex.MigrationSource<Migration> {
  constructor(private readonly dir = MIGRATIONS_DIR) {}

  async getMigrations(): Promise<Migration[]> {
    return readdirSync(this.dir)
      .filter((f) => /^\d{14}_[a-z0-9_]+\.(ts|js)$/.test(f))
      .sort()
      .map((file) => ({ name: file.replace(/\.(ts|js)$/, ''), file }) as Migration);
  }

  getMigrationName(m: Migration): string {
    return m.name;
  }

  async getMigration(m: Migration): Promise<Knex.Migration> {
    return (await import(pathToFileURL(path.join(this.dir, m.file)).href)) as Knex.Migration;
  }
}

export function migratorConfig(): Knex.MigratorConfig {
  return { migrationSource: new MigrationSource(), tableName: 'knex_migrations' };
}

const MIGRATIONS_TABLE = 'knex_migrations';
const LOCK_TABLE = `${MIGRATIONS_TABLE}_lock`;
/**
 * How long a starting process waits for another one's migrations. An index on a table of millions
 * of rows (analytics events) takes minutes on MySQL, so this is generous; a process that gives up
 * exits and its supervisor starts it again, which waits again, so a slow migration is never cut short.
 */
const LOCK_WAIT_MS = 15 * 60_000;
const LOCK_POLL_MS = 200;

/**
 * knex's own bookkeeping tables, created the way knex creates them but safe to race: knex checks
 * then creates, so two processes starting on a fresh database failed on "table exists", or both
 * inserted a lock row, after which `where is_locked = 0` matched two rows and every later run
 * reported the migrations as locked forever.
 */
async function ensureMigrationTables(db: Knex): Promise<void> {
  await createTableOnce(db, MIGRATIONS_TABLE, (t) => {
    t.increments();
    t.string('name');
    t.integer('batch');
    t.timestamp('migration_time');
  });
  await createTableOnce(db, LOCK_TABLE, (t) => {
    t.increments('index').primary();
    t.integer('is_locked');
  });
  // Two processes that both see no row insert the same key, and one insert is ignored.
  if ((await db(LOCK_TABLE).select('index')).length === 0) await db(LOCK_TABLE).insert({ index: 1, is_locked: 0 }).onConflict('index').ignore();
}

/** Creates the table unless it exists, including when another process created it a moment ago. */
async function createTableOnce(db: Knex, name: string, columns: (t: Knex.CreateTableBuilder) => void): Promise<void> {
  if (await db.schema.hasTable(name)) return;
  try {
    await db.schema.createTable(name, columns);
  } catch (err) {
    if (!(await db.schema.hasTable(name))) throw err;
  }
}

/** Another process is migrating: knex refused its lock, or SQLite's busy timeout ran out behind it. */
function migratingElsewhere(err: unknown): boolean {
  return err instanceof Error && (err.name === 'MigrationLocked' || (err as { code?: unknown }).code === 'SQLITE_BUSY');
}

/**
 * Applies pending migrations; when another process holds the migration lock (every worker and
 * replica migrates at start), waits for it to finish and then finds nothing left to do.
 */
export async function migrateLatest(db: Knex): Promise<string[]> {
  await ensureMigrationTables(db);
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      const [, applied] = (await db.migrate.latest(migratorConfig())) as [number, string[]];
      return applied;
    } catch (err) {
      if (!migratingElsewhere(err)) throw err;
      if (Date.now() > deadline) {
        throw new Error(
          `the migrations stayed locked for ${LOCK_WAIT_MS / 60_000} minutes. First check whether another process is still migrating (MySQL: SHOW PROCESSLIST); only if none is, one died mid-migration: check the schema, then run \`npm run migrate -- unlock\``,
          { cause: err },
        );
      }
      await new Promise((resolve) => setTimeout(resolve, LOCK_POLL_MS));
    }
  }
}
