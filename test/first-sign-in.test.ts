import test from 'ava';
import * as oidc from 'openid-client';

import { BrowserAgent, expectPage, expectRedirect, fieldByLabel } from './helpers/browser-agent.js';
import {
  atStepOne,
  DETAILS,
  errorFor,
  heading,
  NEW_PASSWORD,
  submitSecurity,
  TEMPORARY,
} from './helpers/registration.js';
import { TestRelyingParty } from './helpers/relying-party.js';
import { TestProvider } from './helpers/server.js';

test('a new user goes through both steps in Danish, then the product gets the new profile', async (t) => {
  const { provider, rp, user, agent, pending, step1 } = await atStepOne(t);

  t.is(heading(step1), 'Trin 1 – Sikkerhed');
  t.truthy(fieldByLabel(step1, 'Indtast ny adgangskode'));
  t.truthy(fieldByLabel(step1, 'Gentag ny adgangskode'));
  t.is(fieldByLabel(step1, 'Sikkerhedsspørgsmål 1')?.tagName, 'SELECT');
  t.truthy(fieldByLabel(step1, 'Svar 3'));
  const options = step1.document.querySelectorAll('#question_1 option').map((o) => o.text.trim());
  t.true(options.includes('Hvad er navnet på din bedste ven fra skolen?'));
  t.true(options.length > 10);
  const rules = step1.document.querySelectorAll('#password-rules li').map((li) => li.text.trim());
  t.true(rules.includes('Den skal være på mindst 12 og højst 256 tegn.'));
  t.true(
    rules.includes(
      'Den må ikke være din nuværende adgangskode eller en af dine seneste 5 adgangskoder.',
    ),
  );

  const step2 = expectPage(await submitSecurity(agent, step1));
  t.is(heading(step2), 'Punkt 2 af 2 - Personlige oplysninger');
  for (const label of [
    'Indtast din e-mail',
    'Bekræft din e-mail',
    'Fornavn',
    'Efternavn',
    'Dit foretrukne sprog',
  ]) {
    t.truthy(fieldByLabel(step2, label), label);
  }

  const callback = expectRedirect(await agent.submit(step2, DETAILS));
  const tokens = await rp.exchange(callback, pending);
  const claims = tokens.claims();
  t.is(claims?.email, 'anna.berg@example.com');
  t.is(claims?.family_name, 'Berg');
  t.is(claims?.given_name, 'Anna');
  t.is(claims?.locale, 'en');
  const userinfo = await oidc.fetchUserInfo(rp.config, tokens.access_token, user.id);
  t.is(userinfo.name, 'Anna Berg');

  // The temporary password is gone; the new one signs straight in, with no steps.
  const again = new BrowserAgent(provider.issuer);
  const fresh = await rp.authorize();
  const login = await again.open(fresh.url.href);
  const wrong = expectPage(
    await again.submit(login, { username: 'anna.berg', password: TEMPORARY }),
  );
  t.is(wrong.status, 400);
  t.truthy(await rp.signIn(new BrowserAgent(provider.issuer), 'anna.berg', NEW_PASSWORD));
});

test('the steps speak English with ui_locales=en', async (t) => {
  const { agent, step1 } = await atStepOne(t, 'en');
  t.is(heading(step1), 'Step 1 – Security');
  t.truthy(fieldByLabel(step1, 'Enter new password'));
  t.truthy(fieldByLabel(step1, 'Security question 2'));
  const step2 = expectPage(await submitSecurity(agent, step1));
  t.is(heading(step2), 'Step 2 of 2 - Personal details');
  t.truthy(fieldByLabel(step2, 'Confirm your email'));
  t.truthy(fieldByLabel(step2, 'Your preferred language'));
});

const passwordCases: [string, Record<string, string>, string, string][] = [
  [
    'a missing password',
    { new_password: '', new_password_repeat: '' },
    'new_password',
    'Indtast en ny adgangskode.',
  ],
  [
    'a repeat that differs',
    { new_password_repeat: `${NEW_PASSWORD}!` },
    'new_password_repeat',
    'De to adgangskoder er ikke ens.',
  ],
  [
    'a short password',
    { new_password: 'Kort-1', new_password_repeat: 'Kort-1' },
    'new_password',
    'Adgangskoden skal være på mindst 12 tegn.',
  ],
  [
    'a password with the username',
    { new_password: 'xx-Anna.Berg-xx-7', new_password_repeat: 'xx-Anna.Berg-xx-7' },
    'new_password',
    'Adgangskoden må ikke indeholde dit brugernavn.',
  ],
  [
    'a common password',
    { new_password: 'Password1234', new_password_repeat: 'Password1234' },
    'new_password',
    'Adgangskoden er for almindelig eller let at gætte. Vælg en længere eller mindre forudsigelig adgangskode.',
  ],
  [
    'the temporary password again',
    { new_password: TEMPORARY, new_password_repeat: TEMPORARY },
    'new_password',
    'Du kan ikke bruge din nuværende adgangskode eller en af dine seneste 5 adgangskoder.',
  ],
  [
    'a password padded with spaces is not trimmed to the temporary one',
    { new_password: ` ${TEMPORARY} `, new_password_repeat: ` ${TEMPORARY} ` },
    '',
    '',
  ],
];

