import type { Knex } from 'knex';

// Chinese titles, nicknames and emoji need 4-byte UTF-8. New MySQL tables take the database default,
// so set it once here rather than on every table. SQLite is always UTF-8.
export async function up(knex: Knex): Promise<void> {
  if (knex.client.config.client !== 'mysql2') return;
  await knex.raw('ALTER DATABASE CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci');
}

export async function down(): Promise<void> {
  // Leaving the database on utf8mb4 is harmless and reverting could corrupt existing text.
}
