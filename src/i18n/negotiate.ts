/**
 * Picks the page language. In order: the language the user chose on the page
 * (remembered in a cookie), the relying party's `ui_locales`, the signed-in
 * user's preferred language, the browser's Accept-Language, then the
 * configured default. Tags match by primary subtag (`da-DK` is `da`);
 * unknown tags are ignored.
 */
export interface LanguageHints {
  chosen?: string | undefined;
  uiLocales?: string | undefined;
  preferred?: string | null | undefined;
  acceptLanguage?: (supported: string[]) => string | false;
}

export function matchLanguage(
  tag: string | null | undefined,
  supported: readonly string[],
): string | undefined {
  if (!tag) return undefined;
  const lower = tag.trim().toLowerCase();
  if (supported.includes(lower)) return lower;
  const primary = lower.split(/[-_]/)[0] ?? '';
  return supported.includes(primary) ? primary : undefined;
}

export function negotiateLanguage(
  hints: LanguageHints,
  supported: readonly string[],
  fallback: string,
): string {
  const fromUiLocales = (hints.uiLocales ?? '')
    .split(' ')
    .map((tag) => matchLanguage(tag, supported))
    .find(Boolean);

  return (
    matchLanguage(hints.chosen, supported) ??
    fromUiLocales ??
    matchLanguage(hints.preferred, supported) ??
    (hints.acceptLanguage?.([...supported]) || undefined) ??
    fallback
  );
}
