// For the knex CLI (`npx tsx node_modules/knex/bin/cli.js --knexfile knexfile.ts migrate:status`).
// The app and `npm run migrate` use the same configuration without it.
import type { Knex } from 'knex';
import { loadConfig } from './src/config/config.js';
import { readEnvironment } from './src/config/environment.js';
import { knexConfig, migratorConfig } from './src/platform/db/index.js';

const config = loadConfig(readEnvironment());

const knexfile: Knex.Config = { ...knexConfig(config.database), migrations: migratorConfig() };
export default knexfile;
