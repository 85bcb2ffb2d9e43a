import type { Context, Middleware } from 'koa';
import { type DataSource, In, LessThan } from 'typeorm';

import type { Config } from '../config/schema.js';
import { RateWindow } from '../db/entities/rate-window.js';

export interface RateDecision {
  allowed: boolean;
  /** Seconds until a refused client may try again. */
  retryAfter: number;
}

/**
 * A sliding-window request limit per key, shared by every instance through
 * the database. Requests are counted in fixed windows with one atomic
 * UPDATE each; the estimate weighs the previous window by how much of it
 * still overlaps the sliding window, which smooths the edge between two
 * fixed windows.
 */
export class RateLimiter {
  readonly #db: DataSource;
  readonly #windowMs: number;

  constructor(db: DataSource, windowSeconds: number) {
    this.#db = db;
    this.#windowMs = windowSeconds * 1000;
  }

  async hit(key: string, limit: number): Promise<RateDecision> {
    const now = Date.now();
    const current = now - (now % this.#windowMs);
    const previous = current - this.#windowMs;

    await this.#db
      .createQueryBuilder()
      .insert()
      .into(RateWindow)
      .values({ key, windowStart: current, hits: 0 })
      .orIgnore()
      .execute();
    await this.#db
      .createQueryBuilder()
      .update(RateWindow)
      .set({ hits: () => 'hits + 1' })
      .where('counter_key = :key AND window_start = :current', { key, current })
      .execute();
    const rows = await this.#db
      .getRepository(RateWindow)
      .findBy({ key, windowStart: In([previous, current]) });

    const hits = (start: number) => rows.find((r) => r.windowStart === start)?.hits ?? 0;
    const overlap = 1 - (now - current) / this.#windowMs;
    const estimate = hits(current) + hits(previous) * overlap;
    return {
      allowed: estimate <= limit,
      retryAfter: Math.max(1, Math.ceil((current + this.#windowMs - now) / 1000)),
    };
  }

  /** Forgets windows that no longer count. */
  async purge(): Promise<number> {
    const result = await this.#db
      .getRepository(RateWindow)
      .delete({ windowStart: LessThan(Date.now() - 2 * this.#windowMs) });
    return result.affected ?? 0;
  }
}

type Refuse = (ctx: Context, retryAfter: number) => void;

/**
 * Limits the requests that guess at something, per client address: sign-in
 * and recovery form posts, and the token endpoint. A limit of 0 turns its
 * scope off. Refused requests get 429 with Retry-After.
 */
export function rateLimits(
  limiter: RateLimiter,
  limits: Config['rateLimit'],
  refusePage: Refuse,
  onRefused?: (scope: string) => void,
): Middleware {
  const scopeOf = (ctx: Context): [string, number] | undefined => {
    if (ctx.method !== 'POST') return undefined;
    // The provider's routes match without regard to case (and a trailing
    // slash): so does the choice of limit, or /TOKEN would escape it.
    const path = ctx.path.toLowerCase().replace(/\/+$/, '');
    // Profile forms check the current password: they count as sign-in attempts.
    if (path.startsWith('/interaction/') || path.startsWith('/account/'))
      return ['sign-in', limits.signIn];
    if (path === '/recovery' || path.startsWith('/recovery/')) return ['recovery', limits.recovery];
    if (path === '/token' || path.startsWith('/token/')) return ['token', limits.token];
    return undefined;
  };

  return async (ctx, next) => {
    const scope = scopeOf(ctx);
    if (!scope || scope[1] === 0) return next();

    const decision = await limiter.hit(`${scope[0]}:${ctx.ip}`, scope[1]);
    if (decision.allowed) return next();
    onRefused?.(scope[0]);

    ctx.set('Retry-After', String(decision.retryAfter));
    if (scope[0] === 'token') {
      ctx.status = 429;
      ctx.body = {
        error: 'temporarily_unavailable',
        error_description: 'too many requests, retry later',
      };
      return;
    }
    refusePage(ctx, decision.retryAfter);
  };
}
