import { parseArgs } from 'node:util';
import { createInterface } from 'node:readline';
import { systemClock } from '../platform/clock.js';
import { RegisterForm, createAccountService, createPasswordHasher } from '../modules/accounts/index.js';
import { readEnvironment } from '../config/environment.js';
import { withCliContext } from './cli-context.js';

// npm run admin:create -- --username NAME [--reset-password]
// Creates the admin, or promotes an existing account without touching its password unless
// --reset-password is given. A password comes from ADMIN_PASSWORD or a prompt; there is no default.

async function promptHidden(question: string): Promise<string> {
  if (!process.stdin.isTTY) throw new Error('No terminal to ask for a password: set ADMIN_PASSWORD instead.');
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: true });
  // Keep typed characters off the screen.
  (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = (s: string) => {
    if (s.startsWith(question)) process.stdout.write(question);
  };
  const answer = await new Promise<string>((resolve) => rl.question(question, resolve));
  rl.close();
  process.stdout.write('\n');
  return answer;
}

const USAGE = 'usage: npm run admin:create -- --username NAME [--reset-password]';

let values: { username?: string; 'reset-password'?: boolean };
try {
  ({ values } = parseArgs({ options: { username: { type: 'string' }, 'reset-password': { type: 'boolean' } } }));
} catch (err) {
  process.stderr.write(`${(err as Error).message}\n${USAGE}\n`);
  process.exit(2);
}
if (!values.username) {
  process.stderr.write(`--username is required\n${USAGE}\n`);
  process.exit(2);
}
const username = values.username;

await withCliContext(async ({ config, db, logger }) => {
  const accounts = createAccountService({ db, clock: systemClock, log: logger, hasher: createPasswordHasher(config.argon2) });
  const normalised = username.trim().toLowerCase();
  const needsPassword = values['reset-password'] === true || !(await accounts.userExists(normalised));
  let password: string | null = null;
  if (needsPassword) {
    password = readEnvironment().ADMIN_PASSWORD ?? (await promptHidden('Password for the admin account: '));
    const form = RegisterForm.safeParse({ username, nickname: '', password, password_confirm: password });
    if (!form.success) throw new Error(form.error.issues.map((i) => `${String(i.path[0])}: ${i.message}`).join('\n'));
  }
  const { user, created, passwordReset } = await accounts.createOrPromoteAdmin(normalised, password);
  const what = created ? 'Created' : passwordReset ? 'Promoted (password reset)' : 'Promoted (password unchanged; --reset-password sets a new one)';
  process.stdout.write(`${what} admin "${user.username}" (id ${user.id}).\n`);
});
