import type { Middleware } from 'koa';

import type { Config } from '../config/schema.js';

/**
 * Every URL the provider builds (discovery, redirects, form actions, cookie
 * scope) uses the configured issuer's host and scheme, never what a client
 * put in `Host` or `X-Forwarded-*`. Behind a proxy (`trustProxy`) the
 * request also counts as https when the issuer is, so cookies get `Secure`.
 */
export function publicOrigin(config: Config): Middleware {
  const issuer = new URL(config.issuer);
  const scheme = issuer.protocol.slice(0, -1);
  return async (ctx, next) => {
    const headers = ctx.request.header;
    if (config.trustProxy) {
      headers['x-forwarded-host'] = issuer.host;
      headers['x-forwarded-proto'] = scheme;
    } else {
      headers.host = issuer.host;
    }
    await next();
  };
}
