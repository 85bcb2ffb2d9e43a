import test from 'ava';
import * as oidc from 'openid-client';

import { BrowserAgent, expectPage, expectRedirect, fieldByLabel } from './helpers/browser-agent.js';
import { TestRelyingParty } from './helpers/relying-party.js';
import { TestProvider } from './helpers/server.js';

test('a product signs a user in with PKCE and reads the ID token and userinfo', async (t) => {
  const provider = await TestProvider.start(t);
  const rp = await TestRelyingParty.register(provider);
  const user = await provider.addUser('Anna.Berg', 'correct horse battery staple');

  const agent = new BrowserAgent(provider.issuer);
  const tokens = await rp.signIn(agent, 'anna.berg', 'correct horse battery staple');

  const claims = tokens.claims();
  t.is(claims?.sub, user.id);
  t.is(claims?.iss, provider.issuer);
  t.is(claims?.aud, 'portal');
  t.truthy(tokens.refresh_token);

  const userinfo = await oidc.fetchUserInfo(rp.config, tokens.access_token, user.id);
  t.is(userinfo.preferred_username, 'Anna.Berg');
});

test('the login page carries the Danish labels and a CSRF token', async (t) => {
  const provider = await TestProvider.start(t);
  const rp = await TestRelyingParty.register(provider);
  const agent = new BrowserAgent(provider.issuer);

  const page = await agent.open((await rp.authorize()).url.href);

  t.is(page.status, 200);
  t.is(page.document.querySelector('html')?.getAttribute('lang'), 'da');
  t.is(fieldByLabel(page, 'Brugernavn')?.getAttribute('name'), 'username');
  t.is(fieldByLabel(page, 'Adgangskode')?.getAttribute('type'), 'password');
  t.is(page.document.querySelector('main form button')?.text.trim(), 'Login');
  t.truthy(page.document.querySelector('input[name=csrf]')?.getAttribute('value'));
});

test('ui_locales=en renders English, and the selector choice wins over it', async (t) => {
  const provider = await TestProvider.start(t);
  const rp = await TestRelyingParty.register(provider);
  const agent = new BrowserAgent(provider.issuer, 'da');

  const english = await agent.open((await rp.authorize({ ui_locales: 'en-GB' })).url.href);
  t.is(english.document.querySelector('html')?.getAttribute('lang'), 'en');
  t.truthy(fieldByLabel(english, 'Username'));

  const chosen = await agent.open(`${english.url}?lang=da`);
  t.is(chosen.document.querySelector('html')?.getAttribute('lang'), 'da');
  t.truthy(fieldByLabel(chosen, 'Brugernavn'));
});

test('a wrong password and an unknown username get the same answer', async (t) => {
  const provider = await TestProvider.start(t);
  const rp = await TestRelyingParty.register(provider);
  await provider.addUser('anna', 'correct horse battery staple');

  const attempt = async (username: string, password: string) => {
    const agent = new BrowserAgent(provider.issuer);
    const page = await agent.open((await rp.authorize()).url.href);
    return expectPage(await agent.submit(page, { username, password }));
  };
  const wrongPassword = await attempt('anna', 'not the password');
  const unknownUser = await attempt('nobody', 'not the password');

  t.is(wrongPassword.status, 400);
  t.is(unknownUser.status, wrongPassword.status);
  const message = (p: typeof wrongPassword) =>
    p.document.querySelector('.error-message')?.text.trim();
  t.is(message(wrongPassword), 'Brugernavnet eller adgangskoden er forkert.');
  t.is(message(unknownUser), message(wrongPassword));
  t.is(fieldByLabel(wrongPassword, 'Brugernavn')?.getAttribute('value'), 'anna');
  t.is(fieldByLabel(wrongPassword, 'Adgangskode')?.getAttribute('value'), undefined);
});

