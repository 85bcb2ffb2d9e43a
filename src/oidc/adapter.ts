import { randomUUID } from 'node:crypto';

import type { Adapter, AdapterPayload } from 'oidc-provider';
import { errors } from 'oidc-provider';
import { type DataSource, LessThan, type Repository } from 'typeorm';

import { LogoutDelivery } from '../db/entities/logout-delivery.js';
import { OidcPayload } from '../db/entities/oidc-payload.js';
import { type Statements, statementsFor } from '../db/statements.js';
import { dropRows, leaveRow, takeRow } from './request-rows.js';

const epochSeconds = () => Math.floor(Date.now() / 1000);

/** Models whose rows carry a grantId and must go when their grant is revoked. */
const GRANTABLE = new Set([
  'AccessToken',
  'AuthorizationCode',
  'RefreshToken',
  'DeviceCode',
  'BackchannelAuthenticationRequest',
  'ClientCredentials',
]);

/** Models that may be redeemed only once: their consume must win a race or fail. */
const CONSUMABLE = new Set([
  'AuthorizationCode',
  'RefreshToken',
  'DeviceCode',
  'BackchannelAuthenticationRequest',
  'PushedAuthorizationRequest',
]);

/**
 * Tokens whose lookup is always followed by lookups of their grant and
 * their session: one statement reads all three (see request-rows.ts).
 */
const WITH_GRANT_AND_SESSION = new Set(['AccessToken', 'AuthorizationCode', 'RefreshToken']);

/** How long an instance reuses a client it read: client changes reach every instance within it. */
const CLIENT_CACHE_MS = 5000;

type ClientCache = Map<string, { payload: AdapterPayload | undefined; until: number }>;
/** One client cache per database, shared by every adapter on it: a local change is seen at once. */
const clientCaches = new WeakMap<DataSource, ClientCache>();

const COLUMNS = [
  'model',
  'id',
  'payload',
  'grant_id',
  'uid',
  'account_id',
  'user_code',
  'expires_at',
  'consumed_at',
] as const;

interface StoredRow {
  payload: string;
  expires_at: number | string | null;
  consumed_at: number | string | null;
}

/** A token row with its grant's and its session's, when they exist. */
interface TokenRow extends StoredRow {
  grant_payload: string | null;
  grant_expires_at: number | string | null;
  grant_consumed_at: number | string | null;
  session_payload: string | null;
  session_expires_at: number | string | null;
  session_consumed_at: number | string | null;
}

/** What the provider is given for a stored row: nothing once it expired. */
function payloadOf(
  payload: string | null,
  expiresAt: number | string | null,
  consumedAt: number | string | null,
): AdapterPayload | undefined {
  if (payload === null) return undefined;
  if (expiresAt !== null && Number(expiresAt) <= epochSeconds()) return undefined;
  const parsed = JSON.parse(payload) as AdapterPayload;
  return consumedAt === null ? parsed : { ...parsed, consumed: Number(consumedAt) };
}

/**
 * oidc-provider's storage interface over one table. Every instance sharing
 * the database sees the same state; the only thing kept in process is a
 * client read in the last few seconds. The lookups and writes of every
 * request are single plain statements (db/statements.ts).
 */
export class TypeOrmAdapter implements Adapter {
  readonly #statements: Statements;
  readonly #rows: Repository<OidcPayload>;
  readonly #model: string;
  readonly #upsertSql: string;
  readonly #tokenSql: string | undefined;
  readonly #clients: ClientCache | undefined;

