import { randomBytes } from 'node:crypto';

import type Provider from 'oidc-provider';
import type { ClientMetadata } from 'oidc-provider';
import type { DataSource } from 'typeorm';

import { OidcPayload } from '../db/entities/oidc-payload.js';
import { AppError } from '../errors.js';
import { TypeOrmAdapter } from './adapter.js';

export interface NewClient {
  id: string;
  secret?: string | undefined;
  redirectUris: string[];
  postLogoutRedirectUris: string[];
  name?: string | undefined;
  firstParty: boolean;
  isPublic: boolean;
}

/** Shorter secrets can be guessed at the token endpoint. */
const MIN_SECRET_LENGTH = 32;

export function generateClientSecret(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * Registered clients (the products), stored as oidc-provider `Client`
 * objects in the provider table. Metadata is checked with the provider's
 * own client validation before it is saved, so what the CLI accepts is
 * exactly what the provider will load.
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

    const metadata: ClientMetadata = {
      client_id: input.id,
      redirect_uris: input.redirectUris,
      post_logout_redirect_uris: input.postLogoutRedirectUris,
      grant_types: input.isPublic
        ? ['authorization_code', 'refresh_token']
        : ['authorization_code', 'refresh_token', 'client_credentials'],
      response_types: ['code'],
      token_endpoint_auth_method: input.isPublic ? 'none' : 'client_secret_basic',
      first_party: input.firstParty,
      ...(input.name ? { client_name: input.name } : {}),
      ...(input.isPublic ? {} : { client_secret: input.secret ?? generateClientSecret() }),
    };
    await this.#validate(metadata);
    await this.#adapter.upsert(input.id, metadata, undefined);
    return metadata;
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
    await this.#adapter.upsert(id, { ...client, client_secret: secret }, undefined);
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
