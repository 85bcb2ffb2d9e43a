import test from 'ava';
import mysql from 'mysql2/promise';

import { describeDatabase } from '../src/db/data-source.js';
import { BrowserAgent } from './helpers/browser-agent.js';
import { testDatabaseKind } from './helpers/database.js';
import { TestRelyingParty } from './helpers/relying-party.js';
import { TestProvider } from './helpers/server.js';

const PASSWORD = 'correct horse battery staple';

/** The Unix socket of the MariaDB/MySQL server the suite runs against, if it has one. */
async function serverSocket(): Promise<string | undefined> {
  const connection = await mysql.createConnection(process.env.TEST_MYSQL_URL as string);
  try {
    const [rows] = await connection.query('SELECT @@socket AS socket');
    return (rows as { socket: string | null }[])[0]?.socket ?? undefined;
  } finally {
    await connection.end();
  }
}

const onMysql = testDatabaseKind() === 'mysql' ? test : test.skip;

onMysql('a mysql:// URL with ?socket= connects over the Unix socket', async (t) => {
  const socket = await serverSocket();
  if (!socket) return t.fail('the test server reports no socket');
  const withSocket = (url: string) => {
    const parsed = new URL(url);
    parsed.hostname = 'localhost';
    parsed.port = '';
    parsed.searchParams.set('socket', socket);
    return parsed.href;
  };
  const provider = await TestProvider.start(t, {}, undefined, { databaseUrl: withSocket });
  const name = new URL(provider.database.url).pathname;
  t.is(describeDatabase(provider.config).location, `${socket}${name}`);

  // MariaDB and MySQL report a socket client's host as plain "localhost".
  const [own] = await provider.services.db.query(
    'SELECT host FROM information_schema.processlist WHERE id = CONNECTION_ID()',
  );
  t.is(own.host, 'localhost');

  const rp = await TestRelyingParty.register(provider);
  await provider.addUser('anna', PASSWORD);
  const tokens = await rp.signIn(new BrowserAgent(provider.issuer), 'anna', PASSWORD);
  t.truthy(tokens.access_token);
});
