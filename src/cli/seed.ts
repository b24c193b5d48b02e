import { systemClock } from '../platform/clock.js';
import { seedDemoCatalog } from '../modules/catalog/index.js';
import { withCliContext } from './cli-context.js';

// npm run seed: creates or refreshes the demo catalogue on whatever database DATABASE_URL names.
await withCliContext(async ({ db }) => {
  const n = await seedDemoCatalog(db, systemClock);
  process.stdout.write(`Demo catalogue ready: ${n} courses.\n`);
});
