import test, { type ExecutionContext } from 'ava';
import * as oidc from 'openid-client';

import { BrowserAgent, expectPage, fieldByLabel, type Page } from './helpers/browser-agent.js';
import { ANSWERS, answerForm, questionTexts, startRecovery } from './helpers/recovery.js';
import { TestRelyingParty } from './helpers/relying-party.js';
import { TestProvider } from './helpers/server.js';

const OLD_PASSWORD = 'Gammel men god kode 11';
const NEW_PASSWORD = 'Blåbærgrød med fløde 42';
const heading = (page: Page) => page.document.querySelector('h1')?.text.trim();
const FAILED =
  'Vi kunne ikke bekræfte dine svar. Tjek dem, og prøv igen. Efter flere forkerte forsøg skal du vente 60 minutter eller kontakte vores kundecenter.';

async function setUp(t: ExecutionContext, lang = 'da') {
  const provider = await TestProvider.start(t);
  const rp = await TestRelyingParty.register(provider);
  const user = await provider.addUser('anna', OLD_PASSWORD, ANSWERS);
  const agent = new BrowserAgent(provider.issuer, lang);
  const pending = await rp.authorize({ ui_locales: lang });
  const login = await agent.open(pending.url.href);
  return { provider, rp, user, agent, pending, login };
}

test('a user recovers access in Danish and signs in with the new password', async (t) => {
  const { provider, rp, agent, pending, login } = await setUp(t);

  const link = login.document
    .querySelectorAll('a')
    .find((a) => a.text.trim() === 'Har du glemt din adgangskode?');
  t.truthy(link);
  const start = await agent.open(new URL(link?.getAttribute('href') as string, login.url).href);
  t.is(heading(start), 'Identificér dig selv');
  t.regex(start.html, /Indtast dit brugernavn for at fortsætte/);
  t.truthy(fieldByLabel(start, 'Brugernavn'));

  const questions = expectPage(await agent.submit(start, { username: 'anna' }));
  t.is(heading(questions), 'Svar på følgende sikkerhedsspørgsmål');
  t.deepEqual(questionTexts(questions), [
    'Hvad er navnet på din bedste ven fra skolen?',
    'Hvad er navnet på din første skole?',
    'Hvilket mærke havde din første bil?',
  ]);

  const choose = expectPage(await agent.submit(questions, answerForm(ANSWERS)));
  t.is(heading(choose), 'Vælg en ny adgangskode');
  t.truthy(choose.document.querySelector('details.rules #password-rules'));

  const done = expectPage(
    await agent.submit(choose, { new_password: NEW_PASSWORD, new_password_repeat: NEW_PASSWORD }),
  );
  t.is(heading(done), 'Din adgangskode er ændret');
  const back = done.document
    .querySelectorAll('main a')
    .find((a) => a.text.trim() === 'Tilbage til login-siden');
  t.is(back?.getAttribute('href'), new URL(login.url).pathname);

  // Back at the same sign-in, which still works, with the new password.
  const again = await agent.open(new URL(back?.getAttribute('href') as string, login.url).href);
  const callback = await agent.submit(again, { username: 'anna', password: NEW_PASSWORD });
  t.true('leftTo' in callback);
  t.truthy((await rp.exchange((callback as { leftTo: string }).leftTo, pending)).id_token);
  t.false(
    await provider.services.hasher.verify(
      (await provider.services.accounts.findByUsername('anna'))?.passwordHash as string,
      OLD_PASSWORD,
    ),
  );
});

test('the flow speaks English when the sign-in asked for it', async (t) => {
  const { agent, login } = await setUp(t, 'en');
  const questions = await startRecovery(agent, login, 'anna');
  t.is(heading(questions), 'Answer the following security questions');
  t.deepEqual(questionTexts(questions)[0], 'What is the name of your best friend from school?');
  const choose = expectPage(await agent.submit(questions, answerForm(ANSWERS)));
  t.is(heading(choose), 'Choose a new password');
});

test('answers typed with other case and extra spaces are accepted', async (t) => {
  const { agent, login } = await setUp(t);
  const questions = await startRecovery(agent, login, 'ANNA');
  const choose = expectPage(
    await agent.submit(questions, answerForm(['  rasmus   HANSEN ', 'LINDESKOLEN', 'volvo\u00a0'])),
  );
  t.is(heading(choose), 'Vælg en ny adgangskode');
});

