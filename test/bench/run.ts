/**
 * `npm run bench`: measures a running provider the way production runs it
 * (a separate server process, production settings, scrypt at the configured
 * cost) on MariaDB and on SQLite, and prints one table per database:
 * requests per second and p50/p95/p99 latency for full sign-ins (driven
 * here: authorization request, login form, code exchange, ID token
 * checked), refresh-token and client-credentials grants, userinfo,
 * introspection, discovery and JWKS (autocannon), the server's peak memory,
 * the machine's raw scrypt capacity, the sign-in to scrypt ratio and the
 * hash's share of the server's CPU per sign-in. The results are also
 * written as JSON. The server is the compiled build
 * (`npm run build` runs first), started as the container image starts it.
 *
 *   npm run bench -- [--db mysql|sqlite|both] [--duration 15] [--connections 8]
 *                    [--users 200] [--out bench-results.json] [--only sign-in,refresh]
 *                    [--log-n 10] [--warmup 3] [--transport socket|tcp] [--workers N]
 *                    [--malloc hugetlb|default]
 *
 * MariaDB: BENCH_MYSQL_URL (default mysql://root@127.0.0.1:3306/); a
 * database is created for the run and dropped after it. BENCH_PROFILE_DIR
 * makes the server write a CPU profile there; `npm run bench:profile FILE`
 * lists where its time went.
 *
 * `--malloc hugetlb` (the default) runs with the allocator setting the
 * container image sets (GLIBC_TUNABLES, see the Dockerfile): the script runs
 * itself again with it when needed, so that the scrypt capacity it measures
 * and the server it starts share the same allocator.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';

import type autocannon from 'autocannon';
import mysql from 'mysql2/promise';
import * as oidc from 'openid-client';

import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/load.js';
import { SecurityAnswer } from '../../src/db/entities/security-answer.js';
import { User } from '../../src/db/entities/user.js';
import { createLogger } from '../../src/logger.js';
import { ClientStore } from '../../src/oidc/client-store.js';
import { createTestDatabase } from '../helpers/database.js';
import { freePort } from '../helpers/server.js';
import { useAllocator } from './allocator.js';
import { cannon, drive, type Probes, type Row, scryptCapacity, withCpu } from './measure.js';
import { options, type RowName, selected } from './options.js';
import { databasePid, peakRssMb, processTree, transparentHugePages } from './process-stats.js';
import { SignInDriver } from './sign-in-driver.js';

const tunables = useAllocator(options.malloc);
const DURATION_S = options.durationSeconds;
const WARMUP_S = options.warmupSeconds;
const CONNECTIONS = options.connections;
const USERS = options.users;
const PASSWORD = 'bench password that is long enough 42';
const REDIRECT_URI = 'http://localhost:9/callback';
const CORES = availableParallelism();
const WORKERS = options.workers;
const ID_TOKEN_ALGS = ['RS256', 'ES256'] as const;
type IdTokenAlg = (typeof ID_TOKEN_ALGS)[number];

// The server runs as the container image runs it: the compiled build, no TypeScript loader.
const SERVER_ENTRY = 'dist/src/main.js';
const build = spawnSync('npm', ['run', 'build'], { stdio: ['ignore', 'ignore', 'inherit'] });
if (build.status !== 0) throw new Error('npm run build failed');

const rate = (rows: Row[], name: RowName) =>
  rows.find((row) => row.name === name)?.requestsPerSecond ?? Number.NaN;
const signInServerMs = (rows: Row[]) =>
  rows.find((row) => row.name === 'full sign-in')?.cpuMs?.server;
const hashShare = (hashMs: number | undefined, serverMs: number | undefined) =>
  hashMs && serverMs ? hashMs / serverMs : undefined;

/**
 * With `--transport socket` (the default) a MariaDB/MySQL server on this
 * machine is reached through its Unix socket, as the README advises for a
 * database on the same host; `--transport tcp` keeps the URL's host and port.
 */
