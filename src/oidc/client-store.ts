import type Provider from 'oidc-provider';
import type { ClientMetadata } from 'oidc-provider';
import type { DataSource } from 'typeorm';

import { OidcPayload } from '../db/entities/oidc-payload.js';
import { AppError } from '../errors.js';
import { TypeOrmAdapter } from './adapter.js';
import { generateClientSecret, hashClientSecret, MIN_SECRET_LENGTH } from './client-secret.js';

/** What an operator says about a product, in the CLI's or the configuration's words. */
export interface ClientSettings {
  redirectUris: string[];
  postLogoutRedirectUris: string[];
  name?: string | undefined;
  firstParty: boolean;
  /** Every user may sign in; otherwise only users granted the product. */
  openToAll?: boolean | undefined;
  /** One line per language for the product's tile on the start page. */
  description?: Record<string, string> | undefined;
  /** Where the product's tile leads (its start URL). */
  clientUri?: string | undefined;
  logoUri?: string | undefined;
  backchannelLogoutUri?: string | undefined;
  backchannelLogoutSessionRequired?: boolean | undefined;
  accessTokenTtl?: number | undefined;
  refreshTokenTtl?: number | undefined;
  /**
   * RS256 (the default, which every OpenID Connect library accepts) or
   * ES256: smaller tokens, and a tenth of the signing work.
   */
  idTokenSigningAlg?: 'RS256' | 'ES256' | undefined;
}

export interface NewClient extends ClientSettings {
  id: string;
  secret?: string | undefined;
  isPublic: boolean;
}

/** The metadata that `settings` stand for; unset settings are left out. */
function metadataOf(settings: Partial<ClientSettings>): Partial<ClientMetadata> {
  const entries: [string, unknown][] = [
    ['redirect_uris', settings.redirectUris],
    ['post_logout_redirect_uris', settings.postLogoutRedirectUris],
    ['client_name', settings.name],
    ['first_party', settings.firstParty],
    ['open_to_all', settings.openToAll],
    ['description', settings.description],
    ['client_uri', settings.clientUri],
    ['logo_uri', settings.logoUri],
    ['backchannel_logout_uri', settings.backchannelLogoutUri],
    ['backchannel_logout_session_required', settings.backchannelLogoutSessionRequired],
    ['access_token_ttl', settings.accessTokenTtl],
    ['refresh_token_ttl', settings.refreshTokenTtl],
    ['id_token_signed_response_alg', settings.idTokenSigningAlg],
  ];
  return Object.fromEntries(entries.filter(([, value]) => value !== undefined));
}

/** A client's whole metadata from what the operator says, without its secret. */
function baseMetadata(input: NewClient): ClientMetadata {
  return {
    client_id: input.id,
    grant_types: input.isPublic
      ? ['authorization_code', 'refresh_token']
      : ['authorization_code', 'refresh_token', 'client_credentials'],
    response_types: ['code'],
    token_endpoint_auth_method: input.isPublic ? 'none' : 'client_secret_basic',
    ...metadataOf(input),
  } as ClientMetadata;
}

/**
 * Registered clients (the products), stored as oidc-provider `Client`
 * objects in the provider table. Metadata is checked with the provider's
 * own client validation before it is saved, so what the CLI accepts is
 * exactly what the provider will load. Secrets are stored hashed
 * (client-secret.ts); the plain secret is returned once, when it is set.
 */
export class ClientStore {
  readonly #adapter: TypeOrmAdapter;
  readonly #db: DataSource;
  readonly #provider: Provider;

  constructor(db: DataSource, provider: Provider) {
    this.#db = db;
    this.#provider = provider;
    this.#adapter = new TypeOrmAdapter('Client', db);
  }

