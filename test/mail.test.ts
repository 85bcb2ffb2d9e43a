import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import test, { type ExecutionContext } from 'ava';
import { simpleParser } from 'mailparser';
import * as oidc from 'openid-client';
import { MailMessage } from '../src/db/entities/mail-message.js';
import { User } from '../src/db/entities/user.js';
import { queueExpiryWarnings } from '../src/mail/expiry-warnings.js';
import { BrowserAgent, expectPage, expectRedirect } from './helpers/browser-agent.js';
import { TestMailServer } from './helpers/mail.js';
import { answerForm, startRecovery } from './helpers/recovery.js';
import { heading, NEW_PASSWORD } from './helpers/registration.js';
import { TestRelyingParty } from './helpers/relying-party.js';
import { freePort, TestProvider } from './helpers/server.js';

const PASSWORD = 'correct horse battery staple';
const DAY = 86_400_000;

function tempDir(t: ExecutionContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'idp-mail-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A provider whose mail goes to a test SMTP server (started unless `down`). */
async function withSmtp(t: ExecutionContext, options: { down?: boolean } = {}) {
  const port = await freePort();
  const mailServer = new TestMailServer();
  if (!options.down) await mailServer.listen(port);
  t.teardown(() => mailServer.close());
  const provider = await TestProvider.start(t, {
    SMTP_URL: `smtp://127.0.0.1:${port}`,
    DATA_DIR: tempDir(t),
  });
  const deliver = (now?: number) =>
    provider.services.outbox.deliverDue(provider.services.mailTransport, now);
  return { provider, mailServer, port, deliver };
}

async function ageThePassword(provider: TestProvider, username: string, days: number) {
  await provider.services.db
    .getRepository(User)
    .update({ username }, { passwordChangedAt: new Date(Date.now() - days * DAY) });
}

/** Everything a message says, in both parts. */
const contentOf = (mail: { subject?: string; text?: string; html?: string | false }) =>
  `${mail.subject}\n${mail.text}\n${mail.html || ''}`;

test('an expired password must be replaced at sign-in, under the policy, before the product gets a code', async (t) => {
  const { provider, mailServer, deliver } = await withSmtp(t);
  const rp = await TestRelyingParty.register(provider);
  await provider.addUser('anna', PASSWORD);
  await ageThePassword(provider, 'anna', 91);

  const agent = new BrowserAgent(provider.issuer);
  const pending = await rp.authorize();
  const login = await agent.open(pending.url.href);
  const step = expectPage(await agent.submit(login, { username: 'anna', password: PASSWORD }));
  t.is(heading(step), 'Din adgangskode er udløbet');
  t.regex(step.document.querySelector('main p')?.text ?? '', /90 dage/);

  // The current password is not a new one.
  const reused = expectPage(
    await agent.submit(step, { new_password: PASSWORD, new_password_repeat: PASSWORD }),
  );
  t.is(reused.status, 400);
  t.truthy(reused.document.querySelector('#new_password-error'));

  const callback = expectRedirect(
    await agent.submit(reused, { new_password: NEW_PASSWORD, new_password_repeat: NEW_PASSWORD }),
  );
  t.truthy((await rp.exchange(callback, pending)).access_token);

  const user = await provider.services.accounts.findByUsername('anna');
  t.true(Date.now() - (user?.passwordChangedAt.getTime() ?? 0) < 60_000);
  t.true(await provider.services.hasher.verify(user?.passwordHash ?? '', NEW_PASSWORD));

  // The user is told, in Danish, without the password in the message.
  t.is(await deliver(), 1);
  const [mail] = mailServer.to('anna@example.com');
  t.is(mail?.subject, 'Din adgangskode er ændret');
  t.false(contentOf(mail ?? {}).includes(NEW_PASSWORD));
  t.true(mail?.text?.includes(`${provider.issuer}/`));
  t.regex(mail?.html || '', /<html lang="da">/);
});

test('a user who leaves the expired-password step stays expired; prompt=none is refused', async (t) => {
  const provider = await TestProvider.start(t, { DATA_DIR: tempDir(t) });
  const rp = await TestRelyingParty.register(provider);
  await provider.addUser('anna', PASSWORD);
  await ageThePassword(provider, 'anna', 100);
  const agent = new BrowserAgent(provider.issuer);
  const login = await agent.open((await rp.authorize()).url.href);
  t.is(
    heading(expectPage(await agent.submit(login, { username: 'anna', password: PASSWORD }))),
    'Din adgangskode er udløbet',
  );

  const again = await agent.open((await rp.authorize()).url.href);
  t.is(heading(again), 'Din adgangskode er udløbet');
  const silent = await rp.authorize({ prompt: 'none' });
  const answer = new URL(expectRedirect(await agent.navigate(silent.url.href)));
  t.is(answer.searchParams.get('error'), 'interaction_required');
});

test('idp users expire-password forces the step at the next sign-in, even with expiry off', async (t) => {
  const dataDir = tempDir(t);
  const provider = await TestProvider.start(t, { DATA_DIR: dataDir, PASSWORD_MAX_AGE_DAYS: '0' });
  const rp = await TestRelyingParty.register(provider);
  await provider.addUser('anna', PASSWORD);

  const run = spawn(process.execPath, ['src/bin/idp.mjs', 'users', 'expire-password', 'anna'], {
    env: {
      ...process.env,
      NODE_ENV: 'test',
      DATABASE_URL: provider.config.database.url ?? '',
      DATA_DIR: dataDir,
      PASSWORD_MAX_AGE_DAYS: '0',
    },
  });
  let output = '';
  run.stdout.on('data', (chunk) => {
    output += chunk;
  });
  const code = await new Promise((resolve) => run.on('exit', resolve));
  t.is(code, 0, output);
  t.regex(output, /has expired/);

  const agent = new BrowserAgent(provider.issuer, 'en');
  const login = await agent.open((await rp.authorize({ ui_locales: 'en' })).url.href);
  const step = expectPage(await agent.submit(login, { username: 'anna', password: PASSWORD }));
  t.is(heading(step), 'Your password has expired');
  expectRedirect(
    await agent.submit(step, { new_password: NEW_PASSWORD, new_password_repeat: NEW_PASSWORD }),
  );
  t.false((await provider.services.accounts.findByUsername('anna'))?.passwordExpired);
});

test('products read the expiry as password_expires_at under the preferences scope', async (t) => {
  const provider = await TestProvider.start(t, { DATA_DIR: tempDir(t) });
  const rp = await TestRelyingParty.register(provider);
  const user = await provider.addUser('anna', PASSWORD);
  await ageThePassword(provider, 'anna', 10);
  const expected = Math.floor(
    ((await provider.services.accounts.findById(user.id))?.passwordChangedAt.getTime() ?? 0) /
      1000 +
      90 * 86_400,
  );

  const discovery = (await (
    await fetch(`${provider.issuer}/.well-known/openid-configuration`)
  ).json()) as { scopes_supported: string[]; claims_supported: string[] };
  t.true(discovery.scopes_supported.includes('preferences'));
  t.true(discovery.claims_supported.includes('password_expires_at'));

  const tokens = await rp.signIn(new BrowserAgent(provider.issuer), 'anna', PASSWORD, {
    scope: 'openid preferences',
    claims: JSON.stringify({ id_token: { password_expires_at: null } }),
  });
  t.is(tokens.claims()?.password_expires_at, expected);
  const info = await oidc.fetchUserInfo(rp.config, tokens.access_token, tokens.claims()?.sub ?? '');
  t.is(info.password_expires_at, expected);
});

test('expiry warnings go out once per threshold, even with schedulers racing, in the user language', async (t) => {
  const { provider, mailServer, deliver } = await withSmtp(t);
  await provider.addUser('anna', PASSWORD);
  await provider.services.db
    .getRepository(User)
    .update({ username: 'anna' }, { preferredLanguage: 'en' });
  await provider.addUser('bo', PASSWORD);
  await ageThePassword(provider, 'anna', 80); // 10 days left: the 14-day warning
  const { db, expiry, notifier } = provider.services;
  const race = async (now: number) =>
    (await Promise.all([1, 2, 3].map(() => queueExpiryWarnings(db, expiry, notifier, now)))).reduce(
      (a, b) => a + b,
    );

  const start = Date.now();
  t.is(await race(start), 1);
  t.is(await race(start + 60_000), 0);
  t.is(await race(start + 4 * DAY), 1); // 6 days left: the 7-day warning
  t.is(await race(start + 5 * DAY), 0);
  t.is(await race(start + 9.5 * DAY), 1); // half a day left: the 1-day warning
  t.is(await race(start + 11 * DAY), 0); // expired: the sign-in step takes over

  t.is(await deliver(), 3);
  t.is(await deliver(), 0);
  const subjects = mailServer.to('anna@example.com').map((mail) => mail.subject);
  t.deepEqual(subjects, [
    'Your password expires in 10 days',
    'Your password expires in 6 days',
    'Your password expires in 1 day',
  ]);
  t.is(mailServer.to('bo@example.com').length, 0);
});

test('SMTP down, then up: the message is retried and arrives once', async (t) => {
  const { provider, mailServer, port, deliver } = await withSmtp(t, { down: true });
  const user = await provider.addUser('anna', PASSWORD);
  const full = await provider.services.accounts.findById(user.id);
  t.true(await provider.services.notifier.send('passwordChanged', full as User));

  t.is(await deliver(), 0);
  const [waiting] = await provider.services.db.getRepository(MailMessage).find();
  t.is(waiting?.attempts, 1);
  t.truthy(waiting?.lastError);
  t.is(waiting?.sentAt, null);
  // Not due again before its retry time.
  t.is(await deliver(), 0);

  await mailServer.listen(port);
  t.is(await deliver(Date.now() + 5 * 60_000), 1);
  t.is(await deliver(Date.now() + 10 * 60_000), 0);
  t.is(mailServer.to('anna@example.com').length, 1);
});

test('without SMTP, messages are written as .eml files into the data folder', async (t) => {
  const dataDir = tempDir(t);
  const provider = await TestProvider.start(t, { DATA_DIR: dataDir });
  const user = await provider.addUser('anna', PASSWORD);
  const full = await provider.services.accounts.findById(user.id);
  await provider.services.notifier.send('signInLocked', full as User, { minutes: 15 });
  t.is(await provider.services.outbox.deliverDue(provider.services.mailTransport), 1);

  const files = readdirSync(join(dataDir, 'mail'));
  t.is(files.length, 1);
  const mail = await simpleParser(readFileSync(join(dataDir, 'mail', files[0] as string)));
  t.is(mail.subject, 'Din konto er midlertidigt spærret');
  t.regex(mail.text ?? '', /15 minutter/);
});

test('locks after failed sign-ins and recovery answers are told to the user', async (t) => {
  const provider = await TestProvider.start(
    t,
    { DATA_DIR: tempDir(t) },
    { signIn: { maxFailures: 2, lockSeconds: 900, maxLockSeconds: 86400 } },
  );
  const rp = await TestRelyingParty.register(provider);
  await provider.addUser('anna', PASSWORD);
  for (let i = 0; i < 2; i++) {
    const agent = new BrowserAgent(provider.issuer);
    const login = await agent.open((await rp.authorize()).url.href);
    await agent.submit(login, { username: 'anna', password: `wrong ${i}` });
  }
  // An unknown name locks too, but has nobody to tell.
  for (let i = 0; i < 2; i++) {
    const agent = new BrowserAgent(provider.issuer);
    const login = await agent.open((await rp.authorize()).url.href);
    await agent.submit(login, { username: 'nobody', password: `wrong ${i}` });
  }
  // Three wrong sets of answers lock recovery.
  for (let i = 0; i < 3; i++) {
    const agent = new BrowserAgent(provider.issuer);
    const login = await agent.open((await rp.authorize()).url.href);
    const questions = await startRecovery(agent, login, 'anna');
    await agent.submit(questions, answerForm(['wrong one', 'wrong two', `wrong ${i}`]));
  }
  const queued = await provider.services.db
    .getRepository(MailMessage)
    .find({ order: { createdAt: 'ASC' } });
  t.deepEqual(
    queued.map((m) => [m.kind, m.recipient, m.subject]),
    [
      ['signInLocked', 'anna@example.com', 'Din konto er midlertidigt spærret'],
      ['recoveryLocked', 'anna@example.com', 'Nulstilling af adgangskode er spærret'],
    ],
  );
  t.regex(queued[0]?.textBody ?? '', /15 minutter/);
  t.regex(queued[1]?.textBody ?? '', /60 minutter/);
});

test('every message exists in Danish and English, escapes what it quotes, and carries no secret', async (t) => {
  const provider = await TestProvider.start(t, { DATA_DIR: tempDir(t) });
  const { MailComposer } = await import('../src/mail/composer.js');
  const { Catalogue } = await import('../src/i18n/catalogue.js');
  const composer = new MailComposer(
    provider.config,
    await Catalogue.load(provider.config.languages.supported),
  );
  const kinds = [
    'passwordExpiring',
    'passwordChanged',
    'questionsChanged',
    'emailChanged',
    'recoveryLocked',
    'signInLocked',
  ] as const;
  for (const lang of ['da', 'en']) {
    const user = {
      preferredLanguage: lang,
      firstName: '<b>Anna</b>',
      lastName: 'Berg',
      username: 'anna',
    };
    const subjects = new Set<string>();
    for (const kind of kinds) {
      const mail = composer.compose(kind, user, { days: 7, date: '1. januar', minutes: 15 });
      subjects.add(mail.subject);
      for (const part of [mail.subject, mail.text, mail.html]) {
        t.notRegex(
          part,
          /mail\.[a-zA-Z]|\{\{|undefined/,
          `${lang} ${kind}: a key or value is missing`,
        );
      }
      t.false(mail.html.includes('<b>Anna</b>'), 'names are escaped in HTML');
      t.true(mail.html.includes(`<html lang="${lang}">`));
    }
    t.is(subjects.size, kinds.length, `${lang}: each message has its own subject`);
  }
});

test('an expired password is only replaced after a fresh sign-in, never from an old session', async (t) => {
  const provider = await TestProvider.start(
    t,
    { DATA_DIR: tempDir(t) },
    { profile: { recentSignInSeconds: 1 } },
  );
  const rp = await TestRelyingParty.register(provider);
  await provider.addUser('anna', PASSWORD);
  const agent = new BrowserAgent(provider.issuer);
  await rp.signIn(agent, 'anna', PASSWORD);
  // Later the password expires while the single sign-on session lives on.
  await new Promise((resolve) => setTimeout(resolve, 1500));
  await ageThePassword(provider, 'anna', 91);

  const page = await agent.open((await rp.authorize()).url.href);
  t.truthy(page.document.querySelector('input[name=password]'), 'the sign-in form first');
  const step = expectPage(await agent.submit(page, { username: 'anna', password: PASSWORD }));
  t.is(heading(step), 'Din adgangskode er udløbet');
  expectRedirect(
    await agent.submit(step, { new_password: NEW_PASSWORD, new_password_repeat: NEW_PASSWORD }),
  );
});