  constructor(model: string, db: DataSource) {
    this.#model = model;
    this.#statements = statementsFor(db);
    this.#rows = db.getRepository(OidcPayload);
    if (model === 'Client') {
      const cache: ClientCache = clientCaches.get(db) ?? new Map();
      clientCaches.set(db, cache);
      this.#clients = cache;
    }
    const insert = `INSERT INTO oidc_payloads (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map(
      () => '?',
    ).join(', ')})`;
    const updated = COLUMNS.slice(2);
    const onConflict =
      db.options.type === 'better-sqlite3'
        ? `ON CONFLICT (model, id) DO UPDATE SET ${updated
            .map((c) => `${c} = excluded.${c}`)
            .join(', ')}`
        : `ON DUPLICATE KEY UPDATE ${updated.map((c) => `${c} = VALUES(${c})`).join(', ')}`;
    this.#upsertSql = `${insert} ${onConflict}`;

    if (WITH_GRANT_AND_SESSION.has(model)) {
      const sessionUid =
        db.options.type === 'better-sqlite3'
          ? "json_extract(t.payload, '$.sessionUid')"
          : "JSON_UNQUOTE(JSON_EXTRACT(t.payload, '$.sessionUid'))";
      this.#tokenSql =
        'SELECT t.payload, t.expires_at, t.consumed_at, ' +
        'g.payload AS grant_payload, g.expires_at AS grant_expires_at, ' +
        'g.consumed_at AS grant_consumed_at, s.payload AS session_payload, ' +
        's.expires_at AS session_expires_at, s.consumed_at AS session_consumed_at ' +
        'FROM oidc_payloads t ' +
        "LEFT JOIN oidc_payloads g ON g.model = 'Grant' AND g.id = t.grant_id " +
        `LEFT JOIN oidc_payloads s ON s.model = 'Session' AND s.uid = ${sessionUid} ` +
        'WHERE t.model = ? AND t.id = ? LIMIT 1';
    }
  }

  /** The factory oidc-provider's `adapter` setting takes. */
  static factory(db: DataSource) {
    return (model: string) => new TypeOrmAdapter(model, db);
  }

  async upsert(id: string, payload: AdapterPayload, expiresIn: number | undefined): Promise<void> {
    this.#clients?.delete(id);
    dropRows();
    await this.#statements.run(this.#upsertSql, [
      this.#model,
      id,
      JSON.stringify(payload),
      GRANTABLE.has(this.#model) ? (payload.grantId ?? null) : null,
      payload.uid ?? null,
      accountOf(payload),
      payload.userCode ?? null,
      expiresIn ? epochSeconds() + expiresIn : null,
      typeof payload.consumed === 'number' ? payload.consumed : null,
    ]);
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    const cached = this.#clients?.get(id);
    if (cached && cached.until > Date.now()) return cached.payload;
    if (this.#tokenSql) return this.#findToken(id, this.#tokenSql);
    const payload = await this.#findWhere('id', id);
    this.#clients?.set(id, { payload, until: Date.now() + CLIENT_CACHE_MS });
    return payload;
  }

  findByUid(uid: string): Promise<AdapterPayload | undefined> {
    return this.#findWhere('uid', uid);
  }

  findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    return this.#findWhere('user_code', userCode);
  }

  /**
   * Marks a code or token as used. The update only matches a row nobody
   * consumed yet, so of two requests racing with the same code exactly one
   * changes the row; the other is refused and, as for any replay, the grant
   * behind the code is revoked.
   */
  async consume(id: string): Promise<void> {
    dropRows();
    const changed = await this.#statements.run(
      'UPDATE oidc_payloads SET consumed_at = ? WHERE model = ? AND id = ? AND consumed_at IS NULL',
      [epochSeconds(), this.#model, id],
    );
    if (changed === 1 || !CONSUMABLE.has(this.#model)) return;

    const row = await this.#rows.findOneBy({ model: this.#model, id });
    if (row?.grantId) await this.revokeByGrantId(row.grantId);
    throw new errors.InvalidGrant('already consumed');
  }

  async destroy(id: string): Promise<void> {
    this.#clients?.delete(id);
    dropRows();
    await this.#statements.run('DELETE FROM oidc_payloads WHERE model = ? AND id = ?', [
      this.#model,
      id,
    ]);
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    dropRows();
    await this.#rows.delete({ grantId });
  }

  async #findWhere(
    column: 'id' | 'uid' | 'user_code',
    value: string,
  ): Promise<AdapterPayload | undefined> {
    const left = takeRow(this.#model, column, value);
    if (left.found) return left.payload;
    const [row] = await this.#statements.rows<StoredRow>(
      'SELECT payload, expires_at, consumed_at FROM oidc_payloads ' +
        `WHERE model = ? AND ${column} = ? LIMIT 1`,
      [this.#model, value],
    );
    return row && payloadOf(row.payload, row.expires_at, row.consumed_at);
  }

  /** A token, leaving its grant and session for the lookups that follow. */
  async #findToken(id: string, sql: string): Promise<AdapterPayload | undefined> {
    const [row] = await this.#statements.rows<TokenRow>(sql, [this.#model, id]);
    const payload = row && payloadOf(row.payload, row.expires_at, row.consumed_at);
    if (!row || !payload) return payload;
    if (typeof payload.grantId === 'string') {
      leaveRow(
        'Grant',
        'id',
        payload.grantId,
        payloadOf(row.grant_payload, row.grant_expires_at, row.grant_consumed_at),
      );
    }
    const { sessionUid } = payload as { sessionUid?: unknown };
    if (typeof sessionUid === 'string') {
      leaveRow(
        'Session',
        'uid',
        sessionUid,
        payloadOf(row.session_payload, row.session_expires_at, row.session_consumed_at),
      );
    }
    return payload;
  }
}

