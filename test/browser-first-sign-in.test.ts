import test from 'ava';
import type { Page } from 'playwright-core';

import { launchBrowser, startDemoProduct } from './helpers/browser.js';
import { TestProvider } from './helpers/server.js';

const TEMPORARY = 'Midlertidig-kode-9876';
const NEW_PASSWORD = 'Blåbærgrød med fløde 42';

const labels = {
  da: {
    username: 'Brugernavn',
    password: 'Adgangskode',
    login: 'Login',
    rules: 'Vis retningslinjer for adgangskode',
    newPassword: 'Indtast ny adgangskode',
    repeat: 'Gentag ny adgangskode',
    question: 'Sikkerhedsspørgsmål',
    answer: 'Svar',
    next: 'Næste',
    email: 'Indtast din e-mail',
    confirm: 'Bekræft din e-mail',
    first: 'Fornavn',
    last: 'Efternavn',
    language: 'Dit foretrukne sprog',
    firstQuestion: 'Hvad er navnet på din bedste ven fra skolen?',
    ruleText: 'Den må ikke indeholde dit brugernavn.',
  },
  en: {
    username: 'Username',
    password: 'Password',
    login: 'Sign in',
    rules: 'Show the password guidelines',
    newPassword: 'Enter new password',
    repeat: 'Repeat new password',
    question: 'Security question',
    answer: 'Answer',
    next: 'Next',
    email: 'Enter your email',
    confirm: 'Confirm your email',
    first: 'First name',
    last: 'Last name',
    language: 'Your preferred language',
    firstQuestion: 'What is the name of your best friend from school?',
    ruleText: 'It must not contain your username.',
  },
};

async function registerThroughBrowser(page: Page, l: (typeof labels)['da'], catalogue: string[]) {
  await page.getByLabel(l.username, { exact: true }).fill('anna.berg');
  await page.getByLabel(l.password, { exact: true }).fill(TEMPORARY);
  await page.getByRole('button', { name: l.login }).click();

  // The "?" opens the rules from the keyboard alone.
  const rule = page.getByText(l.ruleText);
  if (await rule.isVisible()) throw new Error('the rules should start hidden');
  await page.locator('summary', { hasText: l.rules }).focus();
  await page.keyboard.press('Enter');
  await rule.waitFor({ state: 'visible' });

  await page.getByLabel(l.newPassword).fill(NEW_PASSWORD);
  await page.getByLabel(l.repeat).fill(NEW_PASSWORD);
  await page.getByLabel(`${l.question} 1`).selectOption({ label: l.firstQuestion });
  await page.getByLabel(`${l.question} 2`).selectOption(catalogue[1] as string);
  await page.getByLabel(`${l.question} 3`).selectOption(catalogue[2] as string);
  await page.getByLabel(`${l.answer} 1`).fill('Rasmus Hansen');
  await page.getByLabel(`${l.answer} 2`).fill('Lindeskolen');
  await page.getByLabel(`${l.answer} 3`).fill('Volvo Amazon');
  await page.getByRole('button', { name: l.next }).click();

  await page.getByLabel(l.email).fill('anna.berg@example.com');
  await page.getByLabel(l.confirm).fill('anna.berg@example.com');
  await page.getByLabel(l.first).fill('Anna');
  await page.getByLabel(l.last).fill('Berg');
  await page.getByLabel(l.language).selectOption('en');
  await page.getByRole('button', { name: l.next }).click();
}

for (const lang of ['da', 'en'] as const) {
  test(`a new user completes the first sign-in in chromium (${lang})`, async (t) => {
    const provider = await TestProvider.start(t);
    const product = await startDemoProduct(t, provider);
    await provider.addNewUser('anna.berg', TEMPORARY);
    const page = await (await launchBrowser(t)).newPage();

    await page.goto(`${product}/login?ui_locales=${lang}`);
    await registerThroughBrowser(page, labels[lang], [...provider.services.questions.catalogue]);

    await page.waitForURL(`${product}/`);
    const claims = JSON.parse((await page.locator('#claims').textContent()) as string);
    t.is(claims.email, 'anna.berg@example.com');
    t.is(claims.family_name, 'Berg');
    t.is(claims.locale, 'en');
  });
}
