import { spawnSync } from 'node:child_process';
import { once } from 'node:events';

import test from 'ava';
import * as oidc from 'openid-client';

import { BrowserAgent } from './helpers/browser-agent.js';
import { TestRelyingParty } from './helpers/relying-party.js';
import { freePort, TestProvider } from './helpers/server.js';
import { spawnServer } from './helpers/server-process.js';

const PASSWORD = 'correct horse battery staple';
const METRICS_TOKEN = 'workers-test-metrics-token-0123456789';

/** The supervisor's worker processes (not the TypeScript loader's helper). */
const childPids = (pid: number) =>
  spawnSync('pgrep', ['-P', String(pid), '-f', 'src/main.ts'], { encoding: 'utf8' })
    .stdout.split('\n')
    .filter(Boolean)
    .map(Number);

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

test('WORKERS=2: two processes, one port and database; flows, metrics, restarts', async (t) => {
  t.timeout(180_000);
  const port = await freePort();
  const issuer = `http://localhost:${port}`;
  // An instance in this process seeds the database (it migrates it, and the
  // helpers add the product and the user through it); the supervised
  // workers serve every request of the flow.
  const seeder = await TestProvider.start(t, {}, undefined, { issuer, port: await freePort() });

  const server = spawnServer({
    NODE_ENV: 'test',
    WORKERS: '2',
    PORT: String(port),
    ISSUER: issuer,
    DATABASE_URL: seeder.database.url,
    LOG_LEVEL: 'info',
    METRICS_ENABLED: 'true',
    METRICS_TOKEN,
  });
  const { child, output } = server;
  t.teardown(() => {
    for (const pid of childPids(child.pid as number)) if (alive(pid)) process.kill(pid, 'SIGKILL');
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  const listening = () => output().split('"msg":"listening"').length - 1;
  await server.until('two workers listening', () => listening() === 2);
  const workers = childPids(child.pid as number);
  t.is(workers.length, 2);

  // A whole flow through the shared port: code, refresh, userinfo.
  const rp = await TestRelyingParty.register(seeder);
  await seeder.addUser('anna', PASSWORD);
  const tokens = await rp.signIn(new BrowserAgent(issuer), 'anna', PASSWORD);
  t.is(tokens.claims()?.sub !== undefined, true);
  const refreshed = await oidc.refreshTokenGrant(rp.config, tokens.refresh_token as string);
  const info = await oidc.fetchUserInfo(
    rp.config,
    refreshed.access_token,
    tokens.claims()?.sub as string,
  );
  t.is(info.email, 'anna@example.com');

  // /metrics adds up both workers: every request on a new connection, so
  // both take a share, and the count is the total.
  const requests = 10;
  for (let i = 0; i < requests; i++) {
    const response = await fetch(`${issuer}/.well-known/openid-configuration`, {
      headers: { connection: 'close' },
    });
    t.is(response.status, 200);
  }
  const metrics = await (
    await fetch(`${issuer}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })
  ).text();
  const discovery = /idp_http_request_duration_seconds_count\{[^}]*route="discovery"[^}]*\} (\d+)/
    .exec(metrics)
    ?.at(1);
  t.is(Number(discovery), requests + 1, 'the discovery requests of both workers are counted');

  // A hung worker is left out of /metrics instead of failing the scrape
  // (a request handed to the hung worker itself waits: it is retried).
  process.kill(workers[1] as number, 'SIGSTOP');
  let partial: string | undefined;
  for (let attempt = 0; attempt < 6 && partial === undefined; attempt++) {
    partial = await fetch(`${issuer}/metrics`, {
      headers: { authorization: `Bearer ${METRICS_TOKEN}`, connection: 'close' },
      signal: AbortSignal.timeout(4000),
    })
      .then((response) => response.text())
      .catch(() => undefined);
  }
  process.kill(workers[1] as number, 'SIGCONT');
  t.regex(partial ?? '', /^idp_workers_reporting 1$/m);

  // A worker that dies is replaced; the port keeps answering meanwhile.
  process.kill(workers[0] as number, 'SIGKILL');
  await server.until('a replacement worker', () => listening() === 3);
  t.regex(output(), /a worker stopped: starting another/);
  const replaced = childPids(child.pid as number);
  t.is(replaced.length, 2);
  t.false(replaced.includes(workers[0] as number));
  const again = await rp.signIn(new BrowserAgent(issuer), 'anna', PASSWORD);
  t.truthy(again.access_token);

  // SIGTERM to the supervisor stops every worker, then the supervisor, with
  // 0; a worker that died just before is not replaced any more.
  const exited = once(child, 'exit');
  process.kill(replaced[0] as number, 'SIGKILL');
  await new Promise((resolve) => setTimeout(resolve, 200));
  child.kill('SIGTERM');
  const [code] = await exited;
  t.is(code, 0);
  t.regex(output(), /all workers stopped/);
  t.is(listening(), 3, 'no worker started after the shutdown began');
  for (const pid of replaced) t.false(alive(pid), `worker ${pid} has stopped`);
});
