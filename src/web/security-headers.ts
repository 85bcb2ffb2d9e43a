import type { Middleware } from 'koa';

import type { Config } from '../config/schema.js';

/**
 * Headers for every response. The policy is set before any handler runs so
 * that oidc-provider can add the hash of the one inline script it writes
 * (the form_post response) to `script-src`. `form-action` is left out on
 * purpose: browsers apply it to the redirects after a sign-in form, and those
 * end at each product's own redirect URI.
 */
export function securityHeaders(config: Config): Middleware {
  const csp = [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
  const https = new URL(config.issuer).protocol === 'https:';

  return async (ctx, next) => {
    ctx.set('Content-Security-Policy', csp);
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.set('X-Frame-Options', 'DENY');
    ctx.set('Referrer-Policy', 'no-referrer');
    ctx.set('Cross-Origin-Opener-Policy', 'same-origin');
    // Pages carry form tokens and personal data: never from a cache.
    ctx.set('Cache-Control', 'no-store');
    if (https) ctx.set('Strict-Transport-Security', 'max-age=31536000; includeSubDomains');
    await next();
  };
}
