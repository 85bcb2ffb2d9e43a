import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import mysql from 'mysql2/promise';

/**
 * Each test file gets a database of its own: a fresh SQLite file, or (when
 * TEST_DB=mysql) a new database on the server TEST_MYSQL_URL points at,
 * dropped again at the end.
 */
export interface TestDatabase {
  kind: 'sqlite' | 'mysql';
  url: string;
  drop(): Promise<void>;
}

export const testDatabaseKind = (): 'sqlite' | 'mysql' =>
  process.env.TEST_DB === 'mysql' ? 'mysql' : 'sqlite';

export async function createTestDatabase(): Promise<TestDatabase> {
  if (testDatabaseKind() === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'idp-test-'));
    return {
      kind: 'sqlite',
      url: `sqlite:${join(dir, 'idp.sqlite')}`,
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }

  const server = process.env.TEST_MYSQL_URL;
  if (!server)
    throw new Error('TEST_DB=mysql needs TEST_MYSQL_URL, e.g. mysql://root@127.0.0.1:3306/');
  const name = `idp_test_${randomBytes(6).toString('hex')}`;
  const admin = new URL(server);
  admin.pathname = '/';
  const connection = await mysql.createConnection(admin.href);
  await connection.query(
    `CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`,
  );
  await connection.end();

  const url = new URL(admin.href);
  url.pathname = `/${name}`;
  return {
    kind: 'mysql',
    url: url.href,
    async drop() {
      const c = await mysql.createConnection(admin.href);
      await c.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await c.end();
    },
  };
}
