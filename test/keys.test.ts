import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import test from 'ava';
import * as oidc from 'openid-client';

import { createApp } from '../src/app.js';
import { loadConfig } from '../src/config/load.js';
import { createLogger } from '../src/logger.js';
import { rotateSigningKeys } from '../src/oidc/keys.js';
import { BrowserAgent } from './helpers/browser-agent.js';
import { createTestDatabase } from './helpers/database.js';
import { TestRelyingParty } from './helpers/relying-party.js';
import { TestProvider } from './helpers/server.js';

const kidOf = (jwt: string) =>
  JSON.parse(Buffer.from(jwt.split('.')[0] as string, 'base64url').toString()).kid;

test('after a rotation the new key signs and tokens from the old key still verify', async (t) => {
  const provider = await TestProvider.start(t);
  const rp = await TestRelyingParty.register(provider);
  await provider.addUser('anna', 'correct horse battery staple');
  const before = await rp.signIn(
    new BrowserAgent(provider.issuer),
    'anna',
    'correct horse battery staple',
  );
  const oldKid = kidOf(before.id_token as string);

  await rotateSigningKeys(provider.services.db);
  await provider.restart();

  const jwks = (await (await fetch(`${provider.issuer}/jwks`)).json()) as {
    keys: { kid: string; d?: string }[];
  };
  t.is(jwks.keys.length, 4);
  t.true(jwks.keys.some((k) => k.kid === oldKid));
  t.true(
    jwks.keys.every((k) => k.d === undefined),
    'no private parts published',
  );

  const after = await rp.signIn(
    new BrowserAgent(provider.issuer),
    'anna',
    'correct horse battery staple',
  );
  t.not(kidOf(after.id_token as string), oldKid);

  // A token the old key signed is still accepted by the provider.
  const userinfo = await oidc.fetchUserInfo(
    rp.config,
    before.access_token,
    before.claims()?.sub as string,
  );
  t.truthy(userinfo.sub);
});

test('instances starting together on an empty database share one set of keys', async (t) => {
  const database = await createTestDatabase();
  t.teardown(() => database.drop());
  const config = loadConfig({ NODE_ENV: 'test', DATABASE_URL: database.url, LOG_LEVEL: 'silent' });
  const logger = createLogger('silent');

  // Migrate first, as a deployment does, then start two instances at the same instant.
  const first = await createApp(config, logger);
  await first.services.db.query('DELETE FROM signing_keys');
  await first.services.db.query('DELETE FROM secrets');
  await first.close();

  const [a, b] = await Promise.all([createApp(config, logger), createApp(config, logger)]);
  t.teardown(async () => {
    await a.close();
    await b.close();
  });
  const kids = async (app: typeof a) => {
    const rows = await app.services.db.query('SELECT kid FROM signing_keys ORDER BY kid');
    return (rows as { kid: string }[]).map((r) => r.kid);
  };
  t.is((await kids(a)).length, 2);
  t.deepEqual(await kids(a), await kids(b));
});

test('signing keys and cookie keys can come from configuration instead of the database', async (t) => {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = {
    ...(privateKey.export({ format: 'jwk' }) as object),
    kid: 'configured-rsa',
    alg: 'RS256',
    use: 'sig',
  };
  const file = join(mkdtempSync(join(tmpdir(), 'idp-keys-')), 'jwks.json');
  writeFileSync(file, JSON.stringify({ keys: [jwk] }));

  const provider = await TestProvider.start(t, {
    SIGNING_KEYS_FILE: file,
    COOKIE_KEYS: 'k'.repeat(40),
  });
  const rp = await TestRelyingParty.register(provider);
  await provider.addUser('anna', 'correct horse battery staple');
  const tokens = await rp.signIn(
    new BrowserAgent(provider.issuer),
    'anna',
    'correct horse battery staple',
  );

  t.is(kidOf(tokens.id_token as string), 'configured-rsa');
  const jwks = (await (await fetch(`${provider.issuer}/jwks`)).json()) as {
    keys: { kid: string }[];
  };
  t.deepEqual(
    jwks.keys.map((k) => k.kid),
    ['configured-rsa'],
  );
  const stored = await provider.services.db.query('SELECT COUNT(*) AS n FROM signing_keys');
  t.is(Number(stored[0].n), 0);
});

test('a signing key file without a private RS256 key stops start-up', async (t) => {
  const file = join(mkdtempSync(join(tmpdir(), 'idp-keys-')), 'jwks.json');
  writeFileSync(file, JSON.stringify({ keys: [] }));
  const error = await t.throwsAsync(TestProvider.start(t, { SIGNING_KEYS_FILE: file }));
  t.regex(error?.message ?? '', /keys\.signingKeysFile/);
});
