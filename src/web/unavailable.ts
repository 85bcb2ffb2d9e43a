import type { Context } from 'koa';

/** Seconds a client is asked to wait when the database is unavailable. */
export const UNAVAILABLE_RETRY_SECONDS = 5;

/** Paths of the provider's endpoints that answer JSON rather than pages. */
export function isProtocolJsonPath(requested: string): boolean {
  const path = requested.toLowerCase();
  return (
    path.startsWith('/.well-known/') ||
    path === '/jwks' ||
    path === '/me' ||
    path === '/token' ||
    path.startsWith('/token/')
  );
}

/** The spec's error body for "try again later" at a JSON protocol endpoint. */
export function answerUnavailable(ctx: Context): void {
  ctx.status = 503;
  ctx.set('Retry-After', String(UNAVAILABLE_RETRY_SECONDS));
  ctx.type = 'json';
  ctx.body = {
    error: 'temporarily_unavailable',
    error_description: 'the service is temporarily unavailable, retry later',
  };
}
