import test from 'ava';

import { BrowserAgent, expectPage, type Page } from './helpers/browser-agent.js';
import { ANSWERS, answerForm, startRecovery } from './helpers/recovery.js';
import { submitSecurity } from './helpers/registration.js';
import { TestRelyingParty } from './helpers/relying-party.js';
import { TestProvider } from './helpers/server.js';

/** What attackers and broken clients send: every form field and parameter gets each of these. */
const HOSTILE = [
  "' OR '1'='1' --",
  "anna'; DROP TABLE users; --",
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  '{{constructor.constructor("alert(1)")()}}',
  'a'.repeat(20_000),
  'nul\u0000byte',
  'Ωmega ωmega Аnna', // mixed scripts (Cyrillic А)
  '\u202Eevil\u202C',
  '😀👍🏽🇩🇰',
  'line\r\nSet-Cookie: injected=1',
  '%00%0d%0a',
  '../../etc/passwd',
  '',
];

function assertSafe(t: import('ava').ExecutionContext, page: Page, label: string) {
  t.true(page.status < 500, `${label}: status ${page.status}`);
  t.false(page.html.includes('<script>alert(1)</script>'), `${label}: unescaped script`);
  t.false(page.html.includes('<img src=x onerror'), `${label}: unescaped markup`);
  t.notRegex(page.html, /at [\w.<>]+ \(.*:\d+:\d+\)/, `${label}: stack trace`);
  t.is(
    page.headers.get('set-cookie')?.includes('injected') ?? false,
    false,
    `${label}: header injection`,
  );
}

test('the sign-in form answers every hostile value properly and signs no one in', async (t) => {
  const provider = await TestProvider.start(t);
  const rp = await TestRelyingParty.register(provider);
  await provider.addUser('anna', 'correct horse battery staple', ANSWERS);
  const before = await provider.services.db.query(
    'SELECT id, username_key, password_hash FROM users',
  );

  for (const value of HOSTILE) {
    const agent = new BrowserAgent(provider.issuer);
    const login = await agent.open((await rp.authorize()).url.href);
    for (const form of [
      { username: value, password: value },
      { username: 'anna', password: value },
    ]) {
      const result = await agent.submit(login, form);
      t.false('leftTo' in result, JSON.stringify(value).slice(0, 40));
      assertSafe(t, expectPage(result), `login ${JSON.stringify(value).slice(0, 40)}`);
    }
  }
  t.deepEqual(
    await provider.services.db.query('SELECT id, username_key, password_hash FROM users'),
    before,
  );
});

test('the registration steps refuse hostile values and store nothing of them', async (t) => {
  const provider = await TestProvider.start(t);
  const rp = await TestRelyingParty.register(provider);
  await provider.addNewUser('anna', 'Midlertidig-kode-9876');
  const agent = new BrowserAgent(provider.issuer);
  const login = await agent.open((await rp.authorize()).url.href);
  const step1 = expectPage(
    await agent.submit(login, { username: 'anna', password: 'Midlertidig-kode-9876' }),
  );

  for (const value of HOSTILE) {
    const label = JSON.stringify(value).slice(0, 40);
    const page = expectPage(
      await agent.submit(step1, {
        new_password: value,
        new_password_repeat: `${value}x`,
        question_1: value,
        answer_1: value,
        question_2: 'first-school',
        answer_2: value,
        question_3: value,
        answer_3: value,
      }),
    );
    // Refused as invalid (400), or as too large before it is even read (413).
    t.true([400, 413].includes(page.status), `${label}: ${page.status}`);
    assertSafe(t, page, `step 1 ${label}`);
  }
  t.is(
    await provider.services.questions.count(
      (await provider.services.accounts.findByUsername('anna'))?.id as string,
    ),
    0,
  );

  const step2 = expectPage(await submitSecurity(agent, step1));
  for (const value of HOSTILE) {
    const label = JSON.stringify(value).slice(0, 40);
    const result = await agent.submit(step2, {
      email: value,
      email_confirmation: value,
      first_name: value,
      last_name: value,
      language: value,
    });
    const page = expectPage(result);
    t.true([400, 413].includes(page.status), `${label}: ${page.status}`);
    assertSafe(t, page, `step 2 ${label}`);
  }
  const stored = await provider.services.accounts.findByUsername('anna');
  t.is(stored?.email, null);
  t.is(stored?.lastName, null);
});

