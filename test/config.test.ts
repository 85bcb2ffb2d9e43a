import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import test from 'ava';

import { ConfigError, loadConfig } from '../src/config/load.js';

test('the defaults make a development configuration on the embedded database', (t) => {
  const config = loadConfig({});
  t.is(config.env, 'development');
  t.is(config.issuer, 'http://localhost:3000');
  t.is(config.port, 3000);
  t.is(config.database.url, null);
  t.deepEqual(config.passwordHash, { logN: 15, r: 8, p: 1 });
  t.true(Object.isFrozen(config.database));
});

test('environment variables override the files', (t) => {
  const config = loadConfig({
    ISSUER: 'https://id.example.com',
    PORT: '8080',
    DATABASE_URL: 'mysql://idp:pw@db:3306/idp',
    TRUST_PROXY: 'true',
    COOKIE_KEYS: `${'a'.repeat(32)}, ${'b'.repeat(32)}`,
  });
  t.is(config.issuer, 'https://id.example.com');
  t.is(config.port, 8080);
  t.is(config.database.url, 'mysql://idp:pw@db:3306/idp');
  t.true(config.trustProxy);
  t.deepEqual(config.keys.cookieKeys, ['a'.repeat(32), 'b'.repeat(32)]);
});

const rejects =
  (env: Record<string, string>, setting: RegExp) => (t: import('ava').ExecutionContext) => {
    const error = t.throws(() => loadConfig(env), { instanceOf: ConfigError });
    t.regex(error?.message ?? '', setting);
  };

test('a port that is not a number names PORT', rejects({ PORT: 'eighty' }, /PORT/));
test('a port out of range names the setting', rejects({ PORT: '70000' }, /port \(PORT\)/));
test(
  'an issuer with a trailing slash is refused',
  rejects({ ISSUER: 'http://localhost:3000/' }, /issuer \(ISSUER\)/),
);
test(
  'an unknown database scheme is refused',
  rejects({ DATABASE_URL: 'postgres://x/y' }, /database\.url \(DATABASE_URL\)/),
);
test('a short cookie key is refused', rejects({ COOKIE_KEYS: 'short' }, /keys\.cookieKeys/));
test(
  'a hash cost below the floor is refused',
  rejects({ PASSWORD_HASH_LOGN: '4' }, /passwordHash\.logN/),
);
test(
  'production refuses a plain-http public issuer',
  rejects({ NODE_ENV: 'production', ISSUER: 'http://id.example.com' }, /https/),
);

test('production accepts an https issuer, and http only on localhost', (t) => {
  const metrics = { METRICS_TOKEN: 'a-long-scrape-token' };
  const https = { ...metrics, NODE_ENV: 'production', ISSUER: 'https://id.example.com' };
  t.is(loadConfig(https).env, 'production');
  const local = { ...metrics, NODE_ENV: 'production', ISSUER: 'http://localhost:3000' };
  t.is(loadConfig(local).env, 'production');
});

test(
  'production refuses to serve metrics without a token',
  rejects({ NODE_ENV: 'production', ISSUER: 'https://id.example.com' }, /METRICS_TOKEN/),
);

test('production may turn metrics off instead', (t) => {
  const env = { NODE_ENV: 'production', ISSUER: 'https://id.example.com' };
  t.false(loadConfig({ ...env, METRICS_ENABLED: 'false' }).metrics.enabled);
});

test(
  'an issuer that is not a URL names ISSUER',
  rejects({ ISSUER: 'not-a-url' }, /issuer \(ISSUER\)/),
);

for (const [content, named] of [
  [{ database: { poolsize: 5 } }, 'database.poolsize'],
  [{ prot: 1 }, 'prot'],
  [{ languages: { fallback: 'da' } }, 'languages.fallback'],
] as const) {
  test(`a misspelt setting in a configuration file stops start-up: ${JSON.stringify(content)}`, (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'idp-config-'));
    const file = join(dir, 'local.json');
    writeFileSync(file, JSON.stringify(content));
    const error = t.throws(() => loadConfig({ CONFIG_FILE: file }), { instanceOf: ConfigError });
    t.true((error?.message ?? '').includes(`  ${named}: unknown setting`), error?.message);
  });
}

test('the server refuses to start on a bad value and says which setting', (t) => {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: { ...process.env, PORT: 'eighty' },
    encoding: 'utf8',
    timeout: 30_000,
  });
  t.not(result.status, 0);
  t.regex(result.stderr, /PORT/);
  t.notRegex(result.stderr, /at .*\(.*:\d+:\d+\)/);
});