/**
 * The user a stored object belongs to: sessions, grants and tokens name
 * them directly; an interaction names them once a login result or session
 * is attached to it, and must end with the user's other access.
 */
function accountOf(payload: AdapterPayload): string | null {
  const interaction = payload as {
    session?: { accountId?: unknown };
    result?: { login?: { accountId?: unknown } };
    lastSubmission?: { login?: { accountId?: unknown } };
  };
  const candidate =
    payload.accountId ??
    interaction.result?.login?.accountId ??
    interaction.lastSubmission?.login?.accountId ??
    interaction.session?.accountId;
  return typeof candidate === 'string' ? candidate : null;
}

/**
 * Ends what a user holds at the provider: their sessions (so every
 * product's single sign-on ends), grants, tokens, and sign-ins in progress;
 * or, with `keepSessionUid`, everything but that session and what was
 * issued in it. Each product that took part in an ended session is queued a
 * back-channel logout (LogoutDelivery), in the same transaction. Returns how
 * many records went.
 */
export async function endAccountAccess(
  db: DataSource,
  accountId: string,
  options: { keepSessionUid?: string } = {},
): Promise<number> {
  dropRows();
  return db.transaction(async (manager) => {
    const rows = await manager.find(OidcPayload, { where: { accountId } });
    const keep = options.keepSessionUid;
    const doomed = rows.filter((row) => {
      if (keep === undefined) return true;
      if (row.model === 'Session') return row.uid !== keep;
      if (row.model === 'Grant') return false;
      const payload = JSON.parse(row.payload) as { sessionUid?: string };
      return payload.sessionUid !== keep;
    });
    const now = Date.now();
    const deliveries = doomed
      .filter((row) => row.model === 'Session' && (row.expiresAt ?? Infinity) > now / 1000)
      .flatMap((row) => {
        const { authorizations = {} } = JSON.parse(row.payload) as {
          authorizations?: Record<string, { sid?: string }>;
        };
        return Object.entries(authorizations)
          .filter(([, authorization]) => typeof authorization.sid === 'string')
          .map(([clientId, authorization]) => ({
            id: randomUUID(),
            clientId,
            accountId,
            sid: authorization.sid as string,
            createdAt: now,
            nextAttemptAt: now,
            attempts: 0,
          }));
      });
    if (deliveries.length > 0) await manager.insert(LogoutDelivery, deliveries);
    for (const row of doomed) await manager.delete(OidcPayload, { model: row.model, id: row.id });
    return doomed.length;
  });
}

/**
 * Ends what a user holds for one product (its grant and tokens), leaving
 * the user's sessions and other products alone.
 */
export async function endClientAccess(
  db: DataSource,
  accountId: string,
  clientId: string,
): Promise<void> {
  dropRows();
  const rows = db.getRepository(OidcPayload);
  for (const row of await rows.find({ where: { accountId } })) {
    const payload = JSON.parse(row.payload) as { clientId?: string };
    if (row.model !== 'Session' && payload.clientId === clientId) {
      await rows.delete({ model: row.model, id: row.id });
    }
  }
}

/** Deletes expired rows; returns how many went. Safe to run on every instance at once. */
export async function purgeExpired(db: DataSource): Promise<number> {
  const result = await db
    .getRepository(OidcPayload)
    .delete({ expiresAt: LessThan(epochSeconds()) });
  return result.affected ?? 0;
}