test('a disabled user cannot sign in and gets the same message', async (t) => {
  const provider = await TestProvider.start(t);
  const rp = await TestRelyingParty.register(provider);
  await provider.addUser('carl', 'correct horse battery staple');
  await provider.services.accounts.setStatus('carl', 'disabled');

  const agent = new BrowserAgent(provider.issuer);
  const page = await agent.open((await rp.authorize()).url.href);
  const result = expectPage(
    await agent.submit(page, { username: 'carl', password: 'correct horse battery staple' }),
  );

  t.is(result.status, 400);
  t.is(
    result.document.querySelector('.error-message')?.text.trim(),
    'Brugernavnet eller adgangskoden er forkert.',
  );
});

test('a form posted without its CSRF token is refused', async (t) => {
  const provider = await TestProvider.start(t);
  const rp = await TestRelyingParty.register(provider);
  await provider.addUser('anna', 'correct horse battery staple');

  const agent = new BrowserAgent(provider.issuer);
  const page = await agent.open((await rp.authorize()).url.href);
  const result = expectPage(
    await agent.submit(page, {
      username: 'anna',
      password: 'correct horse battery staple',
      csrf: 'forged',
    }),
  );

  t.is(result.status, 403);
  t.regex(result.html, /Formularen var for gammel/);
});

test('an expired or unknown interaction shows a page that leads back to the product', async (t) => {
  const provider = await TestProvider.start(t);
  const rp = await TestRelyingParty.register(provider, { name: 'Portalen' });
  const agent = new BrowserAgent(provider.issuer);
  const page = await agent.open((await rp.authorize()).url.href);

  const stale = expectPage(
    await agent.navigate(new URL('/interaction/does-not-exist', provider.issuer).href, {
      method: 'POST',
      form: { client_id: rp.clientId },
    }),
  );
  t.is(stale.status, 400);
  t.is(stale.document.querySelector('h1')?.text.trim(), 'Siden er udløbet');
  const back = stale.document.querySelectorAll('main a').find((a) => a.text.includes('Portalen'));
  t.is(back?.getAttribute('href'), 'http://localhost:9');

  // The original page still works: the stale request did not disturb it.
  t.is(page.status, 200);
});

test('a user already signed in is not asked again (single sign-on)', async (t) => {
  const provider = await TestProvider.start(t);
  const rp = await TestRelyingParty.register(provider);
  await provider.addUser('anna', 'correct horse battery staple');
  const agent = new BrowserAgent(provider.issuer);
  await rp.signIn(agent, 'anna', 'correct horse battery staple');

  const again = await rp.authorize();
  const callback = expectRedirect(await agent.navigate(again.url.href));
  const tokens = await rp.exchange(callback, again);
  t.truthy(tokens.id_token);
});

test('a browser whose session belongs to a disabled user is asked to sign in again', async (t) => {
  const provider = await TestProvider.start(t);
  const rp = await TestRelyingParty.register(provider);
  await provider.addUser('anna', 'correct horse battery staple');
  const agent = new BrowserAgent(provider.issuer);
  await rp.signIn(agent, 'anna', 'correct horse battery staple');

  await provider.services.db.query("UPDATE users SET status = 'disabled'");
  const page = expectPage(await agent.navigate((await rp.authorize()).url.href));
  t.is(page.status, 200);
  t.truthy(fieldByLabel(page, 'Brugernavn'));

  const silent = new URL(
    expectRedirect(await agent.navigate((await rp.authorize({ prompt: 'none' })).url.href)),
  );
  t.is(silent.searchParams.get('error'), 'login_required');
});

test('both fields empty: each gets its own message', async (t) => {
  const provider = await TestProvider.start(t);
  const rp = await TestRelyingParty.register(provider);
  const agent = new BrowserAgent(provider.issuer);
  const page = await agent.open((await rp.authorize()).url.href);
  const result = expectPage(await agent.submit(page, { username: ' ', password: '' }));
  t.is(result.status, 400);
  t.is(result.document.querySelector('#username-error')?.text.trim(), 'Indtast dit brugernavn.');
  t.is(result.document.querySelector('#password-error')?.text.trim(), 'Indtast din adgangskode.');
});
