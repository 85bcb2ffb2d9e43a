import test from 'ava';

import { AttemptCounters } from '../src/security/attempt-counters.js';
import { TestProvider } from './helpers/server.js';

async function setUp(t: Parameters<typeof TestProvider.start>[0]) {
  const provider = await TestProvider.start(t);
  const counters = new AttemptCounters(provider.services.db);
  const row = async (key: string) =>
    (
      await provider.services.db.query(
        'SELECT attempts, lockouts, locked_until FROM attempt_counters WHERE counter_key = ?',
        [key],
      )
    )[0] as { attempts: number; lockouts: number; locked_until: number | null } | undefined;
  return { counters, row };
}

test('the first attempt on a key creates its row with that attempt counted', async (t) => {
  const { counters, row } = await setUp(t);
  const limit = { limit: 3, lockSeconds: 60 };
  t.deepEqual(await counters.reserve('k', limit), { allowed: true, lockedNow: false });
  t.is(Number((await row('k'))?.attempts), 1);
  t.deepEqual(await counters.reserve('k', limit), { allowed: true, lockedNow: false });
  t.deepEqual(await counters.reserve('k', limit), {
    allowed: true,
    lockedNow: true,
    lockSeconds: 60,
  });
  t.deepEqual(await counters.reserve('k', limit), { allowed: false, lockedNow: false });
});

test('with a limit of one the first attempt sets the lock', async (t) => {
  const { counters, row } = await setUp(t);
  const limit = { limit: 1, lockSeconds: 30 };
  t.deepEqual(await counters.reserve('k', limit), {
    allowed: true,
    lockedNow: true,
    lockSeconds: 30,
  });
  const stored = await row('k');
  t.is(Number(stored?.lockouts), 1);
  t.true(Number(stored?.locked_until) > Date.now());
  t.false((await counters.reserve('k', limit)).allowed);
});

test('parallel first attempts on a new key: exactly the limit are allowed', async (t) => {
  const { counters, row } = await setUp(t);
  const limit = { limit: 4, lockSeconds: 60 };
  const results = await Promise.all(Array.from({ length: 16 }, () => counters.reserve('k', limit)));
  t.is(results.filter((result) => result.allowed).length, 4);
  t.is(results.filter((result) => result.lockedNow).length, 1);
  t.is(Number((await row('k'))?.attempts), 4);
});

test('a released first attempt leaves the key as if it had not been tried', async (t) => {
  const { counters, row } = await setUp(t);
  await counters.reserve('k', { limit: 3, lockSeconds: 60 });
  await counters.release('k');
  t.is(Number((await row('k'))?.attempts), 0);
  await counters.clear('k');
  t.is(await row('k'), undefined);
});
