import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ValidationError } from '../../../platform/errors.js';
import { DataFileError, UsageError } from './data-file-error.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/** Strict flags: an unknown flag or a stray argument is a usage error, not something ignored. */
export function parseFlags<O extends Options>(options: O, args: string[] = process.argv.slice(2)) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: false }).values;
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

export function wholeNumber(value: string | undefined, flag: string, fallback: number, opts: { min: number; max?: number }): number {
  if (value === undefined) return fallback;
  const n = /^\d+$/.test(value.trim()) ? Number(value) : Number.NaN;
  const max = opts.max ?? Number.MAX_SAFE_INTEGER;
  if (!(n >= opts.min && n <= max)) {
    throw new UsageError(`--${flag} must be a whole number ${opts.max === undefined ? `≥ ${opts.min}` : `from ${opts.min} to ${opts.max}`}, got "${value}"`);
  }
  return n;
}

export function required(value: string | undefined, flag: string): string {
  if (value === undefined || value === '') throw new UsageError(`--${flag} is required`);
  return value;
}

/**
 * Runs a CLI's body: a problem the person can fix (a bad file, a bad flag) is one line on stderr
 * and exit 2; anything else is a bug, reported with its stack and exit 1.
 */
export async function runCli(usage: string, main: () => Promise<void>): Promise<void> {
  // `… | head` closes the pipe early; that is not an error worth a stack trace.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
  try {
    await main();
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`${err.message}\n${usage}\n`);
      process.exitCode = 2;
    } else if (err instanceof DataFileError || err instanceof ValidationError) {
      process.stderr.write(`${err.message}\n`);
      process.exitCode = 2;
    } else {
      process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exitCode = 1;
    }
  }
}

/** `-` or nothing is stdout; a path is written whole (its folder must exist). */
export async function writeOutput(out: string | undefined, text: string): Promise<void> {
  if (out === undefined || out === '-') {
    await new Promise<void>((resolve, reject) => process.stdout.write(text, (err) => (err ? reject(err) : resolve())));
    return;
  }
  try {
    await writeFile(out, text, 'utf8');
  } catch (err) {
    throw new DataFileError(out, null, `cannot write (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
}

export async function ensureDirectory(dir: string): Promise<void> {
  try {
    await mkdir(path.resolve(dir), { recursive: true });
  } catch (err) {
    throw new DataFileError(dir, null, `cannot create the folder (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
}
