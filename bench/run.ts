/**
 * `npm run bench -- NAME [ARGS…]`: runs the benchmark in `bench/NAME.ts`.
 *
 * A benchmark is any top-level `bench/*.ts` file (except this one) that exports
 * `main(args: string[]): Promise<number>`, resolving to the process exit code. It writes exactly one
 * summary line to stdout and its progress to stderr. Helpers live in `bench/lib/`, so they are never
 * mistaken for benchmarks.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));
const NAME = /^[a-z0-9][a-z0-9-]*$/;

export type Benchmark = (args: string[]) => Promise<number>;

function availableBenchmarks(): string[] {
  return readdirSync(BENCH_DIR)
    .filter((f) => f.endsWith('.ts') && f !== 'run.ts')
    .map((f) => f.slice(0, -'.ts'.length))
    .filter((name) => NAME.test(name))
    .sort();
}

async function run(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  const available = availableBenchmarks();
  const list = available.length > 0 ? available.join(', ') : '(none)';
  if (name === undefined || name === '' || name === '--help' || name === '-h') {
    process.stderr.write(`usage: npm run bench -- NAME\navailable benchmarks: ${list}\n`);
    return 2;
  }
  // Only names found on disk are imported, so the argument can never reach outside bench/.
  if (!available.includes(name)) {
    process.stderr.write(`unknown benchmark "${name}"\navailable benchmarks: ${list}\n`);
    return 2;
  }
  const mod = (await import(pathToFileURL(path.join(BENCH_DIR, `${name}.ts`)).href)) as { main?: unknown };
  if (typeof mod.main !== 'function') {
    process.stderr.write(`bench/${name}.ts does not export main(args): Promise<number>\n`);
    return 2;
  }
  return (mod.main as Benchmark)(args);
}

run(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`benchmark failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);
