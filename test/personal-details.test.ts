import test from 'ava';

import { BrowserAgent, expectPage, expectRedirect, type Page } from './helpers/browser-agent.js';
import {
  atStepOne,
  DETAILS,
  errorFor,
  heading,
  submitSecurity,
  TEMPORARY,
} from './helpers/registration.js';
import { TestRelyingParty } from './helpers/relying-party.js';
import { TestProvider } from './helpers/server.js';

test('step 2 rejects bad details and keeps what was typed', async (t) => {
  const { provider, agent, step1 } = await atStepOne(t);
  await provider.addUser('carl', 'Carls egen kode 2024');
  const step2 = expectPage(await submitSecurity(agent, step1));

  const cases: [Record<string, string>, string, string][] = [
    [
      { email: 'not-an-address', email_confirmation: 'not-an-address' },
      'email',
      'Indtast en gyldig e-mailadresse, fx navn@firma.dk.',
    ],
    [
      { email_confirmation: 'anna.berg@example.org' },
      'email_confirmation',
      'De to e-mailadresser er ikke ens.',
    ],
    [
      { email: 'CARL@Example.com', email_confirmation: 'carl@example.com' },
      'email',
      'E-mailadressen bruges allerede af en anden brugerprofil. Brug en anden adresse.',
    ],
    [{ last_name: '  \t ' }, 'last_name', 'Indtast dit efternavn.'],
    [{ language: 'xx' }, 'language', 'Vælg dit foretrukne sprog.'],
  ];
  for (const [values, field, message] of cases) {
    const page = expectPage(await agent.submit(step2, { ...DETAILS, ...values }));
    t.is(page.status, 400, field);
    t.is(errorFor(page, field), message, field);
    t.is(page.document.querySelector('#first_name')?.getAttribute('value'), 'Anna');
  }
  const notes = step2.document.querySelectorAll('.hint').map((p) => p.text.trim());
  t.true(notes.includes('Vær opmærksom på, at Insights kun findes på engelsk.'));
});

test('two users claiming one address at the same instant: one succeeds, one gets a field error', async (t) => {
  const provider = await TestProvider.start(t);
  const rp = await TestRelyingParty.register(provider);
  const steps = await Promise.all(
    ['anna', 'bent'].map(async (username) => {
      await provider.addNewUser(username, TEMPORARY);
      const agent = new BrowserAgent(provider.issuer);
      const login = await agent.open((await rp.authorize()).url.href);
      const step1 = expectPage(await agent.submit(login, { username, password: TEMPORARY }));
      return { agent, step2: expectPage(await submitSecurity(agent, step1)) };
    }),
  );

  const shared = {
    ...DETAILS,
    email: 'Shared@Example.com',
    email_confirmation: 'shared@example.com',
  };
  const results = await Promise.all(steps.map(({ agent, step2 }) => agent.submit(step2, shared)));
  const redirected = results.filter((r) => 'leftTo' in r);
  const refused = results.filter((r): r is Page => !('leftTo' in r));
  t.is(redirected.length, 1);
  t.is(refused.length, 1);
  t.is(refused[0]?.status, 400);
  t.is(
    errorFor(refused[0] as Page, 'email'),
    'E-mailadressen bruges allerede af en anden brugerprofil. Brug en anden adresse.',
  );
});

test('addresses and names with invisible or control characters are refused, without a server error', async (t) => {
  const { provider, agent, step1 } = await atStepOne(t);
  await provider.addUser('alice', 'Alices egen kode 2024');
  const step2 = expectPage(await submitSecurity(agent, step1));
  const invalidEmail = 'Indtast en gyldig e-mailadresse, fx navn@firma.dk.';
  const lookalikes = [
    'alice\u200b@example.com',
    '"alice"@example.com',
    'ali\u00adce@example.com',
    'alice@example.com\u200b',
    'alice\ufeff@example.com',
    `${'a'.repeat(64)}@${'İ'.repeat(60)}.${'İ'.repeat(60)}.com`,
  ];
  for (const email of lookalikes) {
    const page = expectPage(
      await agent.submit(step2, { ...DETAILS, email, email_confirmation: email }),
    );
    t.is(page.status, 400, JSON.stringify(email));
    t.is(errorFor(page, 'email'), invalidEmail, JSON.stringify(email));
  }
  for (const name of ['\u0000Anna', 'Anna\u001b[31m', 'Anna\u202e']) {
    const page = expectPage(await agent.submit(step2, { ...DETAILS, first_name: name }));
    t.is(
      errorFor(page, 'first_name'),
      'Navnet må kun indeholde synlige tegn.',
      JSON.stringify(name),
    );
  }
});

test('a details form left open in another tab cannot overwrite the profile afterwards', async (t) => {
  const { provider, rp, user, agent, step1 } = await atStepOne(t);
  const step2 = expectPage(await submitSecurity(agent, step1));
  const otherTab = expectPage(await agent.navigate((await rp.authorize()).url.href));
  t.is(heading(otherTab), 'Punkt 2 af 2 - Personlige oplysninger');

  expectRedirect(await agent.submit(step2, DETAILS));
  const late = await agent.submit(otherTab, {
    ...DETAILS,
    email: 'late@example.com',
    email_confirmation: 'late@example.com',
  });
  t.true('leftTo' in late);
  t.is((await provider.services.accounts.findById(user.id))?.email, DETAILS.email);
});
