import test from 'ava';
import * as oidc from 'openid-client';

import { User } from '../src/db/entities/user.js';
import { BrowserAgent, expectPage, expectRedirect, readForm } from './helpers/browser-agent.js';
import { TestRelyingParty } from './helpers/relying-party.js';
import { TestProvider } from './helpers/server.js';

const PASSWORD = 'correct horse battery staple';

test('RP-initiated logout asks in the user language, ends the session and returns to the product', async (t) => {
  const provider = await TestProvider.start(t);
  const rp = await TestRelyingParty.register(provider);
  await provider.addUser('anna', PASSWORD);
  // anna prefers English; her browser asks for Danish: her preference wins.
  await provider.services.db
    .getRepository(User)
    .update({ username: 'anna' }, { preferredLanguage: 'en' });
  const agent = new BrowserAgent(provider.issuer, 'da');
  const tokens = await rp.signIn(agent, 'anna', PASSWORD);

  const endSession = oidc.buildEndSessionUrl(rp.config, {
    id_token_hint: tokens.id_token as string,
    post_logout_redirect_uri: 'http://localhost:9/',
    state: 'after-logout',
  });
  const confirm = await agent.open(endSession.href);
  t.is(confirm.document.querySelector('h1')?.text.trim(), 'Sign out');
  t.truthy(readForm(confirm).fields.xsrf);

  const back = new URL(expectRedirect(await agent.submit(confirm, { logout: 'yes' })));
  t.is(back.origin + back.pathname, 'http://localhost:9/');
  t.is(back.searchParams.get('state'), 'after-logout');

  // The provider session is gone: the next sign-in shows the form again.
  const next = expectPage(await agent.navigate((await rp.authorize()).url.href));
  t.truthy(next.document.querySelector('input[name=password]'));

  // Refresh tokens bound to the ended session stop working.
  await t.throwsAsync(oidc.refreshTokenGrant(rp.config, tokens.refresh_token as string));

  const events = await provider.services.audit.list({ type: 'logout' });
  t.is(events.length, 1);
  t.is(events[0]?.userId, tokens.claims()?.sub);
  t.is(events[0]?.clientId, 'portal');
});

test('a post_logout_redirect_uri that is not registered shows the signed-out page instead', async (t) => {
  const provider = await TestProvider.start(t);
  const rp = await TestRelyingParty.register(provider);
  await provider.addUser('anna', PASSWORD);
  const agent = new BrowserAgent(provider.issuer);
  const tokens = await rp.signIn(agent, 'anna', PASSWORD);

  const endSession = oidc.buildEndSessionUrl(rp.config, {
    id_token_hint: tokens.id_token as string,
    post_logout_redirect_uri: 'https://evil.example/',
  });
  const result = expectPage(await agent.navigate(endSession.href));
  t.is(result.status, 400);
  t.notRegex(result.headers.get('location') ?? '', /evil/);
});

test('logout without a redirect ends on the translated signed-out page', async (t) => {
  const provider = await TestProvider.start(t);
  const rp = await TestRelyingParty.register(provider, { name: 'Portalen' });
  await provider.addUser('anna', PASSWORD);
  const agent = new BrowserAgent(provider.issuer, 'da');
  const tokens = await rp.signIn(agent, 'anna', PASSWORD);

  const confirm = await agent.open(
    oidc.buildEndSessionUrl(rp.config, { id_token_hint: tokens.id_token as string }).href,
  );
  t.is(confirm.document.querySelector('h1')?.text.trim(), 'Log ud');
  const done = expectPage(await agent.submit(confirm, { logout: 'yes' }));
  t.is(done.document.querySelector('h1')?.text.trim(), 'Du er logget ud');
  t.is(done.document.querySelector('main p')?.text.trim(), 'Du er nu logget ud af Example Credit.');
});
