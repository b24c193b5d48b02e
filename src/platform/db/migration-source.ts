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

export async function migrateLatest(db: Knex): Promise<string[]> {
  const [, applied] = (await db.migrate.latest(migratorConfig())) as [number, string[]];
  return applied;
}
