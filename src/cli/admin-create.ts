import { parseArgs } from 'node:util';
import { createInterface } from 'node:readline';
import { systemClock } from '../platform/clock.js';
import { RegisterForm, createAccountService, createPasswordHasher } from '../modules/accounts/index.js';
import { readEnvironment } from '../config/environment.js';
import { withCliContext } from './cli-context.js';

// npm run admin:create -- --username NAME
// The password comes from ADMIN_PASSWORD or a prompt; there is no built-in default anywhere.

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

const { values } = parseArgs({ options: { username: { type: 'string' } } });

await withCliContext(async ({ config, db, logger }) => {
  const password = readEnvironment().ADMIN_PASSWORD ?? (await promptHidden('Password for the admin account: '));
  const form = RegisterForm.safeParse({ username: values.username ?? '', nickname: '', password, password_confirm: password });
  if (!form.success) {
    throw new Error(form.error.issues.map((i) => `${String(i.path[0])}: ${i.message}`).join('\n'));
  }
  const accounts = createAccountService({ db, clock: systemClock, log: logger, hasher: createPasswordHasher(config.argon2) });
  const { user, created } = await accounts.createOrPromoteAdmin(form.data.username, form.data.password);
  process.stdout.write(`${created ? 'Created' : 'Promoted'} admin "${user.username}" (id ${user.id}).\n`);
});
