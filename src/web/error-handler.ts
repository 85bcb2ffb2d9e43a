import { randomUUID } from 'node:crypto';

import type { Context, Middleware } from 'koa';

import { isDatabaseUnavailable } from '../db/unavailable.js';
import { withLogFields } from '../logger.js';
import type { Metrics } from '../metrics/metrics.js';
import type { Services } from '../services.js';
import { renderErrorPage } from './pages.js';
import { answerUnavailable, isProtocolJsonPath, UNAVAILABLE_RETRY_SECONDS } from './unavailable.js';

/** A request id from a trusted proxy, when it is a short plain token. */
function forwardedRequestId(ctx: Context, trustProxy: boolean): string | undefined {
  if (!trustProxy) return undefined;
  const id = ctx.get('x-request-id');
  return /^[\w.:-]{1,100}$/.test(id) ? id : undefined;
}

/** The route a request matched, as a low-cardinality metrics label. */
function routeLabel(ctx: Context): string {
  const oidcRoute = (ctx as { oidc?: { route?: string } }).oidc?.route;
  if (oidcRoute) return oidcRoute;
  const matched = (ctx as { _matchedRoute?: unknown })._matchedRoute;
  if (typeof matched === 'string') return matched;
  if (ctx.path.startsWith('/static/')) return '/static';
  return ctx.path === '/metrics' ? '/metrics' : 'unmatched';
}

/**
 * Outermost middleware: gives each request an id that every log line written
 * while handling it carries, measures it, and turns anything thrown into a
 * translated page (or, at a protocol endpoint, the spec's JSON error). A
 * database that cannot be reached becomes 503 with Retry-After, not a failure.
 */
export function errorHandler(
  services: Pick<Services, 'config' | 'renderer' | 'logger'> & { metrics: Metrics },
): Middleware {
  const { config, logger, metrics } = services;
  return async (ctx, next) => {
    const started = performance.now();
    const requestId = forwardedRequestId(ctx, config.trustProxy) ?? randomUUID();
    ctx.state.requestId = requestId;
    ctx.set('X-Request-Id', requestId);

    await withLogFields({ requestId }, async () => {
      try {
        await next();
        if (ctx.status === 404 && ctx.body === undefined) renderErrorPage(ctx, services, 404);
      } catch (error) {
        if (isDatabaseUnavailable(error)) {
          metrics.databaseUnavailable();
          logger.warn({ err: error, path: ctx.path }, 'database unavailable');
          if (isProtocolJsonPath(ctx.path)) answerUnavailable(ctx);
          else {
            ctx.set('Retry-After', String(UNAVAILABLE_RETRY_SECONDS));
            renderErrorPage(ctx, services, 503);
          }
        } else {
          const { status, expose } = error as { status?: number; expose?: boolean };
          logger.error({ err: error, path: ctx.path }, 'request failed');
          renderErrorPage(ctx, services, expose ? (status ?? 500) : 500);
        }
      } finally {
        const seconds = (performance.now() - started) / 1000;
        metrics.observe(ctx.method, routeLabel(ctx), ctx.status, seconds);
        logger.debug(
          {
            method: ctx.method,
            path: ctx.path,
            status: ctx.status,
            ms: Math.round(seconds * 1000),
          },
          'request',
        );
      }
    });
  };
}
