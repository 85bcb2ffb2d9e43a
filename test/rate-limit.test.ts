import test from 'ava';

import { BrowserAgent, expectPage } from './helpers/browser-agent.js';
import { TestRelyingParty } from './helpers/relying-party.js';
import { TestProvider } from './helpers/server.js';

const limits = { rateLimit: { windowSeconds: 60, signIn: 3, recovery: 2, token: 4 } };

test('too many sign-in posts from one address get a translated 429 with Retry-After', async (t) => {
  const provider = await TestProvider.start(t, {}, limits);
  const rp = await TestRelyingParty.register(provider);
  const statuses: number[] = [];
  let last: Awaited<ReturnType<BrowserAgent['submit']>> | undefined;
  for (let i = 0; i < 5; i++) {
    const agent = new BrowserAgent(provider.issuer);
    const login = await agent.open((await rp.authorize()).url.href);
    last = await agent.submit(login, { username: 'nobody', password: `guess ${i}` });
    statuses.push(expectPage(last).status);
  }
  t.deepEqual(statuses, [400, 400, 400, 429, 429]);
  const page = expectPage(last as NonNullable<typeof last>);
  const retryAfter = Number(page.headers.get('retry-after'));
  t.true(retryAfter >= 1 && retryAfter <= 60);
  t.is(page.document.querySelector('h1')?.text.trim(), 'For mange forsøg');
});

test('the token endpoint answers 429 in JSON once an address exceeds its limit', async (t) => {
  const provider = await TestProvider.start(t, {}, limits);
  const client = await provider.addClient({ id: 'api', secret: 's'.repeat(40) });
  const call = () =>
    fetch(`${provider.issuer}/token`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`api:${client.client_secret}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'grant_type=client_credentials',
    });
  const statuses: number[] = [];
  let last: Response | undefined;
  for (let i = 0; i < 6; i++) {
    last = await call();
    statuses.push(last.status);
  }
  t.deepEqual(statuses, [200, 200, 200, 200, 429, 429]);
  t.truthy(last?.headers.get('retry-after'));
  t.is(((await last?.json()) as { error?: string } | undefined)?.error, 'temporarily_unavailable');
});

test('recovery posts are limited per address too', async (t) => {
  const provider = await TestProvider.start(t, {}, limits);
  const statuses: number[] = [];
  for (let i = 0; i < 3; i++) {
    const agent = new BrowserAgent(provider.issuer);
    const start = await agent.open(`${provider.issuer}/recovery`);
    statuses.push(expectPage(await agent.submit(start, { username: `someone${i}` })).status);
  }
  t.is(statuses[2], 429);
});

test('the limits hold whatever the case of the path', async (t) => {
  const provider = await TestProvider.start(t, {}, limits);
  const client = await provider.addClient({ id: 'api', secret: 's'.repeat(40) });
  const statuses: number[] = [];
  for (const path of ['/token', '/TOKEN', '/Token', '/token/', '/TOKEN']) {
    const response = await fetch(`${provider.issuer}${path}`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`api:${client.client_secret}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'grant_type=client_credentials',
    });
    statuses.push(response.status);
  }
  t.is(statuses[4], 429, statuses.join(' '));
  // The application's own pages answer only at their exact paths.
  t.is((await fetch(`${provider.issuer}/ACCOUNT`)).status, 404);
  t.is((await fetch(`${provider.issuer}/RECOVERY`)).status, 404);
});
