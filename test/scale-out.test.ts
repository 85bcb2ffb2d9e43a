import test from 'ava';
import * as oidc from 'openid-client';

import { JobLeases } from '../src/jobs/job-lease.js';
import { RoundRobinBalancer } from './helpers/balancer.js';
import { BrowserAgent, expectPage, expectRedirect } from './helpers/browser-agent.js';
import { createTestDatabase } from './helpers/database.js';
import { DETAILS, heading, submitSecurity, TEMPORARY } from './helpers/registration.js';
import { TestRelyingParty } from './helpers/relying-party.js';
import { freePort, TestProvider } from './helpers/server.js';

/** Two instances on one database behind a balancer that alternates every request. */
async function cluster(t: import('ava').ExecutionContext, settings?: Record<string, unknown>) {
  const database = await createTestDatabase();
  t.teardown(() => database.drop());
  const balancer = new RoundRobinBalancer([]);
  await balancer.listen();
  t.teardown(() => balancer.close());
  const issuer = `http://localhost:${balancer.port}`;
  const instances: TestProvider[] = [];
  for (let i = 0; i < 2; i++) {
    instances.push(
      await TestProvider.start(t, {}, settings, { database, issuer, port: await freePort() }),
    );
  }
  balancer.setBackends(instances.map((instance) => instance.config.port));
  return { instances: instances as [TestProvider, TestProvider], balancer, issuer, database };
}

test('every main flow works with consecutive requests on alternating instances', async (t) => {
  const { instances, balancer } = await cluster(t);
  const [a, b] = instances;
  const rp = await TestRelyingParty.register(a);
  await b.addNewUser('new.user', TEMPORARY);

  // First sign-in with registration: each step is served by the other instance.
  const agent = new BrowserAgent(a.issuer);
  const pending = await rp.authorize({
    scope: 'openid profile email offline_access',
    prompt: 'consent',
  });
  const login = await agent.open(pending.url.href);
  const step1 = expectPage(
    await agent.submit(login, { username: 'new.user', password: TEMPORARY }),
  );
  t.is(heading(step1), 'Trin 1 – Sikkerhed');
  const step2 = expectPage(await submitSecurity(agent, step1));
  // offline_access is asked with prompt=consent: the consent page, too.
  const consent = expectPage(await agent.submit(step2, DETAILS));
  const callback = expectRedirect(await agent.submit(consent, { decision: 'allow' }));
  const tokens = await rp.exchange(callback, pending);
  const sub = tokens.claims()?.sub ?? '';
  t.is((await oidc.fetchUserInfo(rp.config, tokens.access_token, sub)).email, DETAILS.email);

  // Refresh, SSO to the same product, introspection: across both instances.
  let refresh = tokens.refresh_token ?? '';
  for (let i = 0; i < 3; i++) {
    const refreshed = await oidc.refreshTokenGrant(rp.config, refresh);
    refresh = refreshed.refresh_token ?? '';
    t.truthy(refreshed.access_token);
  }
  const silent = await rp.authorize({ prompt: 'none' });
  t.truthy(new URL(expectRedirect(await agent.navigate(silent.url.href))).searchParams.get('code'));
  const introspected = await oidc.tokenIntrospection(rp.config, tokens.access_token);
  t.true(introspected.active);

  // Sign-out begun on one instance, confirmed on the other.
  const end = new URL(`${a.issuer}/session/end`);
  end.searchParams.set('id_token_hint', tokens.id_token ?? '');
  end.searchParams.set('post_logout_redirect_uri', 'http://localhost:9/');
  const confirm = expectPage(await agent.navigate(end.href));
  t.is(expectRedirect(await agent.submit(confirm, { logout: 'yes' })), 'http://localhost:9/');
  const after = await rp.authorize({ prompt: 'none' });
  t.is(
    new URL(expectRedirect(await agent.navigate(after.url.href))).searchParams.get('error'),
    'login_required',
  );

  // Both instances did their share.
  const [servedA, servedB] = balancer.served;
  t.true((servedA ?? 0) >= 8 && (servedB ?? 0) >= 8, `served ${balancer.served.join(' / ')}`);
});

test('a periodic job runs on one instance at a time; another takes over when its lease lapses', async (t) => {
  const { instances } = await cluster(t);
  const [a, b] = instances.map((instance) => new JobLeases(instance.services.db)) as [
    JobLeases,
    JobLeases,
  ];
  const race = await Promise.all([a.acquire('purge', 1000), b.acquire('purge', 1000)]);
  t.is(race.filter(Boolean).length, 1);
  const [winner, loser] = race[0] ? [a, b] : [b, a];
  t.true(await winner.acquire('purge', 1000), 'the holder renews its lease');
  t.false(await loser.acquire('purge', 1000));
  await new Promise((resolve) => setTimeout(resolve, 1100));
  t.true(await loser.acquire('purge', 1000), 'a lapsed lease is taken over');
  t.false(await winner.acquire('purge', 1000));
  await loser.release('purge');
  t.true(await winner.acquire('purge', 1000), 'a released lease is free at once');
});

test('a key rotated on one instance is published by all within an interval, then signs everywhere', async (t) => {
  const { instances } = await cluster(t, {
    keys: { signingKeysFile: null, cookieKeys: [], reloadIntervalSeconds: 1 },
  });
  const [a, b] = instances;
  const rp = await TestRelyingParty.register(a);
  await a.addUser('anna', 'correct horse battery staple');
  const kidsAt = async (instance: TestProvider) =>
    (
      (await (await fetch(`http://localhost:${instance.config.port}/jwks`)).json()) as {
        keys: { kid: string }[];
      }
    ).keys.map((key) => key.kid);
  const signingKid = async () => {
    const tokens = await rp.signIn(
      new BrowserAgent(a.issuer),
      'anna',
      'correct horse battery staple',
    );
    const header = (tokens.id_token ?? '').split('.')[0] ?? '';
    return (JSON.parse(Buffer.from(header, 'base64url').toString()) as { kid: string }).kid;
  };
  const before = await kidsAt(a);
  const oldKid = await signingKid();
  t.true(before.includes(oldKid));

  const { rotateSigningKeys } = await import('../src/oidc/keys.js');
  const rotatedAt = Date.now();
  await rotateSigningKeys(b.services.db);
  const fresh = (await kidsAt(a).then(() =>
    b.services.db.query('SELECT kid FROM signing_keys'),
  )) as {
    kid: string;
  }[];
  const newKids = fresh.map((row) => row.kid).filter((kid) => !before.includes(kid));
  t.is(newKids.length, 2);

  // Within about an interval, both instances publish the new keys (polled:
  // a busy machine may run the reload timer late)...
  for (const instance of [a, b]) {
    let kids: string[] = [];
    for (let i = 0; i < 40 && !newKids.every((kid) => kids.includes(kid)); i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      kids = await kidsAt(instance);
    }
    t.true(
      newKids.every((kid) => kids.includes(kid)),
      `instance ${instance.config.port}: ${kids}`,
    );
    t.true(
      before.every((kid) => kids.includes(kid)),
      'old keys stay published',
    );
  }
  // ...and after two, every instance signs with the new key.
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, rotatedAt + 4500 - Date.now())));
  for (let i = 0; i < 2; i++) t.true(newKids.includes(await signingKid()));
});
