/**
 * Runs the whole ava suite on the embedded SQLite database, then again on
 * MySQL/MariaDB when TEST_MYSQL_URL names a server (for example
 * mysql://root@127.0.0.1:3306/). Each test file creates and drops a database
 * of its own there. A configured server that cannot be reached fails the run.
 */
import { spawnSync } from 'node:child_process';

import mysql from 'mysql2/promise';

const extraArgs = process.argv.slice(2);

function runSuite(label: string, env: Record<string, string>): boolean {
  console.log(`\n=== test suite on ${label} ===`);
  const result = spawnSync('npx', ['ava', ...extraArgs], {
    stdio: 'inherit',
    env: { ...process.env, ...env },
  });
  return result.status === 0;
}

async function reachable(url: string): Promise<boolean> {
  try {
    const connection = await mysql.createConnection({ uri: url, connectTimeout: 5000 });
    await connection.end();
    return true;
  } catch (error) {
    console.error(`cannot reach TEST_MYSQL_URL: ${(error as Error).message}`);
    return false;
  }
}

const results: [string, boolean][] = [['sqlite', runSuite('SQLite', { TEST_DB: 'sqlite' })]];

const mysqlUrl = process.env.TEST_MYSQL_URL;
if (mysqlUrl) {
  const ok = (await reachable(mysqlUrl)) && runSuite('MySQL/MariaDB', { TEST_DB: 'mysql' });
  results.push(['mysql', ok]);
} else {
  console.log('\nTEST_MYSQL_URL is not set: the MySQL/MariaDB run is skipped.');
}

const passed = results.filter(([, ok]) => ok).length;
console.log(`\nsuites: ${passed} passed, ${results.length - passed} failed`);
process.exit(passed === results.length ? 0 : 1);
