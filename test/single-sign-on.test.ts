import test, { type ExecutionContext } from 'ava';
import * as oidc from 'openid-client';

import { LogoutDelivery } from '../src/db/entities/logout-delivery.js';
import { startDemoRelyingParty } from '../src/demo/relying-party.js';
import { BrowserAgent, expectPage, expectRedirect } from './helpers/browser-agent.js';
import { TestRelyingParty } from './helpers/relying-party.js';
import { TestProvider } from './helpers/server.js';

const PASSWORD = 'correct horse battery staple';

/** A product with a back-channel endpoint: the demo relying party on a free port. */
async function product(t: ExecutionContext, provider: TestProvider, id: string, extra = {}) {
  const secret = `${id}-secret-for-this-test-only-0123456789`;
  const started = await startDemoRelyingParty({
    issuer: provider.issuer,
    clientId: id,
    clientSecret: secret,
    port: 0,
    name: id,
  });
  t.teardown(() => new Promise<void>((resolve) => started.server.close(() => resolve())));
  await provider.addClient({
    id,
    secret,
    name: id,
    redirectUris: [`${started.url}/callback`],
    postLogoutRedirectUris: [`${started.url}/`],
    backchannelLogoutUri: `${started.url}/backchannel-logout`,
    backchannelLogoutSessionRequired: true,
    ...extra,
  });
  return started;
}

/** Signs in at a product through its /login, following every redirect like a browser. */
async function signInAt(agent: BrowserAgent, url: string, credentials?: Record<string, string>) {
  let result = await agent.navigate(`${url}/login`);
  if (credentials && !('leftTo' in result)) result = await agent.submit(result, credentials);
  if (!('leftTo' in result)) return result;
  // Back at the product: its callback, then its start page.
  const callback = await agent.request(result.leftTo);
  const home = await agent.request(new URL(callback.headers.get('location') ?? '/', url).href);
  return { status: home.status, html: await home.text() };
}

const signedIn = (page: { html: string }) => page.html.includes('<p id="status">Signed in.</p>');

test('one sign-in serves three products; signing out of one signs out of all, by back channel', async (t) => {
  const provider = await TestProvider.start(t);
  await provider.addUser('anna', PASSWORD);
  const [a, b, c] = [
    await product(t, provider, 'servatnet'),
    await product(t, provider, 'insights'),
    await product(t, provider, 'collectatnet'),
  ];
  const agent = new BrowserAgent(provider.issuer);

  t.true(signedIn(await signInAt(agent, a.url, { username: 'anna', password: PASSWORD })));
  // The others: no sign-in page, no consent page.
  t.true(signedIn(await signInAt(agent, b.url)));
  t.true(signedIn(await signInAt(agent, c.url)));

  // Sign out at product a: its RP-initiated logout, confirmed at the provider.
  const logout = await agent.request(`${a.url}/logout`);
  const confirm = expectPage(await agent.navigate(logout.headers.get('location') ?? ''));
  const done = await agent.submit(confirm, { logout: 'yes' });
  t.is(new URL(expectRedirect(done)).origin, new URL(a.url).origin);

  // Every product of the session got a verified logout token naming the session.
  // (Product a ended its own session before it sent the user to the provider.)
  for (const [rp, ended] of [
    [a, 0],
    [b, 1],
    [c, 1],
  ] as const) {
    t.is(rp.logouts.length, 1);
    t.truthy(rp.logouts[0]?.sid);
    t.is(rp.logouts[0]?.ended, ended);
  }
  t.false(signedIn({ html: await (await agent.request(`${b.url}/`)).text() }));
  // And the provider session is gone: the next product asks for a sign-in.
  const again = await agent.navigate(`${c.url}/login`);
  t.false('leftTo' in again);
});