test('the recovery forms answer every hostile value properly', async (t) => {
  const provider = await TestProvider.start(t);
  const rp = await TestRelyingParty.register(provider);
  const user = await provider.addUser('anna', 'correct horse battery staple', ANSWERS);
  const login = await new BrowserAgent(provider.issuer).open((await rp.authorize()).url.href);

  for (const value of HOSTILE) {
    const label = JSON.stringify(value).slice(0, 40);
    const agent = new BrowserAgent(provider.issuer);
    const start = await agent.open(
      `${provider.issuer}/recovery?interaction=${encodeURIComponent(value)}`,
    );
    assertSafe(t, start, `recovery start ${label}`);
    // A URL too long for the server is refused before any page (431/414); that is a proper answer.
    if (start.status >= 400) continue;
    const questions = expectPage(
      await agent.submit(start, { username: value, interaction: value }),
    );
    assertSafe(t, questions, `recovery username ${label}`);
    if (questions.status === 200) {
      const answered = expectPage(await agent.submit(questions, answerForm([value, value, value])));
      assertSafe(t, answered, `recovery answers ${label}`);
    }
  }
  // The real account was never touched.
  const stored = await provider.services.accounts.findById(user.id);
  t.true(
    await provider.services.hasher.verify(
      stored?.passwordHash as string,
      'correct horse battery staple',
    ),
  );
  const agent = new BrowserAgent(provider.issuer);
  const questions = await startRecovery(agent, login, 'anna');
  t.is(questions.status, 200);
});

test("malformed protocol requests get the spec's errors, never a 500", async (t) => {
  const provider = await TestProvider.start(t);
  const rp = await TestRelyingParty.register(provider);
  const base = (await rp.authorize()).url;

  const authorizationVariants: [string, (url: URL) => void][] = [
    ['repeated client_id', (u) => u.searchParams.append('client_id', 'portal')],
    ['missing response_type', (u) => u.searchParams.delete('response_type')],
    ['unknown response_type', (u) => u.searchParams.set('response_type', 'token')],
    ['huge state', (u) => u.searchParams.set('state', 's'.repeat(50_000))],
    ['hostile ui_locales', (u) => u.searchParams.set('ui_locales', '<script>alert(1)</script>')],
    ['bad claims JSON', (u) => u.searchParams.set('claims', '{not json')],
    ['bad code_challenge_method', (u) => u.searchParams.set('code_challenge_method', 'plain')],
  ];
  for (const [label, change] of authorizationVariants) {
    const url = new URL(base.href);
    change(url);
    const result = await new BrowserAgent(provider.issuer).navigate(url.href);
    if ('leftTo' in result) {
      // The error goes back to the product, in the query or (for implicit-style requests) the fragment.
      const back = new URL(result.leftTo);
      const error =
        back.searchParams.get('error') ?? new URLSearchParams(back.hash.slice(1)).get('error');
      t.truthy(error, label);
    } else {
      // Unknown ui_locales tags are ignored (the sign-in page shows); everything else is refused.
      const expected = label === 'hostile ui_locales' ? [200] : [400, 414, 431];
      t.true(expected.includes(result.status), `${label}: ${result.status}`);
      assertSafe(t, result, label);
    }
  }

  const tokenBodies: [string, string, string][] = [
    [
      'form',
      'grant_type=authorization_code&code=x&redirect_uri=http%3A%2F%2Flocalhost%3A9%2Fcallback&code_verifier=y',
      'application/x-www-form-urlencoded',
    ],
    [
      'repeated grant_type',
      'grant_type=client_credentials&grant_type=refresh_token',
      'application/x-www-form-urlencoded',
    ],
    ['JSON body', '{"grant_type":"client_credentials"}', 'application/json'],
    ['broken JSON', '{"grant_type":', 'application/json'],
    ['missing grant_type', 'scope=openid', 'application/x-www-form-urlencoded'],
    [
      'huge body',
      `grant_type=client_credentials&x=${'a'.repeat(300_000)}`,
      'application/x-www-form-urlencoded',
    ],
  ];
  const auth = `Basic ${Buffer.from(`portal:${rp.secret}`).toString('base64')}`;
  for (const [label, body, type] of tokenBodies) {
    const response = await fetch(`${provider.issuer}/token`, {
      method: 'POST',
      headers: { authorization: auth, 'content-type': type },
      body,
    });
    t.true(response.status >= 400 && response.status < 500, `${label}: ${response.status}`);
    const text = await response.text();
    if (response.headers.get('content-type')?.includes('json')) {
      t.truthy((JSON.parse(text) as { error?: string }).error, label);
    }
  }
});

