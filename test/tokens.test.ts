import test, { type ExecutionContext } from 'ava';
import { decodeProtectedHeader } from 'jose';
import * as oidc from 'openid-client';

import { BrowserAgent } from './helpers/browser-agent.js';
import { TestRelyingParty } from './helpers/relying-party.js';
import { TestProvider } from './helpers/server.js';

const PASSWORD = 'correct horse battery staple';

async function signedIn(t: ExecutionContext) {
  const provider = await TestProvider.start(t);
  const rp = await TestRelyingParty.register(provider);
  const user = await provider.addUser('anna', PASSWORD);
  const tokens = await rp.signIn(new BrowserAgent(provider.issuer), 'anna', PASSWORD);
  return { provider, rp, user, tokens };
}

test('a refresh token rotates: the new one works, the old one is refused', async (t) => {
  const { rp, tokens } = await signedIn(t);

  const refreshed = await oidc.refreshTokenGrant(rp.config, tokens.refresh_token as string);
  t.truthy(refreshed.access_token);
  t.truthy(refreshed.refresh_token);
  t.not(refreshed.refresh_token, tokens.refresh_token);

  const replay = await t.throwsAsync(
    oidc.refreshTokenGrant(rp.config, tokens.refresh_token as string),
  );
  t.is((replay as oidc.ResponseBodyError).error, 'invalid_grant');
});

test('introspection reports an active token, and revocation ends it', async (t) => {
  const { rp, tokens, user } = await signedIn(t);

  const active = await oidc.tokenIntrospection(rp.config, tokens.access_token);
  t.true(active.active);
  t.is(active.sub, user.id);

  await oidc.tokenRevocation(rp.config, tokens.access_token);
  const revoked = await oidc.tokenIntrospection(rp.config, tokens.access_token);
  t.false(revoked.active);

  await oidc.tokenRevocation(rp.config, tokens.refresh_token as string);
  await t.throwsAsync(oidc.refreshTokenGrant(rp.config, tokens.refresh_token as string));
});

test('a confidential client gets a token with client credentials', async (t) => {
  const provider = await TestProvider.start(t);
  const rp = await TestRelyingParty.register(provider);

  const tokens = await oidc.clientCredentialsGrant(rp.config);
  t.truthy(tokens.access_token);
  t.is(tokens.token_type.toLowerCase(), 'bearer');
  const info = await oidc.tokenIntrospection(rp.config, tokens.access_token);
  t.true(info.active);
  t.is(info.client_id, 'portal');
});

test('a public client must use PKCE and gets no client credentials', async (t) => {
  const provider = await TestProvider.start(t);
  const rp = await TestRelyingParty.register(provider, { id: 'spa', isPublic: true });
  await provider.addUser('anna', PASSWORD);

  const tokens = await rp.signIn(new BrowserAgent(provider.issuer), 'anna', PASSWORD);
  t.truthy(tokens.id_token);

  const withoutPkce = new URL((await rp.authorize()).url);
  withoutPkce.searchParams.delete('code_challenge');
  withoutPkce.searchParams.delete('code_challenge_method');
  const response = await fetch(withoutPkce, { redirect: 'manual' });
  const location = new URL(response.headers.get('location') as string);
  t.is(location.searchParams.get('error'), 'invalid_request');
  t.regex(location.searchParams.get('error_description') ?? '', /PKCE/);

  await t.throwsAsync(oidc.clientCredentialsGrant(rp.config));
});

test('one code redeemed twice at the same instant: exactly one exchange succeeds', async (t) => {
  const provider = await TestProvider.start(t);
  const rp = await TestRelyingParty.register(provider);
  await provider.addUser('anna', PASSWORD);
  const agent = new BrowserAgent(provider.issuer);
  const { pending, callback } = await rp.obtainCode(agent, 'anna', PASSWORD);

  const outcomes = await Promise.allSettled([
    rp.exchange(callback, pending),
    rp.exchange(callback, pending),
  ]);
  const succeeded = outcomes.filter((o) => o.status === 'fulfilled');
  const failed = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
  t.is(succeeded.length, 1);
  t.is(failed.length, 1);
  t.is((failed[0]?.reason as oidc.ResponseBodyError | undefined)?.error, 'invalid_grant');
});