test('prompt=login asks again; max_age counts from the last real sign-in; prompt=none without a session', async (t) => {
  const provider = await TestProvider.start(t);
  const rp = await TestRelyingParty.register(provider);
  await provider.addUser('anna', PASSWORD);
  const agent = new BrowserAgent(provider.issuer);
  const first = await rp.signIn(agent, 'anna', PASSWORD);
  const authTime = first.claims()?.auth_time as number;

  const forced = await agent.navigate((await rp.authorize({ prompt: 'login' })).url.href);
  t.false('leftTo' in forced, 'prompt=login shows the sign-in page');

  await new Promise((resolve) => setTimeout(resolve, 2100));
  // Silent SSO does not move auth_time...
  const silent = await rp.authorize();
  const sso = await rp.exchange(expectRedirect(await agent.navigate(silent.url.href)), silent);
  t.is(sso.claims()?.auth_time, authTime);
  // ...so max_age=1 now needs a new sign-in, while a generous max_age does not.
  t.false('leftTo' in (await agent.navigate((await rp.authorize({ max_age: '1' })).url.href)));
  t.true('leftTo' in (await agent.navigate((await rp.authorize({ max_age: '3600' })).url.href)));

  const stranger = new BrowserAgent(provider.issuer);
  const none = await rp.authorize({ prompt: 'none' });
  const answer = new URL(expectRedirect(await stranger.navigate(none.url.href)));
  t.is(answer.searchParams.get('error'), 'login_required');
  t.is(answer.searchParams.get('state'), none.state);
});

test('a product the user is not entitled to: a friendly page, then access_denied and no token', async (t) => {
  const provider = await TestProvider.start(t);
  const closed = await TestRelyingParty.register(provider, {
    id: 'guarantees',
    name: 'Garanti@Net',
    openToAll: false,
  });
  const user = await provider.addUser('anna', PASSWORD);
  const agent = new BrowserAgent(provider.issuer);
  const pending = await closed.authorize();
  const login = await agent.open(pending.url.href);
  const page = expectPage(await agent.submit(login, { username: 'anna', password: PASSWORD }));
  t.is(page.status, 403);
  t.is(page.document.querySelector('h1')?.text.trim(), 'Ingen adgang');
  t.regex(page.document.querySelector('main p')?.text ?? '', /Garanti@Net/);
  const back = new URL(expectRedirect(await agent.submit(page, {})));
  t.is(back.searchParams.get('error'), 'access_denied');
  t.is(back.searchParams.get('code'), null);
  const [event] = await provider.services.audit.list({ type: 'login.not_entitled' });
  t.is(event?.userId, user.id);

  // prompt=none gets access_denied at once; once granted, the same session gets a code.
  const silent = await closed.authorize({ prompt: 'none' });
  t.is(
    new URL(expectRedirect(await agent.navigate(silent.url.href))).searchParams.get('error'),
    'access_denied',
  );
  await provider.services.entitlements.grant(user.id, 'guarantees');
  const granted = await closed.authorize({ prompt: 'none' });
  t.truthy(
    new URL(expectRedirect(await agent.navigate(granted.url.href))).searchParams.get('code'),
  );

  // Revoking ends what the user holds for the product.
  const more = await closed.authorize({ scope: 'openid' });
  const tokens = await closed.exchange(expectRedirect(await agent.navigate(more.url.href)), more);
  await provider.services.entitlements.revoke(user.id, 'guarantees');
  await t.throwsAsync(oidc.refreshTokenGrant(closed.config, tokens.refresh_token ?? ''));
  await t.throwsAsync(oidc.fetchUserInfo(closed.config, tokens.access_token, user.id));
});

test('sign-out never redirects to an unregistered address', async (t) => {
  const provider = await TestProvider.start(t);
  const rp = await TestRelyingParty.register(provider);
  await provider.addUser('anna', PASSWORD);
  for (const target of [
    'https://evil.example/',
    'http://localhost:9/.evil',
    'http://localhost:9/?next=x',
    'http://LOCALHOST:9/',
    '//evil.example/',
    'javascript:alert(1)',
  ]) {
    const agent = new BrowserAgent(provider.issuer);
    const tokens = await rp.signIn(agent, 'anna', PASSWORD);
    const url = new URL(`${provider.issuer}/session/end`);
    url.searchParams.set('id_token_hint', tokens.id_token ?? '');
    url.searchParams.set('post_logout_redirect_uri', target);
    const result = await agent.navigate(url.href);
    if ('leftTo' in result) {
      t.fail(`${target}: redirected to ${result.leftTo}`);
      continue;
    }
    if (result.status === 200 && result.document.querySelector('form')) {
      const after = await agent.submit(result, { logout: 'yes' });
      t.false('leftTo' in after, `${target}: left to ${'leftTo' in after ? after.leftTo : ''}`);
    } else {
      t.true(result.status >= 400 && result.status < 500, `${target}: ${result.status}`);
    }
  }
  // The registered address, exactly, is followed.
  const agent = new BrowserAgent(provider.issuer);
  const tokens = await rp.signIn(agent, 'anna', PASSWORD);
  const url = new URL(`${provider.issuer}/session/end`);
  url.searchParams.set('id_token_hint', tokens.id_token ?? '');
  url.searchParams.set('post_logout_redirect_uri', 'http://localhost:9/');
  const confirm = expectPage(await agent.navigate(url.href));
  t.is(expectRedirect(await agent.submit(confirm, { logout: 'yes' })), 'http://localhost:9/');
});

