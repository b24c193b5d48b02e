import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  DataFileError,
  ensureDirectory,
  formatItemsCsv,
  formatRatingsCsv,
  generateSynthetic,
  parseFlags,
  required,
  runCli,
  wholeNumber,
} from '../modules/recommendations/offline/index.js';

// npm run recs:generate -- --learners 2000 --courses 300 --seed 7 --out-dir DIR
// Writes DIR/ratings.csv and DIR/items.csv: a synthetic shop to run recs:offline and recs:evaluate
// on. The same seed always gives the same files, so a number quoted in a review can be reproduced.

const USAGE = 'usage: npm run recs:generate -- --out-dir DIR [--learners 2000] [--courses 300] [--seed 7]';

await runCli(USAGE, async () => {
  const flags = parseFlags({ learners: { type: 'string' }, courses: { type: 'string' }, seed: { type: 'string' }, 'out-dir': { type: 'string' } });
  const dir = required(flags['out-dir'], 'out-dir');
  const learners = wholeNumber(flags.learners, 'learners', 2000, { min: 1, max: 10_000_000 });
  const courses = wholeNumber(flags.courses, 'courses', 300, { min: 1, max: 100_000 });
  const seed = wholeNumber(flags.seed, 'seed', 7, { min: 0, max: 0xffffffff });
  const { items, interactions } = generateSynthetic({ seed, learners, courses });
  await ensureDirectory(dir);
  const ratings = path.join(dir, 'ratings.csv');
  const catalogue = path.join(dir, 'items.csv');
  for (const [file, text] of [
    [ratings, formatRatingsCsv(interactions)],
    [catalogue, formatItemsCsv(items)],
  ] as const) {
    await writeFile(file, text, 'utf8').catch((err: NodeJS.ErrnoException) => {
      throw new DataFileError(file, null, `cannot write (${err.code ?? err.message})`);
    });
  }
  const buyers = new Set(interactions.map((x) => x.user)).size;
  process.stdout.write(`Wrote ${ratings} (${interactions.length} purchases by ${buyers} learners) and ${catalogue} (${items.length} courses).\n`);
});
