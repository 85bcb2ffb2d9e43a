import test from 'ava';
import type { Context } from 'koa';

import { TypeOrmAdapter } from '../src/oidc/adapter.js';
import { requestRowsScope } from '../src/oidc/request-rows.js';
import { TestProvider } from './helpers/server.js';

/** Runs `fn` as the handling of one request (inside the application's request scope). */
const inRequest = (fn: () => Promise<void>) =>
  requestRowsScope()({} as Context, fn) as Promise<void>;

async function storedToken(provider: TestProvider) {
  const db = provider.services.db;
  const adapters = {
    tokens: new TypeOrmAdapter('RefreshToken', db),
    grants: new TypeOrmAdapter('Grant', db),
    sessions: new TypeOrmAdapter('Session', db),
  };
  await adapters.grants.upsert('grant-1', { accountId: 'a1', clientId: 'portal' }, 600);
  await adapters.sessions.upsert('session-1', { uid: 'uid-1', accountId: 'a1' }, 600);
  await adapters.tokens.upsert(
    'token-1',
    { grantId: 'grant-1', sessionUid: 'uid-1', accountId: 'a1' },
    600,
  );
  /** Removes the grant and session behind the adapter's back, as another instance would. */
  const removeBehind = () =>
    db.query("DELETE FROM oidc_payloads WHERE model IN ('Grant', 'Session')");
  return { ...adapters, removeBehind };
}

test("a token lookup reads its grant and session for the request's next lookups", async (t) => {
  const provider = await TestProvider.start(t);
  const { tokens, grants, sessions, removeBehind } = await storedToken(provider);

  await inRequest(async () => {
    t.like(await tokens.find('token-1'), { grantId: 'grant-1', sessionUid: 'uid-1' });
    await removeBehind();
    // Read with the token, before they went.
    t.like(await grants.find('grant-1'), { clientId: 'portal' });
    t.like(await sessions.findByUid('uid-1'), { accountId: 'a1' });
    // Once only: the next lookups read the database.
    t.is(await grants.find('grant-1'), undefined);
    t.is(await sessions.findByUid('uid-1'), undefined);
  });
});

test('rows read ahead are dropped at any write and never outlive the request', async (t) => {
  const provider = await TestProvider.start(t);
  const { tokens, grants, sessions, removeBehind } = await storedToken(provider);

  await inRequest(async () => {
    await tokens.find('token-1');
    await removeBehind();
    await tokens.consume('token-1');
    t.is(await grants.find('grant-1'), undefined);
    t.is(await sessions.findByUid('uid-1'), undefined);
  });

  const again = await storedToken(provider);
  await inRequest(async () => {
    await again.tokens.find('token-1');
  });
  await again.removeBehind();
  await inRequest(async () => {
    t.is(await grants.find('grant-1'), undefined);
  });
  // Outside a request nothing is kept either.
  const third = await storedToken(provider);
  await third.tokens.find('token-1');
  await third.removeBehind();
  t.is(await grants.find('grant-1'), undefined);
});

test('an expired grant or session read with the token is missing, as in a lookup', async (t) => {
  const provider = await TestProvider.start(t);
  const { tokens, grants, sessions } = await storedToken(provider);
  const past = Math.floor(Date.now() / 1000) - 5;
  await provider.services.db.query(
    "UPDATE oidc_payloads SET expires_at = ? WHERE model IN ('Grant', 'Session')",
    [past],
  );

  await inRequest(async () => {
    t.like(await tokens.find('token-1'), { grantId: 'grant-1' });
    t.is(await grants.find('grant-1'), undefined);
    t.is(await sessions.findByUid('uid-1'), undefined);
  });
});