async function mysqlTransport(url: string): Promise<string> {
  if (options.transport === 'tcp') return url;
  const connection = await mysql.createConnection(url);
  try {
    const [rows] = await connection.query('SELECT @@socket AS socket');
    const socket = (rows as { socket: string | null }[])[0]?.socket;
    if (!socket || !existsSync(socket)) return url;
    const parsed = new URL(url);
    parsed.hostname = 'localhost';
    parsed.port = '';
    parsed.searchParams.set('socket', socket);
    return parsed.href;
  } finally {
    await connection.end();
  }
}

async function benchDatabase(kind: 'sqlite' | 'mysql') {
  process.env.TEST_DB = kind;
  process.env.TEST_MYSQL_URL ??= process.env.BENCH_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/';
  const database = await createTestDatabase();
  const databaseUrl = kind === 'mysql' ? await mysqlTransport(database.url) : database.url;
  const dir = mkdtempSync(join(tmpdir(), 'idp-bench-'));
  const configFile = join(dir, 'bench.json');
  // Production settings, minus what would refuse a load test from one address.
  writeFileSync(
    configFile,
    JSON.stringify({
      rateLimit: { windowSeconds: 60, signIn: 0, recovery: 0, token: 0 },
      signIn: { maxFailures: 100, lockSeconds: 60, maxLockSeconds: 60 },
      // --log-n lowers the hash cost to show what a sign-in costs besides the hash.
      ...(options.logN ? { passwordHash: { logN: options.logN } } : {}),
    }),
  );
  const port = await freePort();
  const env = {
    NODE_ENV: 'production',
    ISSUER: `http://localhost:${port}`,
    PORT: String(port),
    DATABASE_URL: databaseUrl,
    CONFIG_FILE: configFile,
    METRICS_ENABLED: 'false',
    WORKERS: String(WORKERS),
    LOG_LEVEL: 'warn',
  };
  const config = loadConfig(env);
  const issuer = config.issuer;

  // Seed: two products (ID tokens signed RS256, the default, and ES256) and
  // USERS registered users (one hash, shared: the stored hashes are valid,
  // and seeding stays fast at production cost).
  const app = await createApp(config, createLogger('silent'));
  const clients = new ClientStore(app.services.db, app.services.provider);
  const products = {} as Record<IdTokenAlg, { id: string; secret: string }>;
  for (const alg of ID_TOKEN_ALGS) {
    const id = `bench-${alg.toLowerCase()}`;
    const client = await clients.add({
      id,
      redirectUris: [REDIRECT_URI],
      postLogoutRedirectUris: [],
      firstParty: true,
      openToAll: true,
      isPublic: false,
      idTokenSigningAlg: alg,
    });
    products[alg] = { id, secret: client.client_secret as string };
  }
  const passwordHash = await app.services.hasher.hash(PASSWORD);
  const answerHash = await app.services.hasher.hash('answer');
  const now = new Date();
  const users = Array.from({ length: USERS }, (_, i) => ({
    id: randomUUID(),
    username: `user${i}`,
    usernameKey: `user${i}`,
    passwordHash,
    passwordChangedAt: now,
    status: 'active' as const,
    mustChangePassword: false,
    passwordExpired: false,
    email: `user${i}@example.com`,
    emailKey: `user${i}@example.com`,
    lastName: 'Bench',
    preferredLanguage: 'da',
    createdAt: now,
    updatedAt: now,
  }));
  for (let i = 0; i < users.length; i += 100) {
    await app.services.db.getRepository(User).insert(users.slice(i, i + 100));
  }
  const questions = app.services.questions.catalogue;
  const answers = users.flatMap((user) =>
    [1, 2, 3].map((position) => ({
      userId: user.id,
      position,
      questionId: questions[position - 1] as string,
      answerHash,
      createdAt: now,
    })),
  );
  for (let i = 0; i < answers.length; i += 300) {
    await app.services.db.getRepository(SecurityAnswer).insert(answers.slice(i, i + 300));
  }
  // The machine's hash capacity drifts by several percent between minutes
  // (a shared virtual machine): it is measured again right after the
  // sign-ins, and the higher figure is the one sign-ins are compared with.
  // Only when sign-ins are measured.
  const hasher = app.services.hasher;
  const capacities = selected('full sign-in')
    ? [await scryptCapacity(hasher, PASSWORD, CORES)]
    : [];
  await app.close();

  // BENCH_PROFILE_DIR=dir writes a CPU profile of the server (node --cpu-prof).
  const profile = process.env.BENCH_PROFILE_DIR
    ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_PROFILE_DIR]
    : [];
  const server = spawn(process.execPath, [...profile, SERVER_ENTRY], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  try {
    for (let i = 0; ; i++) {
      const ready = await fetch(`${issuer}/readyz`).catch(() => undefined);
      // With workers, the first to answer may be alone yet: wait for all of them.
      const started = WORKERS === 1 || processTree(server.pid).length === WORKERS + 1;
      if (ready?.ok && started) break;
      if (i > 300) throw new Error('the server did not become ready');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const relyingParties = {} as Record<IdTokenAlg, oidc.Configuration>;
    const basicAuth = {} as Record<IdTokenAlg, string>;
    for (const alg of ID_TOKEN_ALGS) {
      const { id, secret } = products[alg];
      relyingParties[alg] = await oidc.discovery(
        new URL(issuer),
        id,
        undefined,
        oidc.ClientSecretBasic(secret),
        { execute: [oidc.allowInsecureRequests] },
      );
      basicAuth[alg] = `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
    }
    const basic = basicAuth.RS256;

    const browser = new SignInDriver(issuer, CONNECTIONS);
    let next = 0;
    const signIn = async (alg: IdTokenAlg = 'RS256', scope = 'openid profile email') => {
      const rp = relyingParties[alg];
      const username = `user${next++ % USERS}`;
      const verifier = oidc.randomPKCECodeVerifier();
      const state = oidc.randomState();
      const url = oidc.buildAuthorizationUrl(rp, {
        redirect_uri: REDIRECT_URI,
        scope,
        code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
        state,
      });
      const callback = await browser.signIn(url.href, username, PASSWORD);
      return oidc.authorizationCodeGrant(rp, new URL(callback), {
        pkceCodeVerifier: verifier,
        expectedState: state,
      });
    };

    const status = kind === 'mysql' ? await mysql.createConnection(database.url) : undefined;
    const probes: Probes = {
      server: server.pid,
      database: databasePid(kind),
      statements: status
        ? async () => {
            const [rows] = await status.query("SHOW GLOBAL STATUS LIKE 'Questions'");
            return Number((rows as { Value: string }[])[0]?.Value);
          }
        : undefined,
    };
    const rows: Row[] = [];
    type Run = (name: RowName, seconds: number) => Promise<Row>;
    const measure = async (name: RowName, run: Run) => {
      if (selected(name)) {
        // An unmeasured warm-up first, so the row sees compiled code and warm caches.
        if (WARMUP_S > 0) await run(name, WARMUP_S);
        rows.push(await withCpu(probes, () => run(name, DURATION_S)));
      }
    };
    const requests =
      (options: autocannon.Options): Run =>
      (name, seconds) =>
        cannon(name, CONNECTIONS, seconds, options);
    await measure('full sign-in', (name, seconds) =>
      drive(name, CONNECTIONS, seconds, async () => void (await signIn())),
    );
    if (selected('full sign-in')) capacities.push(await scryptCapacity(hasher, PASSWORD, CORES));
    const capacity =
      capacities.length > 0 ? Math.max(...capacities.map((c) => c.perSecond)) : undefined;
    // The cheaper of the measured verifications, so the hash's share is not overstated.
    const hashCpuMs =
      capacities.length > 0
        ? Math.min(...capacities.map((c) => c.cpuMsPerVerification))
        : undefined;

    // Refresh tokens rotate, so each request sends one the server handed
    // out earlier: a pool of them (more than there are connections), each
    // taken for one request and replaced by the new token from its response.
    // Each grant also signs a new ID token, with the product's algorithm.
    const refreshRequests = (refreshTokens: string[], alg: IdTokenAlg) =>
      requests({
        url: `${issuer}/token`,
        requests: [
          {
            method: 'POST',
            headers: {
              authorization: basicAuth[alg],
              'content-type': 'application/x-www-form-urlencoded',
            },
            setupRequest: (request) => {
              const token = refreshTokens.shift() as string;
              return {
                ...request,
                body: `grant_type=refresh_token&refresh_token=${encodeURIComponent(token)}`,
              };
            },
            onResponse: (status, body) => {
              // A refused token is not put back: the pool is twice the connections.
              if (status === 200) {
                refreshTokens.push((JSON.parse(body) as { refresh_token: string }).refresh_token);
              }
            },
          },
        ],
      });
    for (const alg of ID_TOKEN_ALGS) {
      const refreshTokens = await Promise.all(
        Array.from(
          { length: CONNECTIONS * 2 },
          async () => (await signIn(alg)).refresh_token as string,
        ),
      );
      await measure(`refresh_token grant ${alg}`, refreshRequests(refreshTokens, alg));
    }
    await measure(
      'client_credentials grant',
      requests({
        url: `${issuer}/token`,
        method: 'POST',
        headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
        body: 'grant_type=client_credentials',
      }),
    );
    const { access_token: accessToken } = await signIn();
    await measure(
      'userinfo',
      requests({ url: `${issuer}/me`, headers: { authorization: `Bearer ${accessToken}` } }),
    );
    await measure(
      'introspection',
      requests({
        url: `${issuer}/token/introspection`,
        method: 'POST',
        headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
        body: `token=${accessToken}`,
      }),
    );
    await measure('discovery', requests({ url: `${issuer}/.well-known/openid-configuration` }));
    await measure('jwks', requests({ url: `${issuer}/jwks` }));

    await status?.end();
    browser.close();
    const sessions = await sessionFootprint(database.url, kind);
    return {
      database: kind,
      workers: WORKERS,
      transport:
        kind === 'sqlite'
          ? 'file'
          : new URL(databaseUrl).searchParams.has('socket')
            ? 'unix socket'
            : 'tcp',
      scryptLogN: config.passwordHash.logN,
      scryptVerificationsPerSecond: capacity,
      scryptMeasurements: capacities.map((c) => c.perSecond),
      scryptCpuMsPerVerification: hashCpuMs,
      signInToScryptRatio: capacity && rate(rows, 'full sign-in') / capacity,
      /**
       * One verification's CPU time against the server's CPU time per
       * sign-in: the hash's share of what the server spends, leaving out the
       * database and the load generator.
       */
      hashShareOfServerCpu: hashShare(hashCpuMs, signInServerMs(rows)),
      /** Grants per second divided by the machine's cores. */
      grantsPerCore: Object.fromEntries(
        rows
          .filter((row) => row.name.includes('grant'))
          .map((row) => [row.name, row.requestsPerSecond / CORES]),
      ),
      serverPeakRssMb: peakRssMb(server),
      sessionBytesInDatabase: sessions,
      rows,
    };
  } finally {
    server.kill('SIGTERM');
    await new Promise((resolve) => server.once('exit', resolve));
    await database.drop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Average size of a stored session (its JSON payload), the whole cost of a session at rest. */
async function sessionFootprint(url: string, kind: 'sqlite' | 'mysql'): Promise<number> {
  const config = loadConfig({ NODE_ENV: 'test', DATABASE_URL: url, LOG_LEVEL: 'silent' });
  const { createDataSource } = await import('../../src/db/data-source.js');
  const db = await createDataSource(config);
  await db.initialize();
  try {
    const length = kind === 'mysql' ? 'LENGTH(payload)' : 'LENGTH(CAST(payload AS BLOB))';
    const [row] = await db.query(
      `SELECT AVG(${length} + LENGTH(id) + 64) AS bytes FROM oidc_payloads WHERE model = 'Session'`,
    );
    return Math.round(Number(row?.bytes ?? 0));
  } finally {
    await db.destroy();
  }
}

const kinds: ('sqlite' | 'mysql')[] = options.db === 'both' ? ['mysql', 'sqlite'] : [options.db];
const results = [];
type Result = Awaited<ReturnType<typeof benchDatabase>>;

/** One database's table and summary lines on standard output. */
function printResult(result: Result): void {
  const fmt = (n: number) => (Number.isFinite(n) ? n.toFixed(1).padStart(9) : '        -');
  const database = result.database === 'mysql' ? 'MariaDB' : 'SQLite';
  const processes = `${WORKERS} server process${WORKERS === 1 ? '' : 'es'}`;
  console.log(
    `\n${database} (${result.transport}), ${processes}: ` +
      `${CONNECTIONS} connections, ${DURATION_S} s each, malloc ${options.malloc}`,
  );
  console.log(
    'endpoint                        req/s   p50 ms   p95 ms   p99 ms   errors' +
      '   CPU ms per request: server database load-gen   statements',
  );
  for (const row of result.rows) {
    const latency = [row.requestsPerSecond, row.p50, row.p95, row.p99].map(fmt).join('');
    const cpu = row.cpuMs
      ? [row.cpuMs.server, row.cpuMs.database, row.cpuMs.loadGenerator].map(fmt).join('')
      : '';
    const statements = row.statements === undefined ? '' : fmt(row.statements).padStart(13);
    console.log(
      `${row.name.padEnd(26)}${latency}${String(row.errors).padStart(9)}` +
        `${' '.repeat(21)}${cpu}${statements}`,
    );
  }
  const capacity = result.scryptVerificationsPerSecond;
  if (capacity !== undefined) {
    const measured = result.scryptMeasurements.map((n) => n.toFixed(1)).join(' and ');
    const ratio = ((result.signInToScryptRatio ?? 0) * 100).toFixed(0);
    console.log(
      `scrypt (logN ${result.scryptLogN}) verifications/s on ${CORES} cores: ` +
        `${capacity.toFixed(1)} (higher of ${measured}); sign-ins/s to scrypt/s: ${ratio} %`,
    );
    const share = result.hashShareOfServerCpu;
    if (share !== undefined) {
      const percent = (share * 100).toFixed(0);
      const hashMs = result.scryptCpuMsPerVerification?.toFixed(0);
      console.log(
        `one verification ${hashMs} ms of CPU; ` +
          `the hash's share of the server's CPU time per sign-in: ${percent} %`,
      );
    }
  }
  const perCore = Object.entries(result.grantsPerCore);
  if (perCore.length > 0) {
    const rates = perCore.map(([name, perSecond]) => `${name} ${perSecond.toFixed(0)}/s`);
    console.log(`per core: ${rates.join(', ')}`);
  }
  console.log(
    `server peak RSS ${result.serverPeakRssMb.toFixed(0)} MB; ` +
      `a stored session ≈ ${result.sessionBytesInDatabase} bytes`,
  );
}

for (const kind of kinds) {
  const result = await benchDatabase(kind);
  results.push(result);
  printResult(result);
}
const settings = {
  db: options.db,
  connections: CONNECTIONS,
  durationSeconds: DURATION_S,
  warmupSeconds: WARMUP_S,
  users: USERS,
  only: options.only,
  workers: WORKERS,
  transport: options.transport,
  logN: options.logN ?? 'configured',
  glibcTunables: tunables ?? null,
};
const machine = {
  cores: CORES,
  cpu: cpus()[0]?.model,
  memoryGb: Math.round(totalmem() / 2 ** 30),
  node: process.version,
  glibc:
    (process.report.getReport() as { header?: { glibcVersionRuntime?: string } }).header
      ?.glibcVersionRuntime ?? null,
  transparentHugePages: transparentHugePages(),
};
writeFileSync(
  options.out,
  `${JSON.stringify({ machine, settings, date: new Date().toISOString(), results }, null, 2)}\n`,
);
console.log(`\nwritten to ${options.out}`);
