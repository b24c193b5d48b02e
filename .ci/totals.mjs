// Sums vitest JSON reports; a suite whose report is missing (it crashed) counts as one failure.
// Prints the totals as the last line and exits non-zero when anything failed.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

const args = process.argv.slice(2);
const sep = args.indexOf('--');
const [dir, ...suites] = args.slice(0, sep);
let failed = Number(args[sep + 1] ?? 0);
let passed = 0;
for (const suite of suites) {
  const file = path.join(dir, `${suite}.json`);
  if (!existsSync(file)) {
    console.log(`${suite}: no report (the suite did not run to the end)`);
    failed += 1;
    continue;
  }
  const r = JSON.parse(readFileSync(file, 'utf8'));
  const skipped = r.numPendingTests + r.numTodoTests;
  // A suite that could not load a file reports it as a failed suite with no failed test.
  const brokenFiles = r.testResults.filter((t) => t.status === 'failed' && t.assertionResults.length === 0).length;
  console.log(`${suite}: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${skipped} skipped, ${brokenFiles} files failed to load`);
  passed += r.numPassedTests;
  failed += r.numFailedTests + skipped + brokenFiles;
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
