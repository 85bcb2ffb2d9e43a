import { spawn } from 'node:child_process';

import test from 'ava';

import { createTestDatabase } from './helpers/database.js';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function idp(databaseUrl: string, ...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['src/bin/idp.mjs', ...args], {
      env: { ...process.env, NODE_ENV: 'test', DATABASE_URL: databaseUrl, LOG_LEVEL: 'silent' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Error lines of the command itself, without the runtime's notices. */
const errorLines = (run: Run) => run.stderr.split('\n').filter((line) => line.startsWith('idp:'));

test('operators manage clients: add, list, show without secret, rotate, remove', async (t) => {
  const db = await createTestDatabase();
  t.teardown(() => db.drop());

  const added = await idp(
    db.url,
    'clients',
    'add',
    '--id',
    'portal',
    '--redirect-uri',
    'https://portal.example/cb',
    '--redirect-uri',
    'https://portal.example/cb2',
    '--name',
    'Portal',
    '--first-party',
  );
  t.is(added.code, 0, added.stderr);
  const secret = /client_secret: (\S+)/.exec(added.stdout)?.[1];
  t.truthy(secret);

  const listed = await idp(db.url, 'clients', 'list');
  t.regex(listed.stdout, /portal\tconfidential, first-party\tPortal/);

  const shown = await idp(db.url, 'clients', 'show', 'portal');
  t.deepEqual(JSON.parse(shown.stdout).redirect_uris, [
    'https://portal.example/cb',
    'https://portal.example/cb2',
  ]);
  t.false(shown.stdout.includes(secret as string));

  const rotated = await idp(db.url, 'clients', 'rotate-secret', 'portal');
  const newSecret = /client_secret: (\S+)/.exec(rotated.stdout)?.[1];
  t.truthy(newSecret);
  t.not(newSecret, secret);

  const removed = await idp(db.url, 'clients', 'remove', 'portal');
  t.is(removed.code, 0);
  t.is((await idp(db.url, 'clients', 'list')).stdout.trim(), 'no clients');
});

test('client mistakes print one clear line and exit non-zero', async (t) => {
  const db = await createTestDatabase();
  t.teardown(() => db.drop());
  await idp(
    db.url,
    'clients',
    'add',
    '--id',
    'portal',
    '--redirect-uri',
    'https://portal.example/cb',
  );

  const duplicate = await idp(
    db.url,
    'clients',
    'add',
    '--id',
    'portal',
    '--redirect-uri',
    'https://x.example/cb',
  );
  t.is(duplicate.code, 1);
  t.deepEqual(errorLines(duplicate), ['idp: a client with id "portal" already exists']);

  const badUri = await idp(
    db.url,
    'clients',
    'add',
    '--id',
    'other',
    '--redirect-uri',
    'not a uri',
  );
  t.is(badUri.code, 1);
  t.deepEqual(errorLines(badUri), [
    'idp: invalid client: redirect_uris must only contain valid uris',
  ]);

  const noUri = await idp(db.url, 'clients', 'add', '--id', 'other');
  t.deepEqual(errorLines(noUri), ['idp: at least one --redirect-uri is required']);
  t.notRegex(noUri.stderr, /\n\s+at /);

  const weak = await idp(
    db.url,
    'clients',
    'add',
    '--id',
    'other',
    '--secret',
    'abc',
    '--redirect-uri',
    'https://o.example/cb',
  );
  t.deepEqual(errorLines(weak), ['idp: a client secret needs at least 32 characters']);

  const missing = await idp(db.url, 'clients', 'show', 'nobody');
  t.deepEqual(errorLines(missing), ['idp: no client with id "nobody"']);
});

test('operators manage users: add with a generated password, show, disable, enable, reset', async (t) => {
  const db = await createTestDatabase();
  t.teardown(() => db.drop());

  const added = await idp(db.url, 'users', 'add', '--username', 'Anna.Berg');
  t.is(added.code, 0, added.stderr);
  t.regex(added.stdout, /temporary password: \S{16}/);

  const duplicate = await idp(db.url, 'users', 'add', '--username', 'anna.berg');
  t.deepEqual(errorLines(duplicate), ['idp: a user named "anna.berg" already exists']);

  const withSpace = await idp(db.url, 'users', 'add', '--username', 'anna berg');
  t.is(withSpace.code, 1);
  const short = await idp(
    db.url,
    'users',
    'add',
    '--username',
    'bent',
    '--temporary-password',
    'short',
  );
  t.deepEqual(errorLines(short), ['idp: a temporary password needs at least 10 characters']);

  t.is((await idp(db.url, 'users', 'disable', 'ANNA.BERG')).code, 0);
  t.regex((await idp(db.url, 'users', 'show', 'anna.berg')).stdout, /status\s+disabled/);
  t.is((await idp(db.url, 'users', 'enable', 'anna.berg')).code, 0);

  const reset = await idp(db.url, 'users', 'set-temporary-password', 'anna.berg');
  t.regex(reset.stdout, /temporary password: \S{16}/);
  const shown = await idp(db.url, 'users', 'show', 'anna.berg');
  t.regex(shown.stdout, /status\s+active/);
  t.regex(shown.stdout, /temporary password\s+yes/);
  t.regex(
    shown.stdout,
    /registration\s+pending: new password, security questions, personal details/,
  );

  const unknown = await idp(db.url, 'users', 'disable', 'nobody');
  t.is(unknown.code, 1);
  t.deepEqual(errorLines(unknown), ['idp: no user named "nobody"']);
});

test('keys rotate: a new key per algorithm signs, the old ones stay listed', async (t) => {
  const db = await createTestDatabase();
  t.teardown(() => db.drop());

  const before = (await idp(db.url, 'keys', 'list')).stdout.trim().split('\n');
  t.is(before.length, 2);
  t.is((await idp(db.url, 'keys', 'rotate')).code, 0);
  const after = (await idp(db.url, 'keys', 'list')).stdout.trim().split('\n');
  t.is(after.length, 4);
  t.is(after.filter((line) => line.endsWith('\tsigning')).length, 2);
  for (const line of before) t.true(after.includes(line.replace('\tsigning', '\tverify only')));
});

test('operators describe products and grant or revoke them per user', async (t) => {
  const db = await createTestDatabase();
  t.teardown(() => db.drop());
  const ok = async (...args: string[]) => {
    const run = await idp(db.url, ...args);
    t.is(run.code, 0, `${args.join(' ')}: ${run.stderr}`);
    return run.stdout;
  };

  await ok(
    'clients',
    'add',
    '--id',
    'garanti',
    '--redirect-uri',
    'https://g.example/cb',
    '--name',
    'Garanti@Net',
    '--description',
    'da=Bestil garantier',
    '--description',
    'en=Order guarantees',
    '--start-url',
    'https://g.example/',
    '--backchannel-logout-uri',
    'https://g.example/bcl',
    '--backchannel-session-required',
    '--access-token-ttl',
    '300',
  );
  await ok('clients', 'update', 'garanti', '--name', 'Garanti', '--open-to-all');
  const shown = JSON.parse(await ok('clients', 'show', 'garanti')) as Record<string, unknown>;
  t.like(shown, {
    client_name: 'Garanti',
    description: { da: 'Bestil garantier', en: 'Order guarantees' },
    client_uri: 'https://g.example/',
    backchannel_logout_uri: 'https://g.example/bcl',
    backchannel_logout_session_required: true,
    access_token_ttl: 300,
    open_to_all: true,
    redirect_uris: ['https://g.example/cb'],
  });
  t.false('client_secret' in shown);

  await ok('users', 'add', '--username', 'anna', '--temporary-password', 'Midlertidig-kode-9876');
  t.regex(await ok('users', 'grant', 'anna', 'garanti'), /anna may use garanti/);
  t.regex(await ok('users', 'show', 'anna'), /products\s+garanti/);
  t.regex(await ok('users', 'revoke', 'anna', 'garanti'), /no longer use garanti/);
  t.regex(await ok('users', 'show', 'anna'), /products\s+none/);
  const unknown = await idp(db.url, 'users', 'grant', 'anna', 'nope');
  t.is(unknown.code, 1);
  t.regex(errorLines(unknown).join('\n'), /no client with id "nope"/);
});