test('sign-out, userinfo, introspection and revocation answer hostile values properly and change nothing', async (t) => {
  const provider = await TestProvider.start(t);
  const rp = await TestRelyingParty.register(provider);
  await provider.addUser('anna', 'correct horse battery staple', ANSWERS);
  const agent = new BrowserAgent(provider.issuer);
  const tokens = await rp.signIn(agent, 'anna', 'correct horse battery staple');
  const basic = `Basic ${Buffer.from(`portal:${rp.secret}`).toString('base64')}`;
  const snapshot = () =>
    provider.services.db.query(
      'SELECT model, id, consumed_at FROM oidc_payloads ORDER BY model, id',
    );
  const before = await snapshot();

  const expectJsonError = async (response: Response, label: string) => {
    t.true(response.status >= 400 && response.status < 500, `${label}: ${response.status}`);
    const text = await response.text();
    t.true(!text || Boolean((JSON.parse(text) as { error?: string }).error), label);
  };

  for (const value of HOSTILE) {
    const label = JSON.stringify(value).slice(0, 40);

    // Sign-out request and its confirmation form.
    const logout = new URL(`${provider.issuer}/session/end`);
    for (const name of ['id_token_hint', 'post_logout_redirect_uri', 'state', 'client_id']) {
      logout.searchParams.set(name, value);
    }
    const page = await agent.navigate(logout.href);
    t.false('leftTo' in page, `logout ${label} redirected`);
    if (!('leftTo' in page)) assertSafe(t, page, `logout ${label}`);
    const confirm = await agent.navigate(`${provider.issuer}/session/end/confirm`, {
      method: 'POST',
      form: { xsrf: value, logout: value },
    });
    if (!('leftTo' in confirm)) assertSafe(t, confirm, `logout confirm ${label}`);

    // Userinfo with a hostile access token, in the header (where a header can carry it) and in the body.
    if (/^[\x20-\x7e]{0,8000}$/.test(value)) {
      const userinfo = await fetch(`${provider.issuer}/me`, {
        headers: { authorization: `Bearer ${value}` },
      });
      t.true(userinfo.status === 400 || userinfo.status === 401, `userinfo ${label}`);
    }
    await expectJsonError(
      await fetch(`${provider.issuer}/me`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ access_token: value }),
      }),
      `userinfo body ${label}`,
    ).catch(() => t.fail(`userinfo body ${label}`));

    // Introspection and revocation: an unknown token is "inactive" / ignored, never an error page.
    for (const path of ['/token/introspection', '/token/revocation']) {
      const response = await fetch(`${provider.issuer}${path}`, {
        method: 'POST',
        headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token: value, token_type_hint: value }),
      });
      t.true(response.status < 500, `${path} ${label}: ${response.status}`);
      const text = await response.text();
      if (response.status === 200 && path.endsWith('introspection')) {
        t.false((JSON.parse(text) as { active: boolean }).active, `${path} ${label}`);
      }
    }
  }

  // The real tokens still work: nothing was revoked, consumed or ended by the noise.
  t.deepEqual(await snapshot(), before);
  const info = await fetch(`${provider.issuer}/me`, {
    headers: { authorization: `Bearer ${tokens.access_token}` },
  });
  t.is(info.status, 200);
});
