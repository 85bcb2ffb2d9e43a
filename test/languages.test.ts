import test from 'ava';

import { User } from '../src/db/entities/user.js';
import { BrowserAgent, expectPage, expectRedirect, type Page } from './helpers/browser-agent.js';
import { ANSWERS, startRecovery } from './helpers/recovery.js';
import { DETAILS, NEW_PASSWORD, QUESTIONS, TEMPORARY } from './helpers/registration.js';
import { TestRelyingParty } from './helpers/relying-party.js';
import { TestProvider } from './helpers/server.js';

const PASSWORD = 'correct horse battery staple';
const langOf = (page: Page) => page.document.querySelector('html')?.getAttribute('lang');

test('ui_locales picks the best supported match and ignores unknown tags', async (t) => {
  const provider = await TestProvider.start(t);
  const rp = await TestRelyingParty.register(provider);
  const open = async (uiLocales: string, browser = 'en') =>
    new BrowserAgent(provider.issuer, browser).open(
      (await rp.authorize({ ui_locales: uiLocales })).url.href,
    );

  t.is(langOf(await open('da-DK')), 'da');
  t.is(langOf(await open('xx-YY en-GB', 'da')), 'en');
  const unknown = await open('zz tlh-Latn', 'da');
  t.is(unknown.status, 200);
  t.is(langOf(unknown), 'da');
});

test('the language chosen on the page wins over ui_locales, and sticks', async (t) => {
  const provider = await TestProvider.start(t);
  const rp = await TestRelyingParty.register(provider);
  const agent = new BrowserAgent(provider.issuer, 'da');
  const login = await agent.open((await rp.authorize({ ui_locales: 'da' })).url.href);
  t.is(langOf(login), 'da');
  t.is(langOf(await agent.open(`${login.url}?lang=en`)), 'en');
  t.is(langOf(await agent.open((await rp.authorize({ ui_locales: 'da' })).url.href)), 'en');
  t.is(langOf(await agent.open(`${provider.issuer}/recovery`)), 'en');
});

test("after the sign-in the user's preferred language beats the browser's", async (t) => {
  const provider = await TestProvider.start(t);
  const partner = await TestRelyingParty.register(provider, { id: 'partner', firstParty: false });
  await provider.addUser('anna', PASSWORD);
  await provider.services.db
    .getRepository(User)
    .update({ username: 'anna' }, { preferredLanguage: 'en' });
  const agent = new BrowserAgent(provider.issuer, 'da');
  const login = await agent.open((await partner.authorize()).url.href);
  t.is(langOf(login), 'da');
  const consent = expectPage(await agent.submit(login, { username: 'anna', password: PASSWORD }));
  t.is(langOf(consent), 'en');
  t.is(langOf(await agent.open(`${provider.issuer}/account`)), 'en');
  t.is(langOf(await agent.open(`${provider.issuer}/`)), 'en');
  t.is(langOf(await agent.open(`${provider.issuer}/session/end`)), 'en');
});

test('the language carries through registration, consent, recovery and sign-out', async (t) => {
  const provider = await TestProvider.start(t);
  const partner = await TestRelyingParty.register(provider, { id: 'partner', firstParty: false });
  await provider.addNewUser('new.user', TEMPORARY);
  await provider.addUser('anna', PASSWORD, ANSWERS);

  // The product asks for English in a Danish browser: every step is English.
  const agent = new BrowserAgent(provider.issuer, 'da');
  const login = await agent.open((await partner.authorize({ ui_locales: 'en' })).url.href);
  t.is(langOf(login), 'en');
  const step1 = expectPage(
    await agent.submit(login, { username: 'new.user', password: TEMPORARY }),
  );
  t.is(langOf(step1), 'en');
  const step2 = expectPage(
    await agent.submit(step1, {
      new_password: NEW_PASSWORD,
      new_password_repeat: NEW_PASSWORD,
      ...QUESTIONS,
    }),
  );
  t.is(langOf(step2), 'en');
  const consent = expectPage(await agent.submit(step2, { ...DETAILS, language: 'da' }));
  // The user just said Danish, but the product's request still asks for English.
  t.is(langOf(consent), 'en');
  expectRedirect(await agent.submit(consent, { decision: 'allow' }));

  // Recovery begun from an English sign-in page stays English, and leads back to it.
  const other = new BrowserAgent(provider.issuer, 'da');
  const englishLogin = await other.open((await partner.authorize({ ui_locales: 'en' })).url.href);
  const questions = await startRecovery(other, englishLogin, 'anna');
  t.is(langOf(questions), 'en');

  const signOut = await agent.open(`${provider.issuer}/session/end?ui_locales=en`);
  t.is(langOf(signOut), 'en');
});

test('dates in messages are written the way each language writes them', async (t) => {
  const provider = await TestProvider.start(t);
  const date = new Date('2027-01-05T12:00:00Z');
  const { notifier } = provider.services;
  t.is(notifier.formatDate({ preferredLanguage: 'da' }, date), '5. januar 2027');
  t.is(notifier.formatDate({ preferredLanguage: 'en' }, date), 'January 5, 2027');
});
