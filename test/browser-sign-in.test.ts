import test from 'ava';

import { launchBrowser, startDemoProduct } from './helpers/browser.js';
import { TestProvider } from './helpers/server.js';

const PASSWORD = 'correct horse battery staple';

test('a person signs in to the demo product in Danish, finding the fields by their labels', async (t) => {
  const provider = await TestProvider.start(t);
  const product = await startDemoProduct(t, provider);
  const user = await provider.addUser('anna', PASSWORD);
  const page = await (await launchBrowser(t)).newPage({ locale: 'da-DK' });

  await page.goto(product);
  await page.getByRole('link', { name: 'Log in' }).click();

  await page.getByLabel('Brugernavn').fill('anna');
  await page.getByLabel('Adgangskode').fill(PASSWORD);
  await page.getByRole('button', { name: 'Login' }).click();

  await page.waitForURL(`${product}/`);
  const claims = JSON.parse((await page.locator('#claims').textContent()) as string);
  t.is(claims.sub, user.id);
  const userinfo = JSON.parse((await page.locator('#userinfo').textContent()) as string);
  t.is(userinfo.preferred_username, 'anna');

  await page.getByRole('link', { name: 'Log out' }).click();
  await page.getByRole('button', { name: 'Ja, log ud' }).click();
  await page.waitForURL(`${product}/`);
  t.is(await page.getByRole('link', { name: 'Log in' }).count(), 1);
});

test('a wrong password shows the message beside the password field in English, keeping the username', async (t) => {
  const provider = await TestProvider.start(t);
  const product = await startDemoProduct(t, provider);
  await provider.addUser('anna', PASSWORD);
  const page = await (await launchBrowser(t)).newPage({ locale: 'en-GB' });

  await page.goto(`${product}/login?ui_locales=en`);
  await page.getByLabel('Username').fill('anna');
  await page.getByLabel('Password').fill('wrong password');
  await page.getByRole('button', { name: 'Sign in' }).click();

  const password = page.getByLabel('Password');
  t.is(await page.getByLabel('Username').inputValue(), 'anna');
  t.is(await password.inputValue(), '');
  t.is(await page.getByRole('alert').isVisible(), true);
  // Focus moves to the error summary once the page has loaded.
  await page.locator('#error-summary:focus').waitFor({ timeout: 5000 });
  t.is(await page.locator('#error-summary:focus').count(), 1);
  t.is(
    await page.locator('#password-error').textContent(),
    'The username or password is incorrect.',
  );
  t.is(await page.getByLabel('Password').getAttribute('aria-describedby'), 'password-error');
  t.is(await page.locator('html').getAttribute('lang'), 'en');
});
