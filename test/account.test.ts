import test, { type ExecutionContext } from 'ava';
import * as oidc from 'openid-client';

import { MailMessage } from '../src/db/entities/mail-message.js';
import { SecurityAnswer } from '../src/db/entities/security-answer.js';
import { ClientStore } from '../src/oidc/client-store.js';
import { BrowserAgent, expectPage, expectRedirect, type Page } from './helpers/browser-agent.js';
import { heading, NEW_PASSWORD } from './helpers/registration.js';
import { TestRelyingParty } from './helpers/relying-party.js';
import { TestProvider } from './helpers/server.js';

const PASSWORD = 'correct horse battery staple';

async function setUp(t: ExecutionContext, settings?: Record<string, unknown>) {
  const provider = await TestProvider.start(t, {}, settings);
  const rp = await TestRelyingParty.register(provider);
  await new ClientStore(provider.services.db, provider.services.provider).setStartPages(
    rp.clientId,
    [
      { id: 'portal:buyers', label: { da: 'Køberopslag', en: 'Buyer search' } },
      { id: 'portal:claims', label: { da: 'Skader', en: 'Claims' } },
    ],
  );
  const user = await provider.addUser('anna', PASSWORD);
  const agent = new BrowserAgent(provider.issuer);
  const login = await agent.open(`${provider.issuer}/account`);
  const page = expectPage(await agent.submit(login, { username: 'anna', password: PASSWORD }));
  t.is(heading(page), 'Min profil');
  const stored = async () => provider.services.accounts.findById(user.id);
  return { provider, rp, user, agent, page, stored };
}

const errorFor = (page: Page, id: string) =>
  page.document.querySelector(`#${id}-error`)?.text.trim();
const notice = (page: Page) => page.document.querySelector('[role="status"]')?.text.trim();

