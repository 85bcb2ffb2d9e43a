import { spawn } from 'node:child_process';

import test from 'ava';

import { BrowserAgent, expectPage } from './helpers/browser-agent.js';
import { ANSWERS, answerForm, startRecovery } from './helpers/recovery.js';
import { DETAILS, submitSecurity } from './helpers/registration.js';
import { TestRelyingParty } from './helpers/relying-party.js';
import { TestProvider } from './helpers/server.js';

const PASSWORD = 'Gammel men god kode 11';
const NEW_PASSWORD = 'Blåbærgrød med fløde 42';

function idpJson(databaseUrl: string, ...args: string[]): Promise<Record<string, unknown>[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['src/bin/idp.mjs', ...args, '--json'], {
      env: { ...process.env, NODE_ENV: 'test', DATABASE_URL: databaseUrl, LOG_LEVEL: 'silent' },
    });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.on('close', (code) =>
      code === 0
        ? resolve(
            out
              .trim()
              .split('\n')
              .filter(Boolean)
              .map((line) => JSON.parse(line)),
          )
        : reject(new Error(`idp exited ${code}`)),
    );
  });
}

test('sign-ins, lockouts and recoveries are in the audit trail, without secrets', async (t) => {
  const provider = await TestProvider.start(t);
  const rp = await TestRelyingParty.register(provider);
  const user = await provider.addUser('anna', PASSWORD, ANSWERS);

  const attempt = async (password: string) => {
    const agent = new BrowserAgent(provider.issuer, 'da', { 'user-agent': 'audit-test/1.0' });
    const login = await agent.open((await rp.authorize()).url.href);
    return agent.submit(login, { username: 'anna', password });
  };
  await attempt(PASSWORD);
  for (let i = 0; i < 5; i++) await attempt(`wrong-${i}-not-stored`);

  const agent = new BrowserAgent(provider.issuer);
  const login = await agent.open((await rp.authorize()).url.href);
  const questions = await startRecovery(agent, login, 'anna');
  const choose = expectPage(await agent.submit(questions, answerForm(ANSWERS)));
  await agent.submit(choose, { new_password: NEW_PASSWORD, new_password_repeat: NEW_PASSWORD });

  const events = await provider.services.audit.list({ userId: user.id, limit: 50 });
  const types = events.map((e) => e.type).reverse();
  t.deepEqual(types, [
    'login.succeeded',
    ...Array(5).fill('login.failed'),
    'login.locked',
    'recovery.started',
    'recovery.answered',
    'recovery.succeeded',
  ]);
  const failed = events.find((e) => e.type === 'login.failed');
  t.is(failed?.clientId, 'portal');
  t.is(failed?.userAgent, 'audit-test/1.0');
  t.truthy(failed?.ip);
  t.is(failed?.outcome, 'failure');

  const everything = JSON.stringify(await provider.services.db.query('SELECT * FROM audit_events'));
  for (const secret of [PASSWORD, NEW_PASSWORD, 'wrong-0-not-stored', ...ANSWERS]) {
    t.false(everything.includes(secret), secret);
  }

  const listed = await idpJson(
    provider.database.url,
    'audit',
    'list',
    '--user',
    'anna',
    '--type',
    'login.failed',
  );
  t.is(listed.length, 5);
  t.is(listed[0]?.user, 'anna');
  t.is(listed[0]?.client, 'portal');
});

test('registration steps and consent are recorded', async (t) => {
  const provider = await TestProvider.start(t);
  const rp = await TestRelyingParty.register(provider, { id: 'partner', firstParty: false });
  const user = await provider.addNewUser('anna', 'Midlertidig-kode-9876');
  const agent = new BrowserAgent(provider.issuer);
  const login = await agent.open((await rp.authorize()).url.href);
  const step1 = expectPage(
    await agent.submit(login, { username: 'anna', password: 'Midlertidig-kode-9876' }),
  );
  const step2 = expectPage(await submitSecurity(agent, step1));
  const consent = expectPage(await agent.submit(step2, DETAILS));
  await agent.submit(consent, { decision: 'allow' });

  const types = (await provider.services.audit.list({ userId: user.id }))
    .map((e) => e.type)
    .reverse();
  t.deepEqual(types, [
    'login.succeeded',
    'registration.security',
    'registration.details',
    'consent.given',
  ]);
});

test('events older than the retention are purged, newer ones stay', async (t) => {
  const provider = await TestProvider.start(t);
  const { audit, db } = provider.services;
  await audit.record({ type: 'login.failed', outcome: 'failure' });
  await audit.record({ type: 'login.failed', outcome: 'failure' });
  await db.query(
    'UPDATE audit_events SET occurred_at = ? WHERE id = (SELECT MIN(id) FROM (SELECT id FROM audit_events) AS oldest)',
    [Date.now() - 400 * 86_400_000],
  );
  t.is(await audit.purge(365), 1);
  t.is((await audit.list({})).length, 1);
});
