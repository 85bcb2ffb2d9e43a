import { randomUUID } from 'node:crypto';

import type { Middleware } from 'koa';

import type { Services } from '../services.js';
import { renderErrorPage } from './pages.js';

/**
 * Outermost middleware for the application's own routes: gives each request
 * an id, logs it, and turns anything thrown into a translated page. The
 * provider's protocol endpoints answer their own errors in the spec's format.
 */
export function errorHandler(
  services: Pick<Services, 'config' | 'renderer' | 'logger'>,
): Middleware {
  return async (ctx, next) => {
    const started = performance.now();
    const requestId = randomUUID();
    ctx.state.requestId = requestId;
    ctx.set('X-Request-Id', requestId);

    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) renderErrorPage(ctx, services, 404);
    } catch (error) {
      const status = (error as { status?: number; expose?: boolean }).expose
        ? ((error as { status: number }).status ?? 500)
        : 500;
      services.logger.error({ err: error, requestId, path: ctx.path }, 'request failed');
      renderErrorPage(ctx, services, status);
    } finally {
      services.logger.debug(
        {
          requestId,
          method: ctx.method,
          path: ctx.path,
          status: ctx.status,
          ms: Math.round(performance.now() - started),
        },
        'request',
      );
    }
  };
}
