import { migrateLatest, migratorConfig } from '../platform/db/index.js';
import { withCliContext } from './cli-context.js';

// npm run migrate            apply pending migrations
// npm run migrate -- down    roll back the last batch
// npm run migrate -- reset   roll back everything
// npm run migrate -- status  list applied and pending migrations
// npm run migrate -- unlock  release the lock a process left when it died mid-migration
const command = process.argv[2] ?? 'latest';

await withCliContext(
  async ({ db }) => {
    const cfg = migratorConfig();
    const out = (line: string) => process.stdout.write(`${line}\n`);
    switch (command) {
      case 'latest': {
        const names = await migrateLatest(db);
        out(names.length ? `Applied:\n  ${names.join('\n  ')}` : 'Already up to date.');
        break;
      }
      case 'down': {
        const [, names] = (await db.migrate.rollback(cfg)) as [number, string[]];
        out(names.length ? `Rolled back:\n  ${names.join('\n  ')}` : 'Nothing to roll back.');
        break;
      }
      case 'reset': {
        const [, names] = (await db.migrate.rollback(cfg, true)) as [number, string[]];
        out(names.length ? `Rolled back:\n  ${names.join('\n  ')}` : 'Nothing to roll back.');
        break;
      }
      case 'status': {
        const [done, pending] = (await db.migrate.list(cfg)) as [{ name: string }[], { name: string }[]];
        out(`Applied (${done.length}):\n  ${done.map((m) => m.name).join('\n  ')}`);
        out(`Pending (${pending.length}):\n  ${pending.map((m) => m.name).join('\n  ')}`);
        break;
      }
      case 'unlock':
        await db.migrate.forceFreeMigrationsLock(cfg);
        out('Migration lock released.');
        break;
      default:
        throw new Error(`Unknown migrate command "${command}": use latest, down, reset, status or unlock`);
    }
  },
  { migrate: false },
);
