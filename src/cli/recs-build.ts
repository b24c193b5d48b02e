/**
 * `npm run recs:build [-- --full]`: builds the recommendation model now (incremental when only a
 * few learners changed since the last build, unless --full), with a progress bar on a terminal.
 * Exits 0 when built, 3 when another process holds the build lease, 2 on a bad flag.
 */
import { progressBar } from '../platform/progress.js';
import { systemClock } from '../platform/clock.js';
import { createRecsBuild } from '../modules/recommendations/index.js';
import { withCliContext } from './cli-context.js';

const args = process.argv.slice(2);
const unknown = args.filter((a) => a !== '--full');
if (unknown.length > 0) {
  process.stderr.write(`unknown option ${unknown[0]}\nusage: npm run recs:build [-- --full]\n`);
  process.exit(2);
}

await withCliContext(async ({ config, db, logger }) => {
  const builder = createRecsBuild({ db, clock: systemClock, log: logger, config: config.recommendations });
  const bar = progressBar(process.stderr);
  const result = await builder.run({ full: args.includes('--full'), progress: (done, total, stage) => bar.update(done, total, stage) });
  if (result === null) {
    bar.done('another process is building recommendations right now; nothing done');
    process.exitCode = 3;
    return;
  }
  const what = result.mode === 'full' ? `full build (${result.algorithm}): ${result.courses} courses, ${result.learners} learners, ${result.interactions} learner–course pairs` : `incremental: ${result.learners} learners ranked again`;
  bar.done(`recommendations model ${result.modelId}: ${what} in ${(result.durationMs / 1000).toFixed(1)} s`);
});
