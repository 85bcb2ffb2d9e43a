import test from 'ava';

import { BrowserAgent, expectPage, expectRedirect } from './helpers/browser-agent.js';
import { REDIRECT_URI, TestRelyingParty } from './helpers/relying-party.js';
import { TestProvider } from './helpers/server.js';

test('an unknown client gets a translated error page, never a redirect', async (t) => {
  const provider = await TestProvider.start(t);
  const rp = await TestRelyingParty.register(provider);
  const url = (await rp.authorize()).url;
  url.searchParams.set('client_id', 'no-such-product');

  const page = expectPage(await new BrowserAgent(provider.issuer).navigate(url.href));
  t.is(page.status, 400);
  t.is(page.document.querySelector('h1')?.text.trim(), 'Der opstod en fejl');
  t.regex(page.html, /invalid_client/);
  t.notRegex(page.html, /at .*\.js:\d+/);
});

test('a redirect_uri that differs from the registered one in any way is refused', async (t) => {
  const provider = await TestProvider.start(t);
  const rp = await TestRelyingParty.register(provider);
  const variants = [
    `${REDIRECT_URI}/`,
    `${REDIRECT_URI}?x=1`,
    REDIRECT_URI.replace('localhost', 'LOCALHOST'),
    REDIRECT_URI.replace('http:', 'https:'),
    'http://localhost:9/callbacks',
    'https://evil.example/callback',
  ];

  for (const redirectUri of variants) {
    const url = (await rp.authorize({ redirect_uri: redirectUri })).url;
    const result = await new BrowserAgent(provider.issuer).navigate(url.href);
    const page = expectPage(result);
    t.is(page.status, 400, redirectUri);
    t.regex(page.html, /redirect_uri/, redirectUri);
  }
});

test('a missing redirect_uri is refused even with a single registered one', async (t) => {
  const provider = await TestProvider.start(t);
  const rp = await TestRelyingParty.register(provider);
  const url = (await rp.authorize()).url;
  url.searchParams.delete('redirect_uri');

  const page = expectPage(await new BrowserAgent(provider.issuer).navigate(url.href));
  t.is(page.status, 400);
});

test('a consent page lists the scopes of a product that is not first-party', async (t) => {
  const provider = await TestProvider.start(t);
  const rp = await TestRelyingParty.register(provider, {
    id: 'partner',
    firstParty: false,
    name: 'Partner',
  });
  await provider.addUser('anna', 'correct horse battery staple');
  const agent = new BrowserAgent(provider.issuer, 'en');

  // anna prefers Danish; the product asks for English.
  const pending = await rp.authorize({ ui_locales: 'en' });
  const login = await agent.open(pending.url.href);
  const consent = expectPage(
    await agent.submit(login, { username: 'anna', password: 'correct horse battery staple' }),
  );
  t.is(consent.document.querySelector('h1')?.text.trim(), 'Grant access');
  const scopes = consent.document.querySelectorAll('.scopes li').map((li) => li.text.trim());
  t.deepEqual(scopes, [
    'That you are signed in (your user id)',
    'Your name, your username and your language',
    'Your email address',
  ]);

  const callback = expectRedirect(await agent.submit(consent, { decision: 'allow' }));
  const tokens = await rp.exchange(callback, pending);
  t.truthy(tokens.id_token);
});

test('denying consent sends access_denied back to the product', async (t) => {
  const provider = await TestProvider.start(t);
  const rp = await TestRelyingParty.register(provider, { id: 'partner', firstParty: false });
  await provider.addUser('anna', 'correct horse battery staple');
  const agent = new BrowserAgent(provider.issuer);

  const pending = await rp.authorize();
  const login = await agent.open(pending.url.href);
  const consent = expectPage(
    await agent.submit(login, { username: 'anna', password: 'correct horse battery staple' }),
  );
  const callback = new URL(expectRedirect(await agent.submit(consent, { decision: 'deny' })));

  t.is(callback.searchParams.get('error'), 'access_denied');
  t.is(callback.searchParams.get('state'), pending.state);
  t.is(callback.searchParams.get('code'), null);
});

test('a wrong code_verifier is refused with invalid_grant', async (t) => {
  const provider = await TestProvider.start(t);
  const rp = await TestRelyingParty.register(provider);
  await provider.addUser('anna', 'correct horse battery staple');
  const agent = new BrowserAgent(provider.issuer);
  const { pending, callback } = await rp.obtainCode(agent, 'anna', 'correct horse battery staple');
  const error = await t.throwsAsync(
    rp.exchange(callback, { ...pending, verifier: 'x'.repeat(43) }),
  );
  t.is((error as { error?: string }).error, 'invalid_grant');
});

test('unknown paths get a translated 404 page', async (t) => {
  const provider = await TestProvider.start(t);
  const page = await new BrowserAgent(provider.issuer).open(
    new URL('/nowhere', provider.issuer).href,
  );
  t.is(page.status, 404);
  t.is(page.document.querySelector('h1')?.text.trim(), 'Siden findes ikke');
});

test('claims asked for one by one are listed on the consent page', async (t) => {
  const provider = await TestProvider.start(t);
  const rp = await TestRelyingParty.register(provider, { id: 'partner', firstParty: false });
  await provider.addUser('anna', 'correct horse battery staple');
  const agent = new BrowserAgent(provider.issuer, 'en');

  const claims = JSON.stringify({
    userinfo: { email: null },
    id_token: { preferred_username: { essential: true } },
  });
  const pending = await rp.authorize({ scope: 'openid', claims, ui_locales: 'en' });
  const login = await agent.open(pending.url.href);
  const consent = expectPage(
    await agent.submit(login, { username: 'anna', password: 'correct horse battery staple' }),
  );
  const listed = consent.document.querySelectorAll('.claims li').map((li) => li.text.trim());
  t.deepEqual(listed.sort(), ['Your email address', 'Your username']);
});

test('a path starting with // gives a 404 page whose language form stays on this site', async (t) => {
  const provider = await TestProvider.start(t);
  for (const path of ['//evil.example//attacker.example/x?foo=bar', '//a:99999/', '//x@/']) {
    const response = await fetch(`${provider.issuer}${path}`, { redirect: 'manual' });
    t.is(response.status, 404, path);
    const html = await response.text();
    const action = /class="language-selector" method="get" action="([^"]*)"/.exec(html)?.[1] ?? '';
    t.regex(action, /^\/[^/\\]/, path);
  }
});

test('a form body that cannot be decompressed is a 400, not a server error', async (t) => {
  const provider = await TestProvider.start(t);
  const response = await fetch(`${provider.issuer}/interaction/abc`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-encoding': 'gzip' },
    body: 'this is not gzip',
  });
  t.is(response.status, 400);
  t.regex(await response.text(), /<html lang="da">/);
});

test('pages are never cached and carry the security headers', async (t) => {
  const provider = await TestProvider.start(t);
  const rp = await TestRelyingParty.register(provider);
  const page = await new BrowserAgent(provider.issuer).open((await rp.authorize()).url.href);
  t.is(page.status, 200);
  t.is(page.headers.get('cache-control'), 'no-store');
  t.regex(page.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/);
  t.notRegex(page.headers.get('content-security-policy') ?? '', /unsafe-inline/);
  t.is(page.headers.get('x-content-type-options'), 'nosniff');
});
