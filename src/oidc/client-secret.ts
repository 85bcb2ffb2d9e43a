import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

const PREFIX = 'sha256:';

/** Shorter secrets can be guessed at the token endpoint. */
export const MIN_SECRET_LENGTH = 32;

export function generateClientSecret(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * What is stored for a client secret: its SHA-256, never the secret. A fast
 * hash is enough here: secrets are long random strings (at least 32
 * characters), not passwords a person chose, so they cannot be guessed from
 * the hash; what the hash prevents is a database copy that authenticates.
 */
export function hashClientSecret(secret: string): string {
  return `${PREFIX}${createHash('sha256').update(secret, 'utf8').digest('hex')}`;
}

export function isHashedClientSecret(stored: unknown): stored is string {
  return typeof stored === 'string' && stored.startsWith(PREFIX);
}

/** Compares a presented secret with a stored hash in constant time. */
export function matchesClientSecret(stored: string, presented: string): boolean {
  const expected = Buffer.from(stored);
  const actual = Buffer.from(hashClientSecret(presented));
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}
