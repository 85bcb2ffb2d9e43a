import test from 'ava';

import { BrowserAgent, expectRedirect } from './helpers/browser-agent.js';
import { TestRelyingParty } from './helpers/relying-party.js';
import { TestProvider } from './helpers/server.js';

const PASSWORD = 'correct horse battery staple';

async function sessionCookie(agent: BrowserAgent, issuer: string) {
  const cookies = await agent.jar.getCookies(issuer);
  return cookies.find((cookie) => cookie.key === '_session')?.value;
}

test('cookies are HttpOnly and SameSite=Lax; over plain http they are not Secure', async (t) => {
  const provider = await TestProvider.start(t);
  const rp = await TestRelyingParty.register(provider);
  await provider.addUser('anna', PASSWORD);
  const agent = new BrowserAgent(provider.issuer);
  // Every cookie the provider sets: interaction, session, language choice, recovery.
  const pending = await rp.authorize();
  const login = await agent.open(pending.url.href);
  await agent.open(`${login.url}?lang=en`);
  expectRedirect(await agent.submit(login, { username: 'anna', password: PASSWORD }));
  await agent.open(`${provider.issuer}/recovery`);

  const cookies = agent.jar.serializeSync()?.cookies ?? [];
  const names = new Set(cookies.map((cookie) => cookie.key));
  for (const name of [
    '_interaction',
    '_interaction_resume',
    '_session',
    'idp_lang',
    'idp_recovery',
  ]) {
    t.true(names.has(name), `${name} is set`);
  }
  for (const cookie of cookies) {
    t.true(cookie.httpOnly, `${cookie.key} is HttpOnly`);
    t.is(String(cookie.sameSite).toLowerCase(), 'lax', `${cookie.key} is SameSite=Lax`);
    t.falsy(cookie.secure, `${cookie.key} is not Secure over http`);
  }
});

test('the session id changes at every sign-in, and the old id stops working', async (t) => {
  const provider = await TestProvider.start(t);
  const rp = await TestRelyingParty.register(provider);
  await provider.addUser('anna', PASSWORD);
  const agent = new BrowserAgent(provider.issuer);

  t.is(await sessionCookie(agent, provider.issuer), undefined);
  await rp.signIn(agent, 'anna', PASSWORD);
  const first = await sessionCookie(agent, provider.issuer);
  t.truthy(first);

  // A fresh sign-in (prompt=login) in the same browser: a new session id.
  await rp.signIn(agent, 'anna', PASSWORD, { prompt: 'login' });
  const second = await sessionCookie(agent, provider.issuer);
  t.truthy(second);
  t.not(second, first);

  // Someone holding the first id (planted or stolen before the sign-in) holds nothing.
  const holder = new BrowserAgent(provider.issuer);
  for (const cookie of await agent.jar.getCookies(provider.issuer)) {
    if (cookie.key.startsWith('_session')) {
      const value = cookie.key === '_session' ? first : cookie.value;
      await holder.jar.setCookie(`${cookie.key}=${value}; Path=/`, provider.issuer);
    }
  }
  const silent = await rp.authorize({ prompt: 'none' });
  const answer = new URL(expectRedirect(await holder.navigate(silent.url.href)));
  t.is(answer.searchParams.get('error'), 'login_required');
});

test('proxy mode: discovery, redirects and cookies follow the public https issuer, not the request', async (t) => {
  const issuer = 'https://id.example.test';
  const provider = await TestProvider.start(t, { TRUST_PROXY: 'true' }, undefined, { issuer });
  await provider.addClient({ id: 'portal', isPublic: true });

  const spoofed = {
    'x-forwarded-host': 'evil.example',
    'x-forwarded-proto': 'http',
    host: 'evil.example',
  };
  const discovery = (await (
    await fetch(`${provider.origin}/.well-known/openid-configuration`, { headers: spoofed })
  ).json()) as Record<string, string>;
  t.is(discovery.issuer, issuer);
  for (const endpoint of [
    'authorization_endpoint',
    'token_endpoint',
    'jwks_uri',
    'end_session_endpoint',
  ]) {
    t.true(discovery[endpoint]?.startsWith(`${issuer}/`), `${endpoint}: ${discovery[endpoint]}`);
  }

  const query = new URLSearchParams({
    client_id: 'portal',
    response_type: 'code',
    scope: 'openid',
    redirect_uri: 'http://localhost:9/callback',
    code_challenge: 'a'.repeat(43),
    code_challenge_method: 'S256',
  });
  const started = await fetch(`${provider.origin}/auth?${query}`, {
    redirect: 'manual',
    headers: spoofed,
  });
  t.is(started.status, 303);
  const cookies = started.headers.getSetCookie();
  t.true(cookies.length > 0);
  for (const line of cookies) t.regex(line, /;\s*secure/i, line);
  t.is(started.headers.get('strict-transport-security'), 'max-age=31536000; includeSubDomains');

  const page = await fetch(`${provider.origin}${started.headers.get('location')}`, {
    headers: { cookie: cookies.map((line) => line.split(';')[0]).join('; '), accept: 'text/html' },
  });
  const html = await page.text();
  t.is(page.status, 200);
  t.notRegex(html, /evil\.example|localhost/);
});

test('proxy mode takes the client address from the nearest proxy only; direct mode ignores the header', async (t) => {
  for (const trust of [true, false]) {
    const provider = await TestProvider.start(t, { TRUST_PROXY: String(trust) });
    const rp = await TestRelyingParty.register(provider);
    const agent = new BrowserAgent(provider.issuer, 'da', {
      'x-forwarded-for': '198.51.100.7, 203.0.113.9',
    });
    const login = await agent.open((await rp.authorize()).url.href);
    await agent.submit(login, { username: 'nobody', password: 'wrong password' });
    const [event] = await provider.services.audit.list({ type: 'login.failed' });
    if (trust) t.is(event?.ip, '203.0.113.9');
    else t.regex(event?.ip ?? '', /^(::1|127\.0\.0\.1|::ffff:127\.0\.0\.1)$/);
  }
});
