import type { Context } from 'koa';
import { type ErrorOut, errors, type KoaContextWithOIDC } from 'oidc-provider';

import type { Config } from '../config/schema.js';
import { isDatabaseUnavailable } from '../db/unavailable.js';
import type { ProviderPages } from '../oidc/provider.js';
import type { Services } from '../services.js';
import { pageLanguage } from './language.js';

import type { Renderer } from './render.js';
import { UNAVAILABLE_RETRY_SECONDS } from './unavailable.js';

interface ClientLike {
  clientId: string;
  clientName?: string | undefined;
  clientUri?: string | undefined;
  redirectUris?: readonly string[] | undefined;
}

/**
 * Where "back to the product" leads: its registered home page, else the origin of its first
 * redirect URI.
 */
export function productLink(
  client: ClientLike | undefined,
): { url: string; name: string } | undefined {
  if (!client) return undefined;
  const url =
    client.clientUri ??
    (client.redirectUris?.[0] ? new URL(client.redirectUris[0]).origin : undefined);
  return url ? { url, name: client.clientName ?? client.clientId } : undefined;
}

function html(ctx: Context, status: number, body: string): void {
  ctx.status = status;
  ctx.type = 'html';
  ctx.body = body;
}

/**
 * The page for an interaction that is gone (expired, finished, or opened in
 * a browser that does not hold its cookie): explain, and lead back to the
 * product when we know which one it was.
 */
export async function renderExpired(
  ctx: Context,
  services: Services,
  clientId: unknown,
): Promise<void> {
  const client =
    typeof clientId === 'string' && clientId.length <= 255
      ? await services.provider.Client.find(clientId).catch(() => undefined)
      : undefined;
  const lang = pageLanguage(ctx, services.config);
  const t = services.renderer.translator(lang);
  html(
    ctx,
    400,
    services.renderer.render(
      'error',
      { lang, path: ctx.url },
      {
        title: t('error.expiredTitle'),
        heading: t('error.expiredTitle'),
        message: t('error.expired'),
        back: productLink(client),
      },
    ),
  );
}

/** A translated error page: never a stack trace, at most an error code. */
export function renderErrorPage(
  ctx: Context,
  services: Pick<Services, 'config' | 'renderer'>,
  status: number,
  lang = pageLanguage(ctx, services.config),
): void {
  const t = services.renderer.translator(lang);
  const seconds = Number(ctx.response.get('Retry-After'));
  const texts: Record<number, [string, string]> = {
    404: [t('error.notFoundTitle'), t('error.notFound')],
    429: [t('error.tooManyTitle'), t('error.tooMany', { seconds })],
    503: [t('error.unavailableTitle'), t('error.unavailable')],
  };
  const [heading, message] = texts[status] ?? [t('error.title'), t('error.generic')];
  html(
    ctx,
    status,
    services.renderer.render(
      'error',
      { lang, path: ctx.url },
      { title: heading, heading, message },
    ),
  );
}

/** Errors caused by the link a product sent the user with, rather than by the provider. */
const CLIENT_PROBLEMS = new Set([
  'invalid_request',
  'invalid_client',
  'invalid_redirect_uri',
  'unauthorized_client',
]);

/**
 * The pages oidc-provider renders itself (its errors and the sign-out pages), in our look and
 * language.
 */
export function providerPages(
  config: Config,
  renderer: Renderer,
  preferredLanguageOf: (accountId: string) => Promise<string | null | undefined>,
): ProviderPages {
  const languageOf = async (ctx: KoaContextWithOIDC) => {
    let uiLocales: string | undefined;
    try {
      uiLocales = ctx.oidc?.params?.ui_locales as string | undefined;
    } catch {
      uiLocales = undefined;
    }
    const accountId = ctx.oidc?.session?.accountId;
    const preferred = accountId ? await preferredLanguageOf(accountId).catch(() => null) : null;
    return pageLanguage(ctx, config, { uiLocales, preferred });
  };

  return {
    async renderError(ctx, out: ErrorOut, error) {
      const lang = await languageOf(ctx);
      const t = renderer.translator(lang);
      if (isDatabaseUnavailable(error)) {
        ctx.set('Retry-After', String(UNAVAILABLE_RETRY_SECONDS));
        renderErrorPage(ctx, { config, renderer }, 503, lang);
        return;
      }
      // A sign-in that expired, finished in another tab, or lost its cookie
      // leads back to the product; a malformed request says so.
      const expired = error instanceof errors.SessionNotFound;
      const clientProblem = CLIENT_PROBLEMS.has(out.error);
      const heading = expired ? t('error.expiredTitle') : t('error.title');
      ctx.type = 'html';
      ctx.body = renderer.render(
        'error',
        { lang, path: ctx.url },
        {
          title: heading,
          heading,
          message: expired
            ? t('error.expired')
            : clientProblem
              ? t('error.invalidRequest')
              : t('error.generic'),
          code: expired ? undefined : out.error,
          back: expired ? productLink(ctx.oidc.client) : undefined,
        },
      );
    },

    async logoutSource(ctx) {
      const lang = await languageOf(ctx);
      const t = renderer.translator(lang);
      const session = ctx.oidc.session as unknown as { state: { secret: string } };
      ctx.type = 'html';
      ctx.body = renderer.render(
        'logout',
        { lang, path: ctx.url },
        {
          title: t('logout.title'),
          action: ctx.oidc.urlFor('end_session_confirm'),
          xsrf: session.state.secret,
        },
      );
    },

    async postLogoutSuccessSource(ctx) {
      const lang = await languageOf(ctx);
      const t = renderer.translator(lang);
      const client = ctx.oidc.client;
      ctx.type = 'html';
      ctx.body = renderer.render(
        'logged-out',
        { lang, path: ctx.url },
        {
          title: t('logout.doneTitle'),
          clientName: client ? (client.clientName ?? client.clientId) : undefined,
        },
      );
    },
  };
}