for (const [name, values, field, message] of passwordCases) {
  test(`step 1 ${field ? 'rejects' : 'accepts'} ${name}`, async (t) => {
    const { agent, step1 } = await atStepOne(t);
    const result = await submitSecurity(agent, step1, values);
    if (!field) {
      t.is(heading(expectPage(result)), 'Punkt 2 af 2 - Personlige oplysninger');
      return;
    }
    const page = expectPage(result);
    t.is(page.status, 400);
    t.is(errorFor(page, field), message);
    t.is(
      page.document.querySelector(`#${field}`)?.getAttribute('aria-describedby')?.split(' ')[0],
      `${field}-error`,
    );
    t.is(page.document.querySelector('.error-summary a')?.getAttribute('href'), `#${field}`);
    // Questions keep their choice, answers and passwords are never sent back.
    t.truthy(
      page.document
        .querySelector('#question_2 option[value=first-school]')
        ?.hasAttribute('selected'),
    );
    t.is(page.document.querySelector('#answer_2')?.getAttribute('value'), undefined);
    t.is(page.document.querySelector('#new_password')?.getAttribute('value'), undefined);
  });
}

const questionCases: [string, Record<string, string>, string, string][] = [
  [
    'the same question twice',
    { question_3: 'best-school-friend' },
    'question_3',
    'Vælg tre forskellige sikkerhedsspørgsmål.',
  ],
  [
    'a question outside the catalogue',
    { question_1: 'mothers-maiden-name' },
    'question_1',
    'Vælg et sikkerhedsspørgsmål.',
  ],
  ['an empty answer', { answer_2: '   ' }, 'answer_2', 'Skriv et svar.'],
  ['a two-letter answer', { answer_1: 'ab' }, 'answer_1', 'Svaret skal være på mindst 3 tegn.'],
  [
    'answers equal after normalization',
    { answer_3: '  LINDESKOLEN\u00a0' },
    'answer_3',
    'Svarene skal være forskellige.',
  ],
  [
    'the username as an answer',
    { answer_1: 'Anna.Berg' },
    'answer_1',
    'Svaret må ikke være dit brugernavn.',
  ],
  [
    'the new password as an answer',
    { answer_2: NEW_PASSWORD.toUpperCase() },
    'answer_2',
    'Svaret må ikke være din adgangskode.',
  ],
];

for (const [name, values, field, message] of questionCases) {
  test(`step 1 rejects ${name}`, async (t) => {
    const { provider, user, agent, step1 } = await atStepOne(t);
    const page = expectPage(await submitSecurity(agent, step1, values));
    t.is(page.status, 400);
    t.is(errorFor(page, field), message);
    const n = field.split('_')[1];
    const label = field.startsWith('question') ? `Sikkerhedsspørgsmål ${n}` : `Svar ${n}`;
    const summary = page.document.querySelectorAll('.error-summary a').map((a) => a.text.trim());
    t.true(summary.includes(`${label}: ${message}`), summary.join(' | '));
    // Nothing of the step was written: still a temporary password, no questions.
    t.true((await provider.services.accounts.findById(user.id))?.mustChangePassword);
    t.is(await provider.services.questions.count(user.id), 0);
  });
}

test('a user who stops after step 1 resumes at step 2 with the new password', async (t) => {
  const { provider, rp, agent, step1 } = await atStepOne(t);
  t.is(
    heading(expectPage(await submitSecurity(agent, step1))),
    'Punkt 2 af 2 - Personlige oplysninger',
  );

  const later = new BrowserAgent(provider.issuer);
  const pending = await rp.authorize();
  const login = await later.open(pending.url.href);
  const resumed = expectPage(
    await later.submit(login, { username: 'anna.berg', password: NEW_PASSWORD }),
  );
  t.is(heading(resumed), 'Punkt 2 af 2 - Personlige oplysninger');
  const callback = expectRedirect(await later.submit(resumed, DETAILS));
  t.truthy((await rp.exchange(callback, pending)).id_token);
});

test('no new authorization request gets a code before the registration is complete', async (t) => {
  const { rp, agent } = await atStepOne(t);

  const silent = await rp.authorize({ prompt: 'none' });
  const denied = new URL(expectRedirect(await agent.navigate(silent.url.href)));
  t.is(denied.searchParams.get('error'), 'interaction_required');
  t.is(denied.searchParams.get('code'), null);

  // A fresh request in the same browser lands on step 1 again, not past it.
  const fresh = await rp.authorize();
  t.is(heading(expectPage(await agent.navigate(fresh.url.href))), 'Trin 1 – Sikkerhed');
});

