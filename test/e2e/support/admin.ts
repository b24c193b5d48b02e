import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** Creates an admin the way a newcomer does: `npm run admin:create`, against the server's database. */
export async function createAdmin(dataDir: string, username: string, password: string): Promise<void> {
  await promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/cli/admin-create.ts', '--username', username], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, DATABASE_URL: `sqlite:${path.join(dataDir, 'zhifu.db')}`, ADMIN_PASSWORD: password, LOG_LEVEL: 'warn' },
  });
}
