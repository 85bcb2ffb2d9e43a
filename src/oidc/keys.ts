import { generateKeyPair, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';

import type { DataSource } from 'typeorm';

import type { Config } from '../config/schema.js';
import { Secret } from '../db/entities/secret.js';
import { SigningKey } from '../db/entities/signing-key.js';
import { AppError } from '../errors.js';

const generate = promisify(generateKeyPair);

/**
 * RS256 because OpenID Connect requires it; ES256 for clients that prefer smaller, faster
 * tokens.
 */
export const SIGNING_ALGORITHMS = ['RS256', 'ES256'] as const;
type SigningAlgorithm = (typeof SIGNING_ALGORITHMS)[number];

export type PrivateJwk = {
  kid: string;
  alg: string;
  use: 'sig';
  kty: string;
  [key: string]: unknown;
};

async function newPrivateJwk(alg: SigningAlgorithm): Promise<PrivateJwk> {
  const { privateKey } =
    alg === 'RS256'
      ? await generate('rsa', { modulusLength: 2048 })
      : await generate('ec', { namedCurve: 'P-256' });
  const jwk = privateKey.export({ format: 'jwk' }) as { kty: string };
  return { ...jwk, kid: randomBytes(12).toString('base64url'), alg, use: 'sig' };
}

async function insertKey(
  db: DataSource,
  alg: SigningAlgorithm,
  slot: string | null,
): Promise<void> {
  const jwk = await newPrivateJwk(alg);
  await db
    .createQueryBuilder()
    .insert()
    .into(SigningKey)
    .values({ kid: jwk.kid, alg, privateJwk: JSON.stringify(jwk), slot, createdAt: Date.now() })
    .orIgnore()
    .execute();
}

/**
 * The signing keys, newest first (oidc-provider signs with the first key of
 * each algorithm). From the configured JWKS file when there is one, else
 * from the database, where the first start creates one key per algorithm.
 * Instances starting together race on the unique `slot` and keep one set.
 */
export async function loadSigningKeys(db: DataSource, config: Config): Promise<PrivateJwk[]> {
  if (config.keys.signingKeysFile) return readJwksFile(config.keys.signingKeysFile);

  for (const alg of SIGNING_ALGORITHMS) await insertKey(db, alg, `initial-${alg}`);
  return readSigningKeys(db, config.keys.reloadIntervalSeconds);
}

/**
 * The stored keys in signing order: the provider signs with the first key
 * of an algorithm. A key younger than two reload intervals is published
 * (every instance that reloaded lists it) but placed after the others, so
 * no instance signs with it before all of them publish it.
 */
export async function readSigningKeys(
  db: DataSource,
  reloadIntervalSeconds: number,
  now = Date.now(),
): Promise<PrivateJwk[]> {
  const rows = await db
    .getRepository(SigningKey)
    .find({ order: { createdAt: 'DESC', kid: 'ASC' } });
  const matureBefore = now - reloadIntervalSeconds * 2000;
  const mature = rows.filter((row) => row.createdAt <= matureBefore);
  const young = rows.filter((row) => row.createdAt > matureBefore);
  // A database whose keys are all new (the first start) signs with them at once.
  const ordered = mature.length > 0 ? [...mature, ...young] : young;
  return ordered.map((row) => JSON.parse(row.privateJwk) as PrivateJwk);
}

/** Adds a new key for each algorithm; the old ones stay published for verification. */
export async function rotateSigningKeys(db: DataSource): Promise<void> {
  for (const alg of SIGNING_ALGORITHMS) await insertKey(db, alg, null);
}

export async function listSigningKeys(db: DataSource): Promise<SigningKey[]> {
  return db.getRepository(SigningKey).find({ order: { createdAt: 'DESC', kid: 'ASC' } });
}

function readJwksFile(file: string): PrivateJwk[] {
  let keys: unknown;
  try {
    keys = (JSON.parse(readFileSync(file, 'utf8')) as { keys?: unknown }).keys;
  } catch (error) {
    throw new AppError(
      'config.signing_keys',
      `keys.signingKeysFile: cannot read ${file}: ${(error as Error).message}`,
    );
  }
  if (
    !Array.isArray(keys) ||
    !keys.some((key) => key?.alg === 'RS256' && typeof key.d === 'string')
  ) {
    throw new AppError(
      'config.signing_keys',
      `keys.signingKeysFile: ${file} needs a private RS256 key`,
    );
  }
  return keys as PrivateJwk[];
}

/**
 * A named random secret shared through the database: created once by
 * whichever instance gets there first, read by all.
 */
export async function sharedSecret(db: DataSource, name: string): Promise<string> {
  const repository = db.getRepository(Secret);
  await db
    .createQueryBuilder()
    .insert()
    .into(Secret)
    .values({ name, value: randomBytes(32).toString('base64url'), createdAt: Date.now() })
    .orIgnore()
    .execute();
  const row = await repository.findOneByOrFail({ name });
  return row.value;
}

/** Keys that sign the provider's cookies: configured ones, else one shared through the database. */
export async function loadCookieKeys(db: DataSource, config: Config): Promise<string[]> {
  if (config.keys.cookieKeys.length > 0) return [...config.keys.cookieKeys];
  return [await sharedSecret(db, 'cookie-key')];
}