for (const wrong of [1, 2, 3]) {
  test(`${wrong} wrong answer(s) fail with one message that names no answer`, async (t) => {
    const { agent, login } = await setUp(t);
    const questions = await startRecovery(agent, login, 'anna');
    const answers = ANSWERS.map((a, i) => (i < wrong ? `${a} not` : a));
    const page = expectPage(await agent.submit(questions, answerForm(answers)));
    t.is(page.status, 400);
    t.is(heading(page), 'Svar på følgende sikkerhedsspørgsmål');
    t.deepEqual(
      page.document.querySelectorAll('.error-summary li').map((li) => li.text.trim()),
      [FAILED],
    );
    t.is(page.document.querySelectorAll('.error-message').length, 0);
    t.is(page.document.querySelector('#answer_1')?.getAttribute('value'), undefined);
  });
}

test('an unknown username gets the same pages as a real one, with stable decoy questions', async (t) => {
  const { provider, agent, login } = await setUp(t);
  await provider.addNewUser('bent', 'Midlertidig-kode-1');
  await provider.addUser('carl', OLD_PASSWORD);
  await provider.services.accounts.setStatus('carl', 'disabled');

  const real = await startRecovery(agent, login, 'anna');
  const shape = (page: Page) =>
    page.html
      .replace(/value="[^"]*"/g, '')
      .replace(/\/recovery\/[\w-]+/g, '')
      .replace(/<label for="answer_\d">[^<]*</g, '');
  for (const username of ['nobody', 'bent', 'carl']) {
    const decoy = await startRecovery(new BrowserAgent(provider.issuer), login, username);
    t.is(decoy.status, real.status, username);
    t.is(shape(decoy), shape(real), username);
    t.is(new Set(questionTexts(decoy)).size, 3, username);
    const again = await startRecovery(new BrowserAgent(provider.issuer), login, username);
    t.deepEqual(questionTexts(again), questionTexts(decoy), username);

    const failed = expectPage(await new BrowserAgent(provider.issuer).navigate(decoy.url));
    t.is(failed.status, 410, 'the state belongs to the browser that started it');
  }

  const decoy = await startRecovery(agent, login, 'nobody');
  const failed = expectPage(await agent.submit(decoy, answerForm(ANSWERS)));
  t.is(failed.status, 400);
  t.deepEqual(
    failed.document.querySelectorAll('.error-summary li').map((li) => li.text.trim()),
    [FAILED],
  );
});

test('after three failures recovery is locked with the same message, also for right answers', async (t) => {
  const { provider, agent, login, rp } = await setUp(t);
  const questions = await startRecovery(agent, login, 'anna');
  for (let i = 0; i < 3; i++) {
    const page = expectPage(await agent.submit(questions, answerForm(['x1x', 'y2y', 'z3z'])));
    t.is(page.status, 400);
  }
  const locked = expectPage(await agent.submit(questions, answerForm(ANSWERS)));
  t.is(locked.status, 400);
  t.deepEqual(
    locked.document.querySelectorAll('.error-summary li').map((li) => li.text.trim()),
    [FAILED],
  );

  // A new recovery does not reset the count; the normal sign-in is untouched.
  const other = new BrowserAgent(provider.issuer);
  const fresh = await startRecovery(other, login, 'anna');
  const stillLocked = expectPage(await other.submit(fresh, answerForm(ANSWERS)));
  t.is(heading(stillLocked), 'Svar på følgende sikkerhedsspørgsmål');
  t.is(stillLocked.status, 400);
  t.truthy(await rp.signIn(new BrowserAgent(provider.issuer), 'anna', OLD_PASSWORD));

  // The operator lifts the lock.
  t.truthy((await provider.services.recovery.lockState('anna')).lockedUntil);
  await provider.services.recovery.unlock('anna');
  const agent2 = new BrowserAgent(provider.issuer);
  const afterUnlock = await startRecovery(
    agent2,
    await agent2.open((await rp.authorize()).url.href),
    'anna',
  );
  t.is(
    heading(expectPage(await agent2.submit(afterUnlock, answerForm(ANSWERS)))),
    'Vælg en ny adgangskode',
  );
});