test('two tabs submitting step 1 at once leave one password and one set of questions', async (t) => {
  const { provider, rp, user, agent, step1 } = await atStepOne(t);
  const secondTab = expectPage(await agent.navigate((await rp.authorize()).url.href));
  t.is(heading(secondTab), 'Trin 1 – Sikkerhed');

  const other = 'Solsikke-mark i juli 77';
  const results = await Promise.all([
    submitSecurity(agent, step1),
    submitSecurity(agent, secondTab, { new_password: other, new_password_repeat: other }),
  ]);
  // The tab that lost the race lands on step 2 or, when both resumed at the
  // same instant, on the page that explains the sign-in must start again.
  const headings = results.map((result) => heading(expectPage(result)));
  t.true(headings.includes('Punkt 2 af 2 - Personlige oplysninger'));
  for (const h of headings)
    t.true(['Punkt 2 af 2 - Personlige oplysninger', 'Siden er udløbet'].includes(h as string), h);

  const stored = await provider.services.accounts.findById(user.id);
  t.false(stored?.mustChangePassword);
  const hasher = provider.services.hasher;
  const matches = await Promise.all(
    [NEW_PASSWORD, other].map((p) => hasher.verify(stored?.passwordHash as string, p)),
  );
  t.is(matches.filter(Boolean).length, 1);
  t.is(await provider.services.questions.count(user.id), 3);
  const history = await provider.services.db.query(
    'SELECT COUNT(*) AS n FROM password_history WHERE user_id = ?',
    [user.id],
  );
  t.is(Number(history[0].n), 1);
});

test('a reset to a temporary password asks for a new password only; questions and details stay', async (t) => {
  const provider = await TestProvider.start(t);
  const rp = await TestRelyingParty.register(provider);
  const user = await provider.addUser('anna.berg', 'Gammel men god kode 11');
  await provider.services.passwords.resetToTemporary(user, TEMPORARY);

  const agent = new BrowserAgent(provider.issuer);
  const pending = await rp.authorize();
  const login = await agent.open(pending.url.href);
  const step1 = expectPage(
    await agent.submit(login, { username: 'anna.berg', password: TEMPORARY }),
  );
  t.is(heading(step1), 'Skift din adgangskode');
  t.is(step1.document.querySelector('nav.progress'), null);
  t.truthy(fieldByLabel(step1, 'Indtast ny adgangskode'));
  t.is(fieldByLabel(step1, 'Sikkerhedsspørgsmål 1'), undefined);

  // The password from before the reset is in the history and cannot come back.
  const reused = expectPage(
    await agent.submit(step1, {
      new_password: 'Gammel men god kode 11',
      new_password_repeat: 'Gammel men god kode 11',
    }),
  );
  t.is(
    errorFor(reused, 'new_password'),
    'Du kan ikke bruge din nuværende adgangskode eller en af dine seneste 5 adgangskoder.',
  );

  const callback = expectRedirect(
    await agent.submit(reused, { new_password: NEW_PASSWORD, new_password_repeat: NEW_PASSWORD }),
  );
  const tokens = await rp.exchange(callback, pending);
  t.is(tokens.claims()?.email, user.email);
  t.is(await provider.services.questions.count(user.id), 3);
});

test('a registered user never sees the steps', async (t) => {
  const provider = await TestProvider.start(t);
  const rp = await TestRelyingParty.register(provider);
  await provider.addUser('anna', 'correct horse battery staple');
  const tokens = await rp.signIn(
    new BrowserAgent(provider.issuer),
    'anna',
    'correct horse battery staple',
  );
  t.truthy(tokens.id_token);
  t.is(tokens.claims()?.family_name, 'Berg');
});

test('a sign-in held back before a password reset cannot be resumed after it', async (t) => {
  const provider = await TestProvider.start(t);
  const rp = await TestRelyingParty.register(provider);
  const user = await provider.addUser('anna', 'Gammel men god kode 11');
  const attacker = new BrowserAgent(provider.issuer);
  const login = await attacker.open((await rp.authorize()).url.href);
  const form = login.document.querySelector('input[name=csrf]')?.getAttribute('value') as string;
  const posted = await attacker.request(login.url, {
    method: 'POST',
    form: { csrf: form, username: 'anna', password: 'Gammel men god kode 11' },
  });
  const held = new URL(posted.headers.get('location') as string, login.url).href;

  await provider.services.passwords.resetToTemporary(user, TEMPORARY);

  const resumed = await attacker.navigate(held);
  t.false('leftTo' in resumed);
  t.is(heading(expectPage(resumed)), 'Siden er udløbet');
});
