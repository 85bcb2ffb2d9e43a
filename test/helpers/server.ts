import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { ExecutionContext } from 'ava';
import type { DestinationStream } from 'pino';

import { type App, createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { User } from '../../src/db/entities/user.js';
import { createLogger } from '../../src/logger.js';
import { ClientStore, type NewClient } from '../../src/oidc/client-store.js';
import { createTestDatabase, type TestDatabase } from './database.js';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

export interface TestProviderOptions {
  /** Rewrites the test database's URL before the provider connects to it. */
  databaseUrl?: (url: string) => string;
  /** The public issuer, when it is not the server's own address (a proxy in front). */
  issuer?: string;
  /** Another instance's database to share (its owner drops it). */
  database?: TestDatabase;
  /** The port to listen on (instances behind a test balancer are given theirs). */
  port?: number;
  /** Receives every log line (at debug level) instead of standard output. */
  log?: DestinationStream;
}

/** A provider running in this process on its own port and database, as a test sees it. */
export class TestProvider {
  app!: App;
  server!: Server;
  readonly config: Config;
  readonly database: TestDatabase;

  readonly #log: DestinationStream | undefined;

  private constructor(config: Config, database: TestDatabase, log?: DestinationStream) {
    this.config = config;
    this.database = database;
    this.#log = log;
  }

  /**
   * `env` sets environment overrides; `settings` is merged in as a
   * configuration file, for settings that have no variable. `options` can
   * route the database connection (through a proxy that a test breaks) and
   * capture the log.
   */
  static async start(
    t: ExecutionContext,
    env: Record<string, string> = {},
    settings?: Record<string, unknown>,
    options: TestProviderOptions = {},
  ): Promise<TestProvider> {
    const shared = options.database;
    const database = shared ?? (await createTestDatabase());
    let configFile: string | undefined;
    if (settings) {
      const dir = mkdtempSync(join(tmpdir(), 'idp-settings-'));
      configFile = join(dir, 'settings.json');
      writeFileSync(configFile, JSON.stringify(settings));
      t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    }
    // The issuer names the port, so a port is chosen before the server
    // starts; another test process may take it meanwhile, and then the
    // next free port is tried.
    for (let attempt = 1; ; attempt++) {
      const port = options.port ?? (await freePort());
      const config = loadConfig({
        ...env,
        ...(configFile ? { CONFIG_FILE: configFile } : {}),
        NODE_ENV: 'test',
        ISSUER: options.issuer ?? `http://localhost:${port}`,
        PORT: String(port),
        DATABASE_URL: options.databaseUrl?.(database.url) ?? database.url,
        LOG_LEVEL: options.log ? 'debug' : (process.env.TEST_LOG_LEVEL ?? 'silent'),
      });
      const provider = new TestProvider(config, database, options.log);
      try {
        await provider.#listen();
        t.teardown(() => provider.stop().then(() => (shared ? undefined : database.drop())));
        return provider;
      } catch (error) {
        const taken = (error as NodeJS.ErrnoException).code === 'EADDRINUSE';
        if (!taken || attempt === 5 || options.port) {
          if (!shared) await database.drop();
          throw error;
        }
      }
    }
  }

  get issuer(): string {
    return this.config.issuer;
  }

  /** Where the server listens, which differs from the issuer behind a proxy. */
  get origin(): string {
    return `http://localhost:${this.config.port}`;
  }

  get services() {
    return this.app.services;
  }

  /** Stops and starts the server on the same port and database, as a redeploy would. */
  async restart(): Promise<void> {
    await this.stop();
    await this.#listen();
  }

  async stop(): Promise<void> {
    if (!this.server?.listening) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    await this.app.close();
  }

  async addClient(client: Partial<NewClient> & { id: string }) {
    return new ClientStore(this.services.db, this.services.provider).add({
      redirectUris: ['http://localhost:9/callback'],
      postLogoutRedirectUris: ['http://localhost:9/'],
      firstParty: true,
      isPublic: false,
      openToAll: true,
      ...client,
    });
  }

  /** A user as an operator creates one: temporary password, registration still to do. */
  async addNewUser(username: string, temporaryPassword: string) {
    return this.services.accounts.create({ username, temporaryPassword });
  }

  /** A user who completed the first-sign-in registration, with `password` as their own password. */
  async addUser(
    username: string,
    password: string,
    answers = ['Rasmus Hansen', 'Lindeskolen', 'Volvo'],
  ) {
    const user = await this.addNewUser(username, password);
    const { db, questions } = this.services;
    const rows = await questions.prepare(
      user.id,
      answers.map((answer, i) => ({ questionId: questions.catalogue[i] as string, answer })),
    );
    await db.transaction((manager) => questions.enrol(manager, rows));
    const profile = {
      mustChangePassword: false,
      email: `${username.toLowerCase()}@example.com`,
      emailKey: `${username.toLowerCase()}@example.com`,
      lastName: 'Berg',
      preferredLanguage: 'da',
    };
    await db.getRepository(User).update({ id: user.id }, profile);
    return { ...user, ...profile };
  }

  async #listen(): Promise<void> {
    this.app = await createApp(this.config, createLogger(this.config.log.level, this.#log));
    const server = createHttpServer(this.app.provider.callback());
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(this.config.port, 'localhost', resolve);
      });
    } catch (error) {
      await this.app.close();
      throw error;
    }
    this.server = server;
  }
}