test('ten parallel wrong submissions are judged at most three times, then locked', async (t) => {
  const { provider, login } = await setUp(t);
  const starts = await Promise.all(
    Array.from({ length: 10 }, async () => {
      const agent = new BrowserAgent(provider.issuer);
      return { agent, page: await startRecovery(agent, login, 'anna') };
    }),
  );
  const results = await Promise.all(
    starts.map(({ agent, page }) => agent.submit(page, answerForm(['a1a', 'b2b', 'c3c']))),
  );
  t.deepEqual(
    results.map((r) => expectPage(r).status),
    Array(10).fill(400),
  );

  // Only three attempts were ever reserved (and so judged); the account is locked.
  const row = await provider.services.db.query(
    "SELECT attempts FROM attempt_counters WHERE counter_key = 'recovery:user:anna'",
  );
  t.is(Number(row[0].attempts), 3);
  t.truthy((await provider.services.recovery.lockState('anna')).lockedUntil);
});

test('a tampered account field changes nothing: the state alone says whose password changes', async (t) => {
  const { provider, agent, login, user } = await setUp(t);
  const victim = await provider.addUser('victim', 'Offerets egen kode 99');
  const questions = await startRecovery(agent, login, 'anna');
  const choose = expectPage(
    await agent.submit(questions, {
      ...answerForm(ANSWERS),
      user_id: victim.id,
      username: 'victim',
    }),
  );
  await agent.submit(choose, {
    new_password: NEW_PASSWORD,
    new_password_repeat: NEW_PASSWORD,
    user_id: victim.id,
    sub: victim.id,
  });

  const hasher = provider.services.hasher;
  const anna = await provider.services.accounts.findById(user.id);
  const stillVictim = await provider.services.accounts.findById(victim.id);
  t.true(await hasher.verify(anna?.passwordHash as string, NEW_PASSWORD));
  t.true(await hasher.verify(stillVictim?.passwordHash as string, 'Offerets egen kode 99'));
});

test('step 3 submitted twice changes the password once and says the link is used', async (t) => {
  const { agent, login } = await setUp(t);
  const questions = await startRecovery(agent, login, 'anna');
  const choose = expectPage(await agent.submit(questions, answerForm(ANSWERS)));
  const [first, second] = await Promise.all([
    agent.submit(choose, { new_password: NEW_PASSWORD, new_password_repeat: NEW_PASSWORD }),
    agent.submit(choose, {
      new_password: 'Solsikke-mark i juli 77',
      new_password_repeat: 'Solsikke-mark i juli 77',
    }),
  ]);
  const headings = [heading(expectPage(first)), heading(expectPage(second))].sort();
  t.deepEqual(headings, ['Din adgangskode er ændret', 'Linket er allerede brugt']);
  const replay = expectPage(
    await agent.submit(choose, { new_password: NEW_PASSWORD, new_password_repeat: NEW_PASSWORD }),
  );
  t.is(heading(replay), 'Linket er allerede brugt');
});

test('the password step cannot be reached before the answers are right', async (t) => {
  const { agent, login } = await setUp(t);
  const questions = await startRecovery(agent, login, 'anna');
  const early = expectPage(await agent.navigate(`${questions.url}/password`));
  t.is(early.status, 410);
  const posted = expectPage(
    await agent.navigate(`${questions.url}/password`, {
      method: 'POST',
      form: { new_password: NEW_PASSWORD, new_password_repeat: NEW_PASSWORD },
    }),
  );
  t.not(heading(posted), 'Din adgangskode er ændret');
});

test('an expired recovery is refused with a page that starts over', async (t) => {
  const { provider, agent, login } = await setUp(t);
  const questions = await startRecovery(agent, login, 'anna');
  await provider.services.db.query('UPDATE recovery_states SET expires_at = ?', [
    Date.now() - 1000,
  ]);
  const page = expectPage(await agent.submit(questions, answerForm(ANSWERS)));
  t.is(page.status, 410);
  t.is(heading(page), 'Linket er udløbet');
});

test('the new password follows the policy and the history', async (t) => {
  const { agent, login } = await setUp(t);
  const questions = await startRecovery(agent, login, 'anna');
  const choose = expectPage(await agent.submit(questions, answerForm(ANSWERS)));
  const cases: [string, string][] = [
    [
      OLD_PASSWORD,
      'Du kan ikke bruge din nuværende adgangskode eller en af dine seneste 5 adgangskoder.',
    ],
    ['kort', 'Adgangskoden skal være på mindst 12 tegn.'],
    [
      'Password1234',
      'Adgangskoden er for almindelig eller let at gætte. Vælg en længere eller mindre forudsigelig adgangskode.',
    ],
  ];
  for (const [password, message] of cases) {
    const page = expectPage(
      await agent.submit(choose, { new_password: password, new_password_repeat: password }),
    );
    t.is(page.status, 400);
    t.is(page.document.querySelector('#new_password-error')?.text.trim(), message);
  }
});

