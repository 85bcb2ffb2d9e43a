import test, { type ExecutionContext } from 'ava';

import { BrowserAgent, expectPage } from './helpers/browser-agent.js';
import { ANSWERS, answerForm, startRecovery } from './helpers/recovery.js';
import { TestRelyingParty } from './helpers/relying-party.js';
import { TestProvider } from './helpers/server.js';

const PASSWORD = 'correct horse battery staple';
const INVALID = 'Brugernavnet eller adgangskoden er forkert.';

async function setUp(t: ExecutionContext) {
  const provider = await TestProvider.start(t);
  const rp = await TestRelyingParty.register(provider);
  await provider.addUser('anna', PASSWORD, ANSWERS);
  const attempt = async (username: string, password: string) => {
    const agent = new BrowserAgent(provider.issuer);
    const login = await agent.open((await rp.authorize()).url.href);
    return agent.submit(login, { username, password });
  };
  const counter = async (key: string) =>
    (
      await provider.services.db.query(
        'SELECT attempts, lockouts, locked_until FROM attempt_counters WHERE counter_key = ?',
        [key],
      )
    )[0];
  return { provider, rp, attempt, counter };
}

const message = (result: Awaited<ReturnType<BrowserAgent['submit']>>) =>
  expectPage(result).document.querySelector('#password-error')?.text.trim();

test('after five wrong passwords even the right one is refused, with the same message', async (t) => {
  const { attempt } = await setUp(t);
  for (let i = 0; i < 5; i++) t.is(message(await attempt('anna', `wrong ${i}`)), INVALID);
  const locked = await attempt('anna', PASSWORD);
  t.is(expectPage(locked).status, 400);
  t.is(message(locked), INVALID);
});

test('an unknown username locks the same way, so a lock reveals nothing', async (t) => {
  const { attempt, counter } = await setUp(t);
  for (let i = 0; i < 6; i++) t.is(message(await attempt('nobody', `wrong ${i}`)), INVALID);
  t.truthy((await counter('login:user:nobody')).locked_until);
});

test('twenty parallel wrong sign-ins: exactly five are judged, then the account is locked', async (t) => {
  const { attempt, counter } = await setUp(t);
  const results = await Promise.all(
    Array.from({ length: 20 }, (_, i) => attempt('anna', `wrong ${i}`)),
  );
  for (const result of results) t.is(message(result), INVALID);
  const row = await counter('login:user:anna');
  t.is(Number(row.attempts), 5);
  t.is(Number(row.lockouts), 1);
  t.truthy(row.locked_until);
});

test('each further lockout lasts twice as long', async (t) => {
  const { provider, attempt, counter } = await setUp(t);
  for (let i = 0; i < 5; i++) await attempt('anna', `wrong ${i}`);
  const first = Number((await counter('login:user:anna')).locked_until) - Date.now();
  t.true(first > 14 * 60_000 && first <= 15 * 60_000, `${first}`);

  // The lock runs out; five more failures lock for 30 minutes.
  await provider.services.db.query(
    "UPDATE attempt_counters SET locked_until = ? WHERE counter_key = 'login:user:anna'",
    [Date.now() - 1],
  );
  for (let i = 0; i < 5; i++) await attempt('anna', `again ${i}`);
  const second = Number((await counter('login:user:anna')).locked_until) - Date.now();
  t.true(second > 29 * 60_000 && second <= 30 * 60_000, `${second}`);
});

test('a successful sign-in resets the count', async (t) => {
  const { attempt, counter } = await setUp(t);
  for (let i = 0; i < 4; i++) await attempt('anna', `wrong ${i}`);
  t.true('leftTo' in (await attempt('anna', PASSWORD)));
  t.is(await counter('login:user:anna'), undefined);
  for (let i = 0; i < 4; i++) await attempt('anna', `wrong ${i}`);
  t.true('leftTo' in (await attempt('anna', PASSWORD)));
});

test('the operator unlock and a completed recovery both lift the lock', async (t) => {
  const { provider, rp, attempt } = await setUp(t);
  for (let i = 0; i < 5; i++) await attempt('anna', `wrong ${i}`);
  await provider.services.signIn.unlock('anna');
  t.true('leftTo' in (await attempt('anna', PASSWORD)));

  for (let i = 0; i < 5; i++) await attempt('anna', `wrong ${i}`);
  const agent = new BrowserAgent(provider.issuer);
  const login = await agent.open((await rp.authorize()).url.href);
  const questions = await startRecovery(agent, login, 'anna');
  const choose = expectPage(await agent.submit(questions, answerForm(ANSWERS)));
  await agent.submit(choose, {
    new_password: 'Blåbærgrød med fløde 42',
    new_password_repeat: 'Blåbærgrød med fløde 42',
  });
  t.true('leftTo' in (await attempt('anna', 'Blåbærgrød med fløde 42')));
});
