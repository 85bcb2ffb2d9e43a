import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

import { DataSource, type DataSourceOptions } from 'typeorm';

import { migrations } from '../../migrations/index.js';
import type { Config } from '../config/schema.js';
import { OidcPayload } from './entities/oidc-payload.js';
import { Secret } from './entities/secret.js';
import { SigningKey } from './entities/signing-key.js';
import { User } from './entities/user.js';

export const entities = [User, OidcPayload, SigningKey, Secret];

export type DatabaseKind = 'mysql' | 'sqlite';

/** Which database a configuration points at, and where. */
export function describeDatabase(config: Config): { kind: DatabaseKind; location: string } {
  const url = config.database.url;
  if (url === null) return { kind: 'sqlite', location: resolve(config.dataDir, 'idp.sqlite') };
  if (url.startsWith('sqlite:'))
    return { kind: 'sqlite', location: resolve(url.slice('sqlite:'.length)) };
  const parsed = new URL(url);
  return { kind: 'mysql', location: `${parsed.hostname}:${parsed.port || 3306}${parsed.pathname}` };
}

function optionsFor(config: Config): DataSourceOptions {
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

  return {
    ...common,
    type: 'mysql',
    url: (config.database.url as string).replace(/^mariadb:/, 'mysql:'),
    timezone: 'Z',
    charset: 'utf8mb4_unicode_ci',
    poolSize: config.database.poolSize,
    supportBigNumbers: true,
  };
}

export function createDataSource(config: Config): DataSource {
  return new DataSource(optionsFor(config));
}

/** The default data folder, for files that live beside the embedded database. */
export function dataPath(config: Config, ...parts: string[]): string {
  return join(resolve(config.dataDir), ...parts);
}
