/**
 * A fresh MariaDB/MySQL database for one benchmark run, on the server a mysql:// URL names (the
 * database in the URL is only where to connect; it is never touched), and its removal.
 */
import { randomBytes } from 'node:crypto';
import knex from 'knex';

export interface ScratchDatabase {
  /** The same server and credentials, pointing at the new database. */
  url: string;
  name: string;
  /** "MariaDB 10.11.19" or "MySQL 8.4.0". */
  server: string;
  drop(): Promise<void>;
}

export async function freshMysqlDatabase(url: string, prefix: string): Promise<ScratchDatabase> {
  const parsed = new URL(url);
  const admin = knex({
    client: 'mysql2',
    connection: { host: parsed.hostname, port: parsed.port ? Number(parsed.port) : 3306, user: decodeURIComponent(parsed.username), password: decodeURIComponent(parsed.password), connectTimeout: 3000 },
    pool: { min: 0, max: 1 },
  });
  const name = `${prefix}_${randomBytes(4).toString('hex')}`;
  let server: string;
  try {
    const [rows] = (await admin.raw('select version() as v')) as [Array<{ v: string }>];
    const version = String(rows[0]?.v ?? '');
    server = /mariadb/i.test(version) ? `MariaDB ${version.split('-')[0]}` : `MySQL ${version}`;
    await admin.raw(`create database \`${name}\` character set utf8mb4 collate utf8mb4_unicode_ci`);
  } catch (err) {
    await admin.destroy();
    throw err;
  }
  const fresh = new URL(url);
  fresh.pathname = `/${name}`;
  let dropped = false;
  return {
    url: fresh.toString(),
    name,
    server,
    async drop() {
      if (dropped) return;
      dropped = true;
      try {
        await admin.raw(`drop database if exists \`${name}\``);
      } finally {
        await admin.destroy();
      }
    },
  };
}
