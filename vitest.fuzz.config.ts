import { randomInt } from 'node:crypto';
import { defineConfig } from 'vitest/config';

// `npm run fuzz`: the fuzz tests only, many more runs per route, and a new seed each time unless
// FUZZ_SEED is given (printed first, so a failure can be replayed with it), and failures shrunk.
const seed = process.env.FUZZ_SEED ?? String(randomInt(1, 2 ** 31 - 1));
const runs = process.env.FUZZ_RUNS ?? '200';
process.stdout.write(`fuzz: FUZZ_SEED=${seed} FUZZ_RUNS=${runs} (replay: FUZZ_SEED=${seed} npm run fuzz)\n`);

export default defineConfig({
  test: {
    include: ['test/integration/fuzz/**/*.test.ts'],
    pool: 'forks',
    env: { FUZZ_SEED: seed, FUZZ_RUNS: runs, FUZZ_SHRINK: process.env.FUZZ_SHRINK ?? '1' },
    testTimeout: 30 * 60_000,
    hookTimeout: 60_000,
  },
});
