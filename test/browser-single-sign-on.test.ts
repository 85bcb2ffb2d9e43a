import test from 'ava';

import { startDemoRelyingParty } from '../src/demo/relying-party.js';
import { launchBrowser } from './helpers/browser.js';
import { TestProvider } from './helpers/server.js';

const PASSWORD = 'correct horse battery staple';

test('in chromium: sign in once, open the other products, sign out of one and be out of all', async (t) => {
  const provider = await TestProvider.start(t);
  await provider.addUser('anna', PASSWORD);
  const products = [];
  for (const [id, name] of [
    ['servatnet', 'Serv@Net'],
    ['insights', 'Insights'],
  ] as const) {
    const secret = `${id}-secret-for-this-test-only-0123456789`;
    const rp = await startDemoRelyingParty({
      issuer: provider.issuer,
      clientId: id,
      clientSecret: secret,
      port: 0,
      name,
    });
    t.teardown(() => new Promise<void>((resolve) => rp.server.close(() => resolve())));
    await provider.addClient({
      id,
      secret,
      name,
      clientUri: `${rp.url}/login`,
      redirectUris: [`${rp.url}/callback`],
      postLogoutRedirectUris: [`${rp.url}/`],
      backchannelLogoutUri: `${rp.url}/backchannel-logout`,
      backchannelLogoutSessionRequired: true,
    });
    products.push(rp);
  }
  const [first, second] = products as [(typeof products)[0], (typeof products)[0]];
  const page = await (await (await launchBrowser(t)).newContext({ locale: 'da' })).newPage();

  // From the provider's start page, the tile of the first product.
  await page.goto(`${provider.issuer}/`);
  await page.getByRole('link', { name: 'Log på Serv@Net' }).click();
  await page.getByLabel('Brugernavn', { exact: true }).fill('anna');
  await page.getByLabel('Adgangskode', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Login' }).click();
  await page.waitForURL(`${first.url}/`);
  t.is(await page.locator('#status').textContent(), 'Signed in.');

  // The second product: straight in.
  await page.goto(`${second.url}/login`);
  await page.waitForURL(`${second.url}/`);
  t.is(await page.locator('#status').textContent(), 'Signed in.');

  // Sign out of the second: the provider asks, then the first product hears it too.
  await page.getByRole('link', { name: 'Log out' }).click();
  await page.getByRole('button', { name: 'Ja, log ud' }).click();
  await page.waitForURL(`${second.url}/`);
  t.is(first.logouts.length, 1);
  await page.goto(`${first.url}/`);
  t.is(await page.locator('#status').textContent(), 'Signed out by the provider.');
});
