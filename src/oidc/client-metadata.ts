import { errors, type KoaContextWithOIDC } from 'oidc-provider';

/**
 * Client metadata beyond the standard registration fields:
 * - `first_party`: a product of our own; its users are never asked for consent.
 * - `start_pages`: the pages a user may ask the product to open on, offered
 *   on the profile page: `[{ "id": "…", "label": { "da": "…", "en": "…" } }]`.
 *   The chosen id is the `start_page` claim.
 * - `open_to_all`: every user may sign in; otherwise only users entitled to
 *   the product (`idp users grant`).
 * - `description`: one line about the product per language, for the tile on
 *   the start page (`{ "da": "…", "en": "…" }`); `client_name` names it and
 *   `client_uri` is where its tile leads.
 * - `access_token_ttl`, `refresh_token_ttl`: lifetimes in seconds for this
 *   product's tokens, instead of the configured defaults.
 */
export const CLIENT_EXTRA_PROPERTIES = [
  'first_party',
  'start_pages',
  'open_to_all',
  'description',
  'access_token_ttl',
  'refresh_token_ttl',
] as const;

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

function isTextByLanguage(value: unknown): value is Record<string, string> {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.entries(value).every(
      ([lang, text]) => /^[a-z]{2,3}$/.test(lang) && typeof text === 'string' && text.length <= 200,
    )
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
  if (key === 'open_to_all' && value !== undefined && typeof value !== 'boolean') {
    throw new errors.InvalidClientMetadata('open_to_all must be true or false');
  }
  if (key === 'description' && value !== undefined && !isTextByLanguage(value)) {
    throw new errors.InvalidClientMetadata(
      'description must map language codes to texts of at most 200 characters',
    );
  }
  if (
    (key === 'access_token_ttl' || key === 'refresh_token_ttl') &&
    value !== undefined &&
    !(Number.isInteger(value) && (value as number) >= 60 && (value as number) <= 31_536_000)
  ) {
    throw new errors.InvalidClientMetadata(`${key} must be whole seconds from 60 to 31536000`);
  }
  if (key === 'start_pages' && value !== undefined && !isStartPages(value)) {
    throw new errors.InvalidClientMetadata(
      'start_pages must be a list of { id, label: { <language>: text } } ' +
        '(ids: letters, digits, . _ : / -)',
    );
  }
}

export function isFirstParty(client: { [key: string]: unknown }): boolean {
  return client.first_party === true;
}

export function isOpenToAll(client: { [key: string]: unknown }): boolean {
  return client.open_to_all === true;
}

/** The product's one-line description in `lang`, else in `fallback`. */
export function descriptionOf(
  client: { [key: string]: unknown },
  lang: string,
  fallback: string,
): string | undefined {
  const texts = isTextByLanguage(client.description) ? client.description : {};
  return texts[lang] ?? texts[fallback];
}

/** The start pages a client declares (none when it declares none). */
export function startPagesOf(client: { [key: string]: unknown }): StartPage[] {
  return isStartPages(client.start_pages) ? client.start_pages : [];
}
