import { errors, type KoaContextWithOIDC } from 'oidc-provider';

/**
 * Client metadata beyond the standard registration fields:
 * - `first_party`: a product of our own; its users are never asked for consent.
 * - `start_pages`: the pages a user may ask the product to open on, offered
 *   on the profile page: `[{ "id": "…", "label": { "da": "…", "en": "…" } }]`.
 *   The chosen id is the `start_page` claim.
 */
export const CLIENT_EXTRA_PROPERTIES = ['first_party', 'start_pages'] as const;

export interface StartPage {
  id: string;
  label: Record<string, string>;
}

const START_PAGE_ID = /^[A-Za-z0-9._:/-]{1,100}$/;

function isStartPages(value: unknown): value is StartPage[] {
  return (
    Array.isArray(value) &&
    value.length <= 50 &&
    value.every((page) => {
      const { id, label } = (page ?? {}) as { id?: unknown; label?: unknown };
      return (
        typeof id === 'string' &&
        START_PAGE_ID.test(id) &&
        typeof label === 'object' &&
        label !== null &&
        Object.values(label).every((text) => typeof text === 'string' && text.length <= 100)
      );
    })
  );
}

export function validateExtraClientMetadata(
  _ctx: KoaContextWithOIDC | undefined,
  key: string,
  value: unknown,
): void {
  if (key === 'first_party' && value !== undefined && typeof value !== 'boolean') {
    throw new errors.InvalidClientMetadata('first_party must be true or false');
  }
  if (key === 'start_pages' && value !== undefined && !isStartPages(value)) {
    throw new errors.InvalidClientMetadata(
      'start_pages must be a list of { id, label: { <language>: text } } (ids: letters, digits, . _ : / -)',
    );
  }
}

export function isFirstParty(client: { [key: string]: unknown }): boolean {
  return client.first_party === true;
}

/** The start pages a client declares (none when it declares none). */
export function startPagesOf(client: { [key: string]: unknown }): StartPage[] {
  return isStartPages(client.start_pages) ? client.start_pages : [];
}
