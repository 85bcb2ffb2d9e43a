import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

import mysql from 'mysql2/promise';
import { DataSource, type DataSourceOptions } from 'typeorm';

import { migrations } from '../../migrations/index.js';
import type { Config } from '../config/schema.js';
import { AttemptCounter } from './entities/attempt-counter.js';
import { AuditEvent } from './entities/audit-event.js';
import { Entitlement } from './entities/entitlement.js';
import { JobLease } from './entities/job-lease.js';
import { LogoutDelivery } from './entities/logout-delivery.js';
import { MailMessage } from './entities/mail-message.js';
import { OidcPayload } from './entities/oidc-payload.js';
import { PasswordHistory } from './entities/password-history.js';
import { RateWindow } from './entities/rate-window.js';
import { RecoveryState } from './entities/recovery-state.js';
import { Secret } from './entities/secret.js';
import { SecurityAnswer } from './entities/security-answer.js';
import { SigningKey } from './entities/signing-key.js';
import { User } from './entities/user.js';

export const entities = [
  User,
  OidcPayload,
  SigningKey,
  Secret,
  SecurityAnswer,
  PasswordHistory,
  RecoveryState,
  AttemptCounter,
  AuditEvent,
  RateWindow,
  MailMessage,
  Entitlement,
  LogoutDelivery,
  JobLease,
];

export type DatabaseKind = 'mysql' | 'sqlite';

/** Which database a configuration points at, and where. */
export function describeDatabase(config: Config): { kind: DatabaseKind; location: string } {
  const url = config.database.url;
  if (url === null) return { kind: 'sqlite', location: resolve(config.dataDir, 'idp.sqlite') };
  if (url.startsWith('sqlite:'))
    return { kind: 'sqlite', location: resolve(url.slice('sqlite:'.length)) };
  const { server, socketPath } = mysqlServer(url);
  const parsed = new URL(server);
  const where = socketPath ?? `${parsed.hostname}:${parsed.port || 3306}`;
  return { kind: 'mysql', location: `${where}${parsed.pathname}` };
}

/**
 * A mysql:// URL may name a Unix socket instead of a port
 * (`mysql://idp@localhost/idp?socket=/run/mysqld/mysqld.sock`), for a
 * database server on the same host: it skips the TCP stack, which halves
 * the driver's work per statement there. Returns the URL without that
 * parameter and the socket's path.
 */
function mysqlServer(url: string): { server: string; socketPath: string | undefined } {
  const parsed = new URL(url.replace(/^mariadb:/, 'mysql:'));
  const socketPath = parsed.searchParams.get('socket') ?? undefined;
  parsed.searchParams.delete('socket');
  return { server: parsed.href, socketPath };
}

/**
 * MariaDB and MySQL speak one protocol, but TypeORM reads their catalogues
 * differently (MariaDB reports NULL defaults in its own way), so it must be
 * told which one it has. A mysql:// URL may point at either: ask the server.
 */
async function mysqlFlavour(url: string): Promise<'mysql' | 'mariadb'> {
  if (url.startsWith('mariadb:')) return 'mariadb';
  const { server, socketPath } = mysqlServer(url);
  const connection = await mysql.createConnection({
    uri: server,
    ...(socketPath ? { socketPath } : {}),
  });
  try {
    const [rows] = await connection.query('SELECT VERSION() AS version');
    return /mariadb/i.test((rows as { version: string }[])[0]?.version ?? '') ? 'mariadb' : 'mysql';
  } finally {
    await connection.end();
  }
}

async function optionsFor(config: Config): Promise<DataSourceOptions> {
  const { kind, location } = describeDatabase(config);
  const common = { entities, migrations, migrationsTransactionMode: 'each' as const };

  if (kind === 'sqlite') {
    mkdirSync(dirname(location), { recursive: true });
    return {
      ...common,
      type: 'better-sqlite3',
      database: location,
      // WAL lets readers continue while one writer commits; the busy timeout
      // makes a second writer wait instead of failing at once.
      prepareDatabase: (db: { pragma(sql: string): unknown }) => {
        db.pragma('journal_mode = WAL');
        db.pragma('busy_timeout = 5000');
        db.pragma('synchronous = NORMAL');
      },
    };
  }

  const { server, socketPath } = mysqlServer(config.database.url as string);
  return {
    ...common,
    type: await mysqlFlavour(config.database.url as string),
    url: server,
    timezone: 'Z',
    charset: 'utf8mb4_unicode_ci',
    poolSize: config.database.poolSize,
    supportBigNumbers: true,
    // mysql2 otherwise records a stack trace for every query, to decorate
    // errors that TypeORM wraps in its own anyway: measurable per request.
    extra: { trace: false, ...(socketPath ? { socketPath } : {}) },
  };
}

/** A DataSource for the configured database, not yet initialized. */
export async function createDataSource(config: Config): Promise<DataSource> {
  return new DataSource(await optionsFor(config));
}
