import type { Context } from 'koa';

import type { Config } from '../config/schema.js';
import { matchLanguage, negotiateLanguage } from '../i18n/negotiate.js';

export const LANGUAGE_COOKIE = 'idp_lang';
const ONE_YEAR_MS = 365 * 24 * 3600 * 1000;

/**
 * The language of the page this request renders. A `lang` query parameter
 * (the selector's choice) is remembered in a cookie for the pages after it.
 */
export function pageLanguage(
  ctx: Context,
  config: Config,
  hints: { uiLocales?: string | undefined; preferred?: string | null } = {},
): string {
  const supported = config.languages.supported;
  const queried =
    typeof ctx.query.lang === 'string' ? matchLanguage(ctx.query.lang, supported) : undefined;
  if (queried) {
    ctx.cookies.set(LANGUAGE_COOKIE, queried, {
      httpOnly: true,
      sameSite: 'lax',
      maxAge: ONE_YEAR_MS,
      signed: false,
      secure: ctx.secure,
      overwrite: true,
    });
  }

  return negotiateLanguage(
    {
      chosen: queried ?? ctx.cookies.get(LANGUAGE_COOKIE, { signed: false }),
      uiLocales: hints.uiLocales,
      preferred: hints.preferred,
      acceptLanguage: (languages) => ctx.acceptsLanguages(languages),
    },
    supported,
    config.languages.default,
  );
}
