import test from 'ava';

import { PasswordHasher } from '../src/accounts/password-hash.js';
import { OidcPayload } from '../src/db/entities/oidc-payload.js';
import { User } from '../src/db/entities/user.js';
import { purgeExpired, TypeOrmAdapter } from '../src/oidc/adapter.js';
import { BrowserAgent } from './helpers/browser-agent.js';
import { TestRelyingParty } from './helpers/relying-party.js';
import { TestProvider } from './helpers/server.js';

test('a password hash made at an older cost is upgraded at the next sign-in', async (t) => {
  const provider = await TestProvider.start(t);
  const rp = await TestRelyingParty.register(provider);
  const user = await provider.addUser('anna', 'correct horse battery staple');

  const weak = await new PasswordHasher({ logN: 11, r: 8, p: 1 }).hash(
    'correct horse battery staple',
  );
  await provider.services.db.query('UPDATE users SET password_hash = ? WHERE id = ?', [
    weak,
    user.id,
  ]);
  t.true(provider.services.hasher.needsRehash(weak));

  await rp.signIn(new BrowserAgent(provider.issuer), 'anna', 'correct horse battery staple');

  const stored = await provider.services.accounts.findById(user.id);
  t.not(stored?.passwordHash, weak);
  t.false(provider.services.hasher.needsRehash(stored?.passwordHash as string));
  t.true(
    await provider.services.hasher.verify(
      stored?.passwordHash as string,
      'correct horse battery staple',
    ),
  );
});

test('passwords compare after Unicode normalization and are never trimmed', async (t) => {
  const hasher = new PasswordHasher({ logN: 10, r: 8, p: 1 });
  const composed = await hasher.hash('kæreste\u00e9');
  t.true(await hasher.verify(composed, 'kæreste\u0065\u0301'));
  const spaced = await hasher.hash(' secret ');
  t.false(await hasher.verify(spaced, 'secret'));
});

test('expired provider state is invisible at once and purged later; live state stays', async (t) => {
  const provider = await TestProvider.start(t);
  const adapter = new TypeOrmAdapter('AccessToken', provider.services.db);
  await adapter.upsert('live', { grantId: 'g1' }, 60);
  await adapter.upsert('dead', { grantId: 'g1' }, 1);
  await provider.services.db
    .getRepository(OidcPayload)
    .update({ model: 'AccessToken', id: 'dead' }, { expiresAt: Math.floor(Date.now() / 1000) - 5 });

  t.is(await adapter.find('dead'), undefined);
  t.deepEqual(await adapter.find('live'), { grantId: 'g1' });

  t.true((await purgeExpired(provider.services.db)) >= 1);
  const ids = (
    await provider.services.db.getRepository(OidcPayload).findBy({ model: 'AccessToken' })
  ).map((r) => r.id);
  t.deepEqual(ids, ['live']);
});

test('a consumed token reads back as consumed, and a second consume of a code fails', async (t) => {
  const provider = await TestProvider.start(t);
  const codes = new TypeOrmAdapter('AuthorizationCode', provider.services.db);
  await codes.upsert('code-1', { grantId: 'g2' }, 60);

  await codes.consume('code-1');
  const found = await codes.find('code-1');
  t.is(typeof found?.consumed, 'number');

  const [a, b] = await Promise.allSettled([codes.consume('code-1'), codes.consume('code-1')]);
  t.is(a.status, 'rejected');
  t.is(b.status, 'rejected');
});

test('the account lookups hydrate a user exactly as TypeORM does', async (t) => {
  const provider = await TestProvider.start(t);
  const { db, accounts } = provider.services;
  const anna = await provider.addUser('Anna', 'correct horse battery staple');
  const bo = await provider.addNewUser('bo', 'another horse battery staple');
  await db
    .getRepository(User)
    .update({ id: anna.id }, { firstName: 'Anna', defaultCountry: 'DK', passwordExpired: true });

  for (const id of [anna.id, bo.id]) {
    const expected = await db.getRepository(User).findOneByOrFail({ id });
    const found = await accounts.findById(id);
    t.deepEqual(found, expected);
    t.true(found?.passwordChangedAt instanceof Date);
    t.deepEqual(await accounts.findByUsername(expected.username.toUpperCase()), expected);
  }
  const annaRead = await accounts.findById(anna.id);
  t.is(annaRead?.passwordExpired, true);
  t.is(annaRead?.mustChangePassword, false);
  t.is(annaRead?.startPage, null);
  t.is(await accounts.findById('no-such-id'), null);
  t.is(await accounts.findByUsername('nobody'), null);
});
