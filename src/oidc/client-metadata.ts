import { errors, type KoaContextWithOIDC } from 'oidc-provider';

/**
 * Client metadata beyond the standard registration fields:
 * - `first_party`: a product of our own; its users are never asked for consent.
 */
export const CLIENT_EXTRA_PROPERTIES = ['first_party'] as const;

export function validateExtraClientMetadata(
  _ctx: KoaContextWithOIDC | undefined,
  key: string,
  value: unknown,
): void {
  if (key === 'first_party' && value !== undefined && typeof value !== 'boolean') {
    throw new errors.InvalidClientMetadata('first_party must be true or false');
  }
}

export function isFirstParty(client: { [key: string]: unknown }): boolean {
  return client.first_party === true || client.first_party === true;
}