test('the profile page signs in through the provider and comes back, with no consent page', async (t) => {
  const { page, provider } = await setUp(t);
  t.is(new URL(page.url).pathname, '/account');
  t.regex(page.document.querySelector('main p')?.text ?? '', /anna/);
  // Without a session: the provider's sign-in page, never the profile.
  const stranger = await new BrowserAgent(provider.issuer).open(`${provider.issuer}/account`);
  t.regex(stranger.url, /\/interaction\//);
});

test('email: changed twice-typed, the old address is told, uniqueness holds', async (t) => {
  const { provider, agent, page, stored } = await setUp(t);
  await provider.addUser('bo', PASSWORD);

  const mismatch = expectPage(
    await agent.submit(
      page,
      { email: 'new@example.com', email_confirmation: 'other@example.com' },
      '#email form',
    ),
  );
  t.is(mismatch.status, 400);
  t.is(errorFor(mismatch, 'email_confirmation'), 'De to e-mailadresser er ikke ens.');
  t.is(mismatch.document.querySelector('#email_address')?.getAttribute('value'), 'new@example.com');

  const taken = expectPage(
    await agent.submit(
      page,
      { email: 'BO@example.com', email_confirmation: 'bo@example.com' },
      '#email form',
    ),
  );
  t.is(taken.status, 400);
  t.regex(errorFor(taken, 'email_address') ?? '', /bruges allerede/);
  t.is((await stored())?.email, 'anna@example.com');

  const done = expectPage(
    await agent.submit(
      page,
      { email: 'anna.new@example.com', email_confirmation: 'anna.new@example.com' },
      '#email form',
    ),
  );
  t.is(notice(done), 'Dine ændringer er gemt.');
  t.is((await stored())?.email, 'anna.new@example.com');
  const [mail] = await provider.services.db.getRepository(MailMessage).find();
  t.is(mail?.kind, 'emailChanged');
  t.is(mail?.recipient, 'anna@example.com');
});

test('names, language and preferences each save on their own, and products read them as claims', async (t) => {
  const { rp, agent, page, stored } = await setUp(t);

  expectPage(
    await agent.submit(page, { first_name: 'Anne', last_name: 'Bergström' }, '#names form'),
  );
  const english = expectPage(
    await agent.submit(page, { language: 'en' }, '#language-section form'),
  );
  t.is(heading(english), 'My profile');
  t.is(english.document.querySelector('html')?.getAttribute('lang'), 'en');
  const prefs = expectPage(
    await agent.submit(
      english,
      { default_country: 'SE', start_page: 'portal:claims' },
      '#preferences form',
    ),
  );
  t.is(notice(prefs), 'Your changes have been saved.');
  t.is(
    prefs.document.querySelector('#default_country option[selected]')?.getAttribute('value'),
    'SE',
  );
  t.regex(prefs.document.querySelector('#start_page option[selected]')?.text ?? '', /Claims/);

  const user = await stored();
  t.like(user, {
    firstName: 'Anne',
    lastName: 'Bergström',
    preferredLanguage: 'en',
    defaultCountry: 'SE',
    startPage: 'portal:claims',
    email: 'anna@example.com',
  });

  // A product's next sign-in (single sign-on, no form) sees the new values.
  const tokens = await rp.exchange(
    ...(await (async () => {
      const pending = await rp.authorize({
        scope: 'openid profile preferences',
        claims: JSON.stringify({
          id_token: { default_country: null, start_page: null, locale: null },
        }),
      });
      return [expectRedirect(await agent.navigate(pending.url.href)), pending] as const;
    })()),
  );
  t.like(tokens.claims(), { locale: 'en', default_country: 'SE', start_page: 'portal:claims' });
  const info = await oidc.fetchUserInfo(rp.config, tokens.access_token, tokens.claims()?.sub ?? '');
  t.like(info, {
    given_name: 'Anne',
    family_name: 'Bergström',
    locale: 'en',
    default_country: 'SE',
  });

  const bad = expectPage(
    await agent.submit(
      prefs,
      { default_country: 'XX', start_page: 'other:page' },
      '#preferences form',
    ),
  );
  t.is(bad.status, 400);
  t.truthy(errorFor(bad, 'default_country'));
  t.truthy(errorFor(bad, 'start_page'));
  t.is((await stored())?.defaultCountry, 'SE');
});

test('a field the form does not send stays; required fields are checked against the stored record', async (t) => {
  const { agent, page, stored, provider } = await setUp(t);
  const csrf = page.document.querySelector('input[name="csrf"]')?.getAttribute('value') ?? '';
  const post = (form: Record<string, string>) =>
    agent.navigate(`${provider.issuer}/account/profile`, {
      method: 'POST',
      form: { csrf, ...form },
    });

  expectPage(await post({ first_name: 'Anne' }));
  t.like(await stored(), { firstName: 'Anne', lastName: 'Berg', email: 'anna@example.com' });

  const emptied = expectPage(await post({ last_name: '   ' }));
  t.is(emptied.status, 400);
  t.is((await stored())?.lastName, 'Berg');

  const lone = expectPage(await post({ email: 'x@example.com' }));
  t.is(lone.status, 400);
  t.is((await stored())?.email, 'anna@example.com');

  // A section's form cannot carry another section's fields.
  expectPage(await post({ section: 'names', first_name: 'Ann', language: 'en' }));
  t.like(await stored(), { firstName: 'Ann', preferredLanguage: 'da' });
});

test('password: current password required, same policy and history, other sessions end when asked', async (t) => {
  const { provider, rp, agent, page, stored } = await setUp(t);
  const elsewhere = new BrowserAgent(provider.issuer);
  const otherTokens = await rp.signIn(elsewhere, 'anna', PASSWORD, {
    scope: 'openid offline_access',
  });
  const hereTokens = await rp.exchange(
    ...(await (async () => {
      const pending = await rp.authorize();
      return [expectRedirect(await agent.navigate(pending.url.href)), pending] as const;
    })()),
  );

  const wrong = expectPage(
    await agent.submit(
      page,
      { current_password: 'not it', new_password: NEW_PASSWORD, new_password_repeat: NEW_PASSWORD },
      '#password form',
    ),
  );
  t.is(errorFor(wrong, 'password_current_password'), 'Adgangskoden er forkert.');
  const reused = expectPage(
    await agent.submit(
      page,
      { current_password: PASSWORD, new_password: PASSWORD, new_password_repeat: PASSWORD },
      '#password form',
    ),
  );
  t.truthy(errorFor(reused, 'new_password'));

  const done = expectPage(
    await agent.submit(
      page,
      { current_password: PASSWORD, new_password: NEW_PASSWORD, new_password_repeat: NEW_PASSWORD },
      '#password form',
    ),
  );
  t.is(notice(done), 'Din adgangskode er ændret, og du er logget ud alle andre steder.');
  t.true(await provider.services.hasher.verify((await stored())?.passwordHash ?? '', NEW_PASSWORD));

  // The other browser's session and refresh token are gone; this one carries on.
  const silent = await rp.authorize({ prompt: 'none' });
  t.is(
    new URL(expectRedirect(await elsewhere.navigate(silent.url.href))).searchParams.get('error'),
    'login_required',
  );
  await t.throwsAsync(oidc.refreshTokenGrant(rp.config, otherTokens.refresh_token ?? ''));
  t.truthy((await oidc.refreshTokenGrant(rp.config, hereTokens.refresh_token ?? '')).access_token);
  t.is(heading(await agent.open(`${provider.issuer}/account`)), 'Min profil');

  const kinds = (await provider.services.db.getRepository(MailMessage).find()).map((m) => m.kind);
  t.deepEqual(kinds, ['passwordChanged']);
  const [event] = await provider.services.audit.list({ type: 'profile.password_changed' });
  t.is(event?.outcome, 'success');
});

test('password change without ending other sessions leaves them signed in', async (t) => {
  const { provider, rp, agent, page } = await setUp(t);
  const elsewhere = new BrowserAgent(provider.issuer);
  await rp.signIn(elsewhere, 'anna', PASSWORD);
  const done = expectPage(
    await agent.submit(
      page,
      {
        current_password: PASSWORD,
        new_password: NEW_PASSWORD,
        new_password_repeat: NEW_PASSWORD,
        end_other_sessions: '',
      },
      '#password form',
    ),
  );
  t.is(notice(done), 'Din adgangskode er ændret.');
  const silent = await rp.authorize({ prompt: 'none' });
  t.truthy(
    new URL(expectRedirect(await elsewhere.navigate(silent.url.href))).searchParams.get('code'),
  );
});

test('security questions: same rules, replaced, and the user is told', async (t) => {
  const { provider, agent, page, user } = await setUp(t);
  const same = expectPage(
    await agent.submit(
      page,
      {
        question_1: 'first-car',
        answer_1: 'Saab',
        question_2: 'first-car',
        answer_2: 'Lada',
        question_3: 'first-pet',
        answer_3: 'Fido',
      },
      '#questions form',
    ),
  );
  t.is(same.status, 400);
  t.truthy(errorFor(same, 'question_2'));

  const done = expectPage(
    await agent.submit(
      page,
      {
        question_1: 'first-car',
        answer_1: 'Saab 900',
        question_2: 'first-school',
        answer_2: 'Vestre',
        question_3: 'best-school-friend',
        answer_3: 'Mette',
      },
      '#questions form',
    ),
  );
  t.is(notice(done), 'Dine sikkerhedsspørgsmål er ændret.');
  const rows = await provider.services.db
    .getRepository(SecurityAnswer)
    .find({ where: { userId: user.id }, order: { position: 'ASC' } });
  t.deepEqual(
    rows.map((r) => r.questionId),
    ['first-car', 'first-school', 'best-school-friend'],
  );
  t.true(await provider.services.questions.verify(rows[0]?.answerHash ?? '', 'saab 900'));
  const kinds = (await provider.services.db.getRepository(MailMessage).find()).map((m) => m.kind);
  t.deepEqual(kinds, ['questionsChanged']);
});

test('an old sign-in must give the current password to change email or questions', async (t) => {
  const { agent, page, stored } = await setUp(t, { profile: { recentSignInSeconds: 0 } });
  await new Promise((resolve) => setTimeout(resolve, 1100));
  const fresh = await agent.open(`${page.url}`);
  t.truthy(fresh.document.querySelector('#email_current_password'));
  t.truthy(fresh.document.querySelector('#questions_current_password'));

  const change = { email: 'anna.new@example.com', email_confirmation: 'anna.new@example.com' };
  const missing = expectPage(await agent.submit(fresh, change, '#email form'));
  t.is(errorFor(missing, 'email_current_password'), 'Indtast din nuværende adgangskode.');
  const wrong = expectPage(
    await agent.submit(fresh, { ...change, current_password: 'nope' }, '#email form'),
  );
  t.is(errorFor(wrong, 'email_current_password'), 'Adgangskoden er forkert.');
  t.is((await stored())?.email, 'anna@example.com');
  expectPage(await agent.submit(fresh, { ...change, current_password: PASSWORD }, '#email form'));
  t.is((await stored())?.email, 'anna.new@example.com');

  // Names need no password, however old the sign-in.
  expectPage(await agent.submit(fresh, { first_name: 'Anne', last_name: 'Berg' }, '#names form'));
  t.is((await stored())?.firstName, 'Anne');
});

test('forms without their token, or without a session, change nothing', async (t) => {
  const { provider, agent, stored } = await setUp(t);
  const forged = expectPage(
    await agent.navigate(`${provider.issuer}/account/profile`, {
      method: 'POST',
      form: { last_name: 'Hacked' },
    }),
  );
  t.is(forged.status, 403);
  const stranger = new BrowserAgent(provider.issuer);
  const result = await stranger.request(`${provider.issuer}/account/profile`, {
    method: 'POST',
    form: { last_name: 'Hacked' },
  });
  t.is(result.status, 303);
  t.is((await stored())?.lastName, 'Berg');
});

test('every change is in the audit trail', async (t) => {
  const { provider, agent, page, user } = await setUp(t);
  expectPage(await agent.submit(page, { first_name: 'Anne', last_name: 'Berg' }, '#names form'));
  const [event] = await provider.services.audit.list({ userId: user.id, type: 'profile.changed' });
  t.is(event?.detail, JSON.stringify({ fields: 'firstName' }));
});
