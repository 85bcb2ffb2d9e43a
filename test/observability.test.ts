import { Writable } from 'node:stream';

import test from 'ava';

import { BrowserAgent, expectPage } from './helpers/browser-agent.js';
import { TestRelyingParty } from './helpers/relying-party.js';
import { TestProvider } from './helpers/server.js';

const PASSWORD = 'correct horse battery staple';
const TOKEN = 'scrape-token-for-the-tests';

/** Collects the provider's JSON log lines. */
function logSink() {
  const lines: Record<string, unknown>[] = [];
  const raw: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) {
        raw.push(line);
        lines.push(JSON.parse(line) as Record<string, unknown>);
      }
      done();
    },
  });
  return { stream, lines, raw };
}

async function scrape(issuer: string, token?: string) {
  return fetch(`${issuer}/metrics`, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
}

/** The value of one sample line of the Prometheus text format, or undefined. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

test('metrics count sign-ins, failures, lockouts and tokens, and time each route', async (t) => {
  const provider = await TestProvider.start(
    t,
    { METRICS_TOKEN: TOKEN },
    { signIn: { maxFailures: 2, lockSeconds: 900, maxLockSeconds: 86400 } },
  );
  const rp = await TestRelyingParty.register(provider);
  await provider.addUser('anna', PASSWORD);
  await provider.addUser('bo', PASSWORD);

  await rp.signIn(new BrowserAgent(provider.issuer), 'anna', PASSWORD);
  for (let i = 0; i < 2; i++) {
    const agent = new BrowserAgent(provider.issuer);
    const login = await agent.open((await rp.authorize()).url.href);
    t.is(
      expectPage(await agent.submit(login, { username: 'bo', password: `no ${i}` })).status,
      400,
    );
  }

  t.is((await scrape(provider.issuer)).status, 401);
  t.is((await scrape(provider.issuer, `${TOKEN}x`)).status, 401);
  const response = await scrape(provider.issuer, TOKEN);
  t.is(response.status, 200);
  t.regex(response.headers.get('content-type') ?? '', /^text\/plain/);
  const text = await response.text();

  t.is(sample(text, 'idp_sign_ins_total{outcome="success"}'), 1);
  t.is(sample(text, 'idp_sign_ins_total{outcome="failure"}'), 2);
  t.is(sample(text, 'idp_lockouts_total{kind="sign_in"}'), 1);
  t.is(sample(text, 'idp_tokens_issued_total{grant_type="authorization_code"}'), 1);
  t.is(sample(text, 'idp_audit_events_total{type="login.succeeded",outcome="success"}'), 1);
  const tokenCount = sample(
    text,
    'idp_http_request_duration_seconds_count{method="POST",route="token",status="200"}',
  );
  t.is(tokenCount, 1);
  t.true(
    (sample(
      text,
      'idp_http_request_duration_seconds_count{method="GET",route="authorization",status="303"}',
    ) ?? 0) >= 3,
  );
  t.true((sample(text, 'idp_process_resident_memory_bytes') ?? 0) > 0);
  if (provider.database.kind === 'mysql') {
    t.is(sample(text, 'idp_db_pool_connections{state="max"}'), provider.config.database.poolSize);
    t.true((sample(text, 'idp_db_pool_connections{state="idle"}') ?? -1) >= 0);
  }
});

test('metrics can be turned off', async (t) => {
  const provider = await TestProvider.start(t, { METRICS_ENABLED: 'false' });
  t.is((await scrape(provider.issuer)).status, 404);
});

test('every log line of a request carries its id, provider events are logged, secrets never', async (t) => {
  const log = logSink();
  const provider = await TestProvider.start(t, {}, undefined, { log: log.stream });
  const rp = await TestRelyingParty.register(provider);
  await provider.addUser('anna', PASSWORD);
  const tokens = await rp.signIn(new BrowserAgent(provider.issuer), 'anna', PASSWORD);

  const requestLines = log.lines.filter((line) => line.msg === 'request');
  t.true(requestLines.length >= 4);
  t.true(requestLines.every((line) => typeof line.requestId === 'string'));

  // Lines written deep inside a request (the audit trail, the provider's
  // events) carry the same id as the request's own line.
  const audit = log.lines.find((line) => line.msg === 'audit' && line.event === 'login.succeeded');
  const issued = log.lines.find((line) => line.event === 'grant.success');
  t.truthy(audit?.requestId);
  t.is(issued?.grantType, 'authorization_code');
  t.is(issued?.client, rp.clientId);
  const tokenRequest = requestLines.find((line) => line.path === '/token');
  t.is(issued?.requestId, tokenRequest?.requestId);

  const everything = log.raw.join('\n');
  for (const secret of [PASSWORD, tokens.access_token, tokens.id_token, tokens.refresh_token]) {
    t.false(everything.includes(secret as string), 'a secret reached the log');
  }
});

test('a request id from a trusted proxy is kept; otherwise a fresh one is made', async (t) => {
  const trusting = await TestProvider.start(t, { TRUST_PROXY: 'true' });
  const kept = await fetch(`${trusting.issuer}/healthz`, {
    headers: { 'x-request-id': 'lb-1234' },
  });
  t.is(kept.headers.get('x-request-id'), 'lb-1234');
  const odd = await fetch(`${trusting.issuer}/healthz`, {
    headers: { 'x-request-id': 'no spaces or "quotes" here' },
  });
  t.regex(odd.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);

  const direct = await TestProvider.start(t);
  const fresh = await fetch(`${direct.issuer}/healthz`, { headers: { 'x-request-id': 'lb-1' } });
  t.regex(fresh.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
});