test('an expired id_token_hint, or one signed with a rotated-out key, still signs out', async (t) => {
  const provider = await TestProvider.start(t, {}, { ttl: { idToken: 1 } });
  const rp = await TestRelyingParty.register(provider);
  await provider.addUser('anna', PASSWORD);
  const agent = new BrowserAgent(provider.issuer);
  const tokens = await rp.signIn(agent, 'anna', PASSWORD);
  await new Promise((resolve) => setTimeout(resolve, 2100));
  const { rotateSigningKeys } = await import('../src/oidc/keys.js');
  await rotateSigningKeys(provider.services.db);
  await provider.restart();

  const url = new URL(`${provider.issuer}/session/end`);
  url.searchParams.set('id_token_hint', tokens.id_token ?? '');
  url.searchParams.set('post_logout_redirect_uri', 'http://localhost:9/');
  const confirm = expectPage(await agent.navigate(url.href));
  t.is(confirm.status, 200);
  t.is(expectRedirect(await agent.submit(confirm, { logout: 'yes' })), 'http://localhost:9/');
  const none = await rp.authorize({ prompt: 'none' });
  t.is(
    new URL(expectRedirect(await agent.navigate(none.url.href))).searchParams.get('error'),
    'login_required',
  );
});

test('a session ends after its idle time, and after its absolute lifetime however busy', async (t) => {
  const idle = await TestProvider.start(t, {}, { ttl: { session: 3600, sessionIdle: 3 } });
  const rpIdle = await TestRelyingParty.register(idle);
  await idle.addUser('anna', PASSWORD);
  const a = new BrowserAgent(idle.issuer);
  await rpIdle.signIn(a, 'anna', PASSWORD);
  /** A silent authorization request: it uses (and so refreshes) the session. */
  const silently = async () => {
    const pending = await rpIdle.authorize({ prompt: 'none' });
    const answer = new URL(expectRedirect(await a.navigate(pending.url.href)));
    return { answer, at: Date.now() };
  };
  let last = await silently();
  for (let i = 0; i < 3; i++) {
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, last.at + 1500 - Date.now())));
    last = await silently();
    t.truthy(last.answer.searchParams.get('code'), 'used within the idle time: still signed in');
  }
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, last.at + 4000 - Date.now())));
  t.is((await silently()).answer.searchParams.get('error'), 'login_required');

  const absolute = await TestProvider.start(t, {}, { ttl: { session: 4, sessionIdle: 3600 } });
  const rpAbs = await TestRelyingParty.register(absolute);
  await absolute.addUser('anna', PASSWORD);
  const b = new BrowserAgent(absolute.issuer);
  await rpAbs.signIn(b, 'anna', PASSWORD);
  const signedInAt = Date.now();
  const until = (ms: number) =>
    new Promise((resolve) => setTimeout(resolve, Math.max(0, signedInAt + ms - Date.now())));
  for (const at of [1000, 2000]) {
    await until(at);
    const busy = await rpAbs.authorize({ prompt: 'none' });
    const busyAnswer = new URL(expectRedirect(await b.navigate(busy.url.href)));
    t.truthy(busyAnswer.searchParams.get('code'), busyAnswer.href);
  }
  await until(5000);
  const over = await rpAbs.authorize({ prompt: 'none' });
  t.is(
    new URL(expectRedirect(await b.navigate(over.url.href))).searchParams.get('error'),
    'login_required',
  );
});

