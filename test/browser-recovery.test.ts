import test from 'ava';

import { launchBrowser, startDemoProduct } from './helpers/browser.js';
import { ANSWERS } from './helpers/recovery.js';
import { TestProvider } from './helpers/server.js';

test('a user recovers access in chromium with the Danish labels and signs in to the product', async (t) => {
  const provider = await TestProvider.start(t);
  const product = await startDemoProduct(t, provider);
  const user = await provider.addUser('anna', 'Gammel men god kode 11', ANSWERS);
  const page = await (await launchBrowser(t)).newPage();

  await page.goto(`${product}/login?ui_locales=da`);
  await page.getByRole('link', { name: 'Har du glemt din adgangskode?' }).click();
  await page.getByRole('heading', { name: 'Identificér dig selv' }).waitFor();
  await page.getByLabel('Brugernavn').fill('anna');
  await page.getByRole('button', { name: 'Næste' }).click();

  await page.getByRole('heading', { name: 'Svar på følgende sikkerhedsspørgsmål' }).waitFor();
  await page.getByLabel('Hvad er navnet på din bedste ven fra skolen?').fill('rasmus hansen');
  await page.getByLabel('Hvad er navnet på din første skole?').fill('Lindeskolen');
  await page.getByLabel('Hvilket mærke havde din første bil?').fill('VOLVO');
  await page.getByRole('button', { name: 'Næste' }).click();

  await page.getByRole('heading', { name: 'Vælg en ny adgangskode' }).waitFor();
  await page.getByLabel('Indtast ny adgangskode').fill('Blåbærgrød med fløde 42');
  await page.getByLabel('Gentag ny adgangskode').fill('Blåbærgrød med fløde 42');
  await page.getByRole('button', { name: 'Næste' }).click();

  await page.getByRole('link', { name: 'Tilbage til login-siden' }).click();
  await page.getByLabel('Brugernavn').fill('anna');
  await page.getByLabel('Adgangskode', { exact: true }).fill('Blåbærgrød med fløde 42');
  await page.getByRole('button', { name: 'Login' }).click();

  await page.waitForURL(`${product}/`);
  const claims = JSON.parse((await page.locator('#claims').textContent()) as string);
  t.is(claims.sub, user.id);
});