test('a refresh token issued before the recovery is refused after it', async (t) => {
  const { provider, rp, agent, login } = await setUp(t);
  const tokens = await rp.signIn(new BrowserAgent(provider.issuer), 'anna', OLD_PASSWORD);
  const questions = await startRecovery(agent, login, 'anna');
  const choose = expectPage(await agent.submit(questions, answerForm(ANSWERS)));
  await agent.submit(choose, { new_password: NEW_PASSWORD, new_password_repeat: NEW_PASSWORD });
  await t.throwsAsync(oidc.refreshTokenGrant(rp.config, tokens.refresh_token as string));
});

test('recovery started outside a sign-in returns to the start page', async (t) => {
  const { provider } = await setUp(t);
  const agent = new BrowserAgent(provider.issuer);
  const start = await agent.open(`${provider.issuer}/recovery`);
  const questions = expectPage(await agent.submit(start, { username: 'anna' }));
  const choose = expectPage(await agent.submit(questions, answerForm(ANSWERS)));
  const done = expectPage(
    await agent.submit(choose, { new_password: NEW_PASSWORD, new_password_repeat: NEW_PASSWORD }),
  );
  t.is(done.document.querySelector('main a.button')?.getAttribute('href'), '/');
});

test('an address is charged only for wrong answers that were judged', async (t) => {
  const provider = await TestProvider.start(
    t,
    { TRUST_PROXY: 'true' },
    { recovery: { maxFailuresPerIp: 4 } },
  );
  const rp = await TestRelyingParty.register(provider);
  for (const name of ['anna', 'bent', 'carl', 'dora', 'emil', 'frida'])
    await provider.addUser(name, OLD_PASSWORD, ANSWERS);
  const login = await new BrowserAgent(provider.issuer).open((await rp.authorize()).url.href);
  // What the client puts left in X-Forwarded-For is its own claim; the proxy's entry counts.
  let n = 0;
  const submit = async (username: string, answers: string[]) => {
    const agent = new BrowserAgent(provider.issuer, 'da', {
      'x-forwarded-for': `10.9.${n++}.1, 192.0.2.7`,
    });
    const questions = await startRecovery(agent, login, username);
    return expectPage(await agent.submit(questions, answerForm(answers)));
  };

  // Three wrong answers lock anna; ten more against the locked account are never judged.
  for (let i = 0; i < 3; i++) t.is((await submit('anna', ['x1x', 'y2y', 'z3z'])).status, 400);
  for (let i = 0; i < 10; i++) t.is((await submit('anna', ANSWERS)).status, 400);
  // Five successes from the same address are not failures either.
  for (const name of ['bent', 'carl', 'dora', 'emil', 'frida']) {
    t.is(heading(await submit(name, ANSWERS)), 'Vælg en ny adgangskode', name);
  }
  const row = await provider.services.db.query(
    "SELECT attempts FROM attempt_counters WHERE counter_key = 'recovery:ip:192.0.2.7'",
  );
  t.is(Number(row[0].attempts), 3);
});

test("an accented or differently written username never reaches the user's questions", async (t) => {
  const { provider, login } = await setUp(t);
  for (const variant of ['ánna', 'ANNA\u0301', 'anna\u200b']) {
    const agent = new BrowserAgent(provider.issuer);
    const questions = await startRecovery(agent, login, variant);
    const result = expectPage(await agent.submit(questions, answerForm(ANSWERS)));
    t.is(result.status, 400, variant);
  }
});

test('a blank answer asks for all three and costs no attempt', async (t) => {
  const { provider, agent, login } = await setUp(t);
  const questions = await startRecovery(agent, login, 'anna');
  for (let i = 0; i < 5; i++) {
    const page = expectPage(
      await agent.submit(questions, answerForm(['', ANSWERS[1] as string, ' '])),
    );
    t.is(page.status, 400);
    t.deepEqual(
      page.document.querySelectorAll('.error-summary li').map((li) => li.text.trim()),
      ['Besvar alle tre spørgsmål.'],
    );
  }
  t.is((await provider.services.recovery.lockState('anna')).lockedUntil, null);
  t.is(
    heading(expectPage(await agent.submit(questions, answerForm(ANSWERS)))),
    'Vælg en ny adgangskode',
  );
});