test('a password change that ends other sessions tells their products; a product that was down hears later', async (t) => {
  const provider = await TestProvider.start(t);
  await provider.addUser('anna', PASSWORD);
  const a = await product(t, provider, 'servatnet');
  const elsewhere = new BrowserAgent(provider.issuer);
  t.true(signedIn(await signInAt(elsewhere, a.url, { username: 'anna', password: PASSWORD })));

  // A second product whose back-channel endpoint is down for now.
  const down = await product(t, provider, 'insights', {
    backchannelLogoutUri: 'http://127.0.0.1:9/backchannel-logout',
  });
  t.true(signedIn(await signInAt(elsewhere, down.url)));

  const here = new BrowserAgent(provider.issuer);
  const login = await here.open(`${provider.issuer}/account`);
  const profile = expectPage(await here.submit(login, { username: 'anna', password: PASSWORD }));
  const NEW = 'Blåbærgrød med fløde 42';
  expectPage(
    await here.submit(
      profile,
      { current_password: PASSWORD, new_password: NEW, new_password_repeat: NEW },
      '#password form',
    ),
  );

  await provider.services.backchannel.deliverDue();
  t.is(a.logouts.length, 1);
  t.false(signedIn({ html: await (await elsewhere.request(`${a.url}/`)).text() }));
  const [waiting] = await provider.services.db
    .getRepository(LogoutDelivery)
    .find({ where: { clientId: 'insights' } });
  t.is(waiting?.attempts, 1);
  t.is(waiting?.sentAt, null);

  // The product comes back at its real address; the retry delivers.
  await new (await import('../src/oidc/client-store.js')).ClientStore(
    provider.services.db,
    provider.services.provider,
  ).update('insights', {
    backchannelLogoutUri: `${down.url}/backchannel-logout`,
  });
  t.is(await provider.services.backchannel.deliverDue(Date.now() + 60_000), 1);
  t.is(down.logouts.length, 1);
  t.is(await provider.services.backchannel.deliverDue(Date.now() + 120_000), 0);
});

test('client secrets are stored hashed and still authenticate; the start page shows the products', async (t) => {
  const provider = await TestProvider.start(t);
  const rp = await TestRelyingParty.register(provider, {
    id: 'servatnet',
    name: 'Serv@Net',
    description: { da: 'Kreditforsikring online.', en: 'Credit insurance online.' },
    clientUri: 'http://localhost:9/login',
  });
  const [row] = await provider.services.db.query(
    "SELECT payload FROM oidc_payloads WHERE model = 'Client' AND id = 'servatnet'",
  );
  const stored = JSON.parse(row.payload) as { client_secret: string };
  t.regex(stored.client_secret, /^sha256:[0-9a-f]{64}$/);
  t.false(row.payload.includes(rp.secret ?? '(none)'));
  const grant = await oidc.clientCredentialsGrant(rp.config);
  t.truthy(grant.access_token);

  const home = await new BrowserAgent(provider.issuer, 'en').open(`${provider.issuer}/`);
  const tile = home.document.querySelector('.tile');
  t.is(tile?.querySelector('h3')?.text, 'Serv@Net');
  t.is(tile?.querySelector('p')?.text, 'Credit insurance online.');
  t.is(tile?.querySelector('a')?.getAttribute('href'), 'http://localhost:9/login');
  t.is(tile?.querySelector('a')?.text, 'Sign in to Serv@Net');
});

test('a client declared in the configuration is created, and the file wins over the database', async (t) => {
  const declared = {
    id: 'insights',
    secret: 'declared-secret-for-this-test-0123456789',
    redirectUris: ['http://localhost:9/callback'],
    name: 'Insights',
    firstParty: true,
    openToAll: true,
  };
  const provider = await TestProvider.start(t, {}, { clients: [declared] });
  const { ClientStore } = await import('../src/oidc/client-store.js');
  const store = () => new ClientStore(provider.services.db, provider.services.provider);
  t.is((await store().get('insights')).client_name, 'Insights');
  await store().update('insights', {
    name: 'Changed by hand',
    redirectUris: ['http://localhost:9/other'],
  });
  await provider.restart();
  const after = await store().get('insights');
  t.is(after.client_name, 'Insights');
  t.deepEqual(after.redirect_uris, ['http://localhost:9/callback']);
});
