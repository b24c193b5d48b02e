import { setImmediate } from 'node:timers/promises';

/**
 * Lets the event loop turn. A build may run inside a web process: its long loops stop here every
 * so often, so requests keep being answered while it works (better-sqlite3 never yields by itself).
 */
export const breathe = (): Promise<void> => setImmediate();

/** Every this many steps of a loop of about a millisecond's work per hundred steps. */
export const BREATHE_EVERY = 256;