  /** Registers a client; the result carries the plain secret, which is not stored. */
  async add(input: NewClient): Promise<ClientMetadata> {
    if (!/^[A-Za-z0-9._~-]{1,100}$/.test(input.id)) {
      throw new AppError(
        'clients.invalid_id',
        'a client id is 1 to 100 letters, digits or . _ ~ -',
      );
    }
    if (await this.find(input.id)) {
      throw new AppError('clients.duplicate', `a client with id "${input.id}" already exists`, {
        status: 409,
      });
    }
    if (input.isPublic && input.secret) {
      throw new AppError('clients.public_secret', 'a public client has no secret');
    }
    if (input.secret !== undefined && input.secret.length < MIN_SECRET_LENGTH) {
      throw new AppError(
        'clients.weak_secret',
        `a client secret needs at least ${MIN_SECRET_LENGTH} characters`,
      );
    }

    const secret = input.isPublic ? undefined : (input.secret ?? generateClientSecret());
    const metadata = baseMetadata(input);
    const stored = secret ? { ...metadata, client_secret: hashClientSecret(secret) } : metadata;
    await this.#validate(stored);
    await this.#adapter.upsert(input.id, stored, undefined);
    return secret ? { ...metadata, client_secret: secret } : metadata;
  }

  /** Changes the given settings of a client; the others stay. */
  async update(id: string, changes: Partial<ClientSettings>): Promise<ClientMetadata> {
    const current = await this.get(id);
    const metadata = { ...current, ...metadataOf(changes) } as ClientMetadata;
    await this.#validate(metadata);
    await this.#adapter.upsert(id, metadata, undefined);
    return metadata;
  }

  /**
   * Makes the stored client match a declaration from the configuration file:
   * created when missing, otherwise its settings replaced (the file wins).
   * A declared secret is stored hashed; without one a confidential client
   * keeps the secret it has.
   */
  async declare(input: NewClient): Promise<'created' | 'updated'> {
    const current = await this.find(input.id);
    if (!current) {
      await this.add(input);
      return 'created';
    }
    // Everything comes from the declaration; only a secret that is not
    // declared is kept from the stored client.
    const secret = input.isPublic
      ? undefined
      : input.secret
        ? hashClientSecret(input.secret)
        : (current.client_secret as string | undefined);
    if (!input.isPublic && !secret) {
      throw new AppError('clients.secret', `client "${input.id}" needs a secret`);
    }
    const metadata = {
      ...baseMetadata(input),
      ...(secret ? { client_secret: secret } : {}),
    } as ClientMetadata;
    await this.#validate(metadata);
    await this.#adapter.upsert(input.id, metadata, undefined);
    return 'updated';
  }

  async find(id: string): Promise<ClientMetadata | undefined> {
    return (await this.#adapter.find(id)) as ClientMetadata | undefined;
  }

  async get(id: string): Promise<ClientMetadata> {
    const client = await this.find(id);
    if (!client)
      throw new AppError('clients.not_found', `no client with id "${id}"`, { status: 404 });
    return client;
  }

  async list(): Promise<ClientMetadata[]> {
    const rows = await this.#db
      .getRepository(OidcPayload)
      .find({ where: { model: 'Client' }, order: { id: 'ASC' } });
    return rows.map((row) => JSON.parse(row.payload) as ClientMetadata);
  }

  /** Replaces the pages a client offers as start pages on the profile page. */
  async setStartPages(id: string, pages: unknown): Promise<ClientMetadata> {
    const current = await this.get(id);
    const metadata = { ...current, start_pages: pages } as ClientMetadata;
    await this.#validate(metadata);
    await this.#adapter.upsert(id, metadata, undefined);
    return metadata;
  }

  async remove(id: string): Promise<void> {
    await this.get(id);
    await this.#adapter.destroy(id);
  }

  /**
   * Replaces a confidential client's secret and returns the new one; the old one stops working
   * at once.
   */
  async rotateSecret(id: string): Promise<string> {
    const client = await this.get(id);
    if (client.token_endpoint_auth_method === 'none') {
      throw new AppError('clients.public_secret', `client "${id}" is public and has no secret`);
    }
    const secret = generateClientSecret();
    await this.#adapter.upsert(
      id,
      { ...client, client_secret: hashClientSecret(secret) },
      undefined,
    );
    return secret;
  }

  async #validate(metadata: ClientMetadata): Promise<void> {
    try {
      await this.#provider.Client.validate(metadata);
    } catch (error) {
      const { error_description: description, message } = error as {
        error_description?: string;
        message: string;
      };
      throw new AppError('clients.invalid', `invalid client: ${description ?? message}`);
    }
  }
}