test('a code used once more later is refused and the tokens it gave are revoked', async (t) => {
  const provider = await TestProvider.start(t);
  const rp = await TestRelyingParty.register(provider);
  await provider.addUser('anna', PASSWORD);
  const agent = new BrowserAgent(provider.issuer);
  const { pending, callback } = await rp.obtainCode(agent, 'anna', PASSWORD);
  const first = await rp.exchange(callback, pending);

  await t.throwsAsync(rp.exchange(callback, pending));
  const info = await oidc.tokenIntrospection(rp.config, first.access_token);
  t.false(info.active);
});

test('sign-in state survives a restart: the session and the refresh token still work', async (t) => {
  const { provider, rp, tokens } = await signedIn(t);
  const agent = new BrowserAgent(provider.issuer);
  await rp.signIn(agent, 'anna', PASSWORD);

  await provider.restart();

  const refreshed = await oidc.refreshTokenGrant(rp.config, tokens.refresh_token as string);
  t.truthy(refreshed.access_token);

  // The browser's session from before the restart still signs it in without a form.
  const again = await rp.authorize();
  const result = await agent.navigate(again.url.href);
  t.true('leftTo' in result);
  const fresh = await rp.exchange((result as { leftTo: string }).leftTo, again);
  t.truthy(fresh.id_token);
});

test('a disabled user loses access: refresh and userinfo are refused', async (t) => {
  const { provider, rp, tokens, user } = await signedIn(t);
  await provider.services.accounts.setStatus('anna', 'disabled');

  await t.throwsAsync(oidc.refreshTokenGrant(rp.config, tokens.refresh_token as string));
  await t.throwsAsync(oidc.fetchUserInfo(rp.config, tokens.access_token, user.id));
});

test("another product can neither introspect nor revoke a product's tokens", async (t) => {
  const { provider, rp, tokens } = await signedIn(t);
  const partner = await TestRelyingParty.register(provider, { id: 'partner', firstParty: false });

  for (const token of [tokens.access_token, tokens.refresh_token as string]) {
    const seen = await oidc.tokenIntrospection(partner.config, token);
    t.false(seen.active);
    await oidc.tokenRevocation(partner.config, token);
  }
  // Both still work for their own product: the foreign revocation did nothing.
  t.true((await oidc.tokenIntrospection(rp.config, tokens.access_token)).active);
  t.truthy(await oidc.refreshTokenGrant(rp.config, tokens.refresh_token as string));
});

test('disabling a user ends their sessions and tokens; enabling does not bring them back', async (t) => {
  const { provider, rp, tokens } = await signedIn(t);
  await provider.services.accounts.setStatus('anna', 'disabled');
  await provider.services.accounts.setStatus('anna', 'active');

  t.false((await oidc.tokenIntrospection(rp.config, tokens.access_token)).active);
  await t.throwsAsync(oidc.refreshTokenGrant(rp.config, tokens.refresh_token as string));
});

test('a product set to ES256 gets ES256 ID tokens at sign-in and refresh; others keep RS256', async (t) => {
  const provider = await TestProvider.start(t);
  const es = await TestRelyingParty.register(provider, { id: 'fast', idTokenSigningAlg: 'ES256' });
  const rs = await TestRelyingParty.register(provider, { id: 'plain' });
  await provider.addUser('anna', PASSWORD);
  const agent = new BrowserAgent(provider.issuer);

  // openid-client checks each ID token against the algorithm the product expects.
  const signedIn = await es.signIn(agent, 'anna', PASSWORD);
  t.is(decodeProtectedHeader(signedIn.id_token as string).alg, 'ES256');
  const refreshed = await oidc.refreshTokenGrant(es.config, signedIn.refresh_token as string);
  t.is(decodeProtectedHeader(refreshed.id_token as string).alg, 'ES256');
  t.is(refreshed.claims()?.sub, signedIn.claims()?.sub);

  const other = await rs.signIn(new BrowserAgent(provider.issuer), 'anna', PASSWORD);
  t.is(decodeProtectedHeader(other.id_token as string).alg, 'RS256');
});
