import test from 'ava';
import Database from 'better-sqlite3';

import { BrowserAgent, expectPage, expectRedirect, readForm } from './helpers/browser-agent.js';
import { testDatabaseKind } from './helpers/database.js';
import { TestRelyingParty } from './helpers/relying-party.js';
import { TestProvider } from './helpers/server.js';
import { TcpProxy } from './helpers/tcp-proxy.js';

const PASSWORD = 'correct horse battery staple';

/**
 * MariaDB stopped mid-run: the provider reaches its database through a
 * proxy the test cuts and restores, as if the server went away and came
 * back on the same address.
 */
test('database gone: translated 503 page, protocol 503 JSON, readyz fails, then service resumes by itself', async (t) => {
  if (testDatabaseKind() !== 'mysql') {
    t.pass('runs on MariaDB; the SQLite variant is the locked-file test below');
    return;
  }
  const server = new URL(process.env.TEST_MYSQL_URL as string);
  const proxy = new TcpProxy({ host: server.hostname, port: Number(server.port || 3306) });
  await proxy.start();
  t.teardown(() => proxy.cut());
  const provider = await TestProvider.start(t, {}, undefined, {
    databaseUrl: (url) => proxy.route(url),
  });
  const rp = await TestRelyingParty.register(provider);
  await provider.addUser('anna', PASSWORD);
  const client = await provider.addClient({ id: 'api', secret: 's'.repeat(40) });

  // A sign-in begun before the outage...
  const agent = new BrowserAgent(provider.issuer);
  const pending = await rp.authorize();
  const login = await agent.open(pending.url.href);

  await proxy.cut();

  // ...cannot go on while it lasts: a page that says so, in the user's language.
  const refused = expectPage(await agent.submit(login, { username: 'anna', password: PASSWORD }));
  t.is(refused.status, 503);
  t.is(refused.headers.get('retry-after'), '5');
  t.is(refused.document.querySelector('h1')?.text.trim(), 'Tjenesten er midlertidigt utilgængelig');
  t.notRegex(refused.html, /Error|at .*\.ts:\d+/);

  const english = expectPage(
    await new BrowserAgent(provider.issuer, 'en').navigate((await rp.authorize()).url.href),
  );
  t.is(english.status, 503);
  t.is(english.document.querySelector('h1')?.text.trim(), 'The service is temporarily unavailable');

  const token = await fetch(`${provider.issuer}/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`api:${client.client_secret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: 'grant_type=client_credentials',
  });
  t.is(token.status, 503);
  t.is(((await token.json()) as { error: string }).error, 'temporarily_unavailable');

  t.is((await fetch(`${provider.issuer}/healthz`)).status, 200);
  t.is((await fetch(`${provider.issuer}/readyz`)).status, 503);

  await proxy.restore();

  // No restart: the same sign-in goes through once the database is back.
  t.is((await fetch(`${provider.issuer}/readyz`)).status, 200);
  const callback = expectRedirect(
    await agent.submit(login, { username: 'anna', password: PASSWORD }),
  );
  const tokens = await rp.exchange(callback, pending);
  t.is(tokens.claims()?.sub, (await provider.services.accounts.findByUsername('anna'))?.id);
  // The refused attempt wrote nothing: no failure was counted against anna.
  const [counter] = await provider.services.db.query(
    "SELECT attempts FROM attempt_counters WHERE counter_key = 'login:user:anna'",
  );
  t.falsy(counter?.attempts);
});

/**
 * SQLite has no server to lose; its outage is a file another process holds
 * locked for longer than the busy timeout. Writes are refused with the same
 * 503 and resume when the lock goes.
 */
test('database file locked: 503 while the lock lasts, then service resumes', async (t) => {
  if (testDatabaseKind() !== 'sqlite') {
    t.pass('runs on SQLite; the MariaDB variant is the proxy test above');
    return;
  }
  const provider = await TestProvider.start(t);
  const rp = await TestRelyingParty.register(provider);
  await provider.addUser('anna', PASSWORD);
  const agent = new BrowserAgent(provider.issuer);
  const pending = await rp.authorize();
  const login = await agent.open(pending.url.href);
  t.truthy(readForm(login).fields);

  const other = new Database(provider.database.url.slice('sqlite:'.length));
  other.exec('BEGIN IMMEDIATE');
  try {
    const refused = expectPage(await agent.submit(login, { username: 'anna', password: PASSWORD }));
    t.is(refused.status, 503);
    t.is(
      refused.document.querySelector('h1')?.text.trim(),
      'Tjenesten er midlertidigt utilgængelig',
    );
  } finally {
    other.exec('ROLLBACK');
    other.close();
  }

  const callback = expectRedirect(
    await agent.submit(login, { username: 'anna', password: PASSWORD }),
  );
  t.truthy((await rp.exchange(callback, pending)).access_token);
});
