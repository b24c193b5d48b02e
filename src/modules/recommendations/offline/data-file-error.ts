import { ValidationError } from '../../../platform/errors.js';

/**
 * A problem with a file or a flag the person running a tool can fix. The message names the file and
 * line ("train.csv line 17: …") so the CLIs print it as it is, without a stack trace, and exit 2.
 */
export class DataFileError extends ValidationError {
  constructor(
    readonly file: string,
    readonly line: number | null,
    readonly detail: string,
  ) {
    super('OFFLINE_INPUT', line === null ? `${file}: ${detail}` : `${file} line ${line}: ${detail}`);
  }
}

/** A bad or missing command-line flag: exit 2 with the usage, like a bad file. */
export class UsageError extends ValidationError {
  constructor(message: string) {
    super('OFFLINE_USAGE', message);
  }
}
