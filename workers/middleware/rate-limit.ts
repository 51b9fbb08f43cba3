import type { Context, MiddlewareHandler } from 'hono';
import type { AppEnv } from '../env';
import { ApiError } from '../lib/errors';
import { clientIp } from '../http/request';

export interface RateLimitRule {
  /** Hits allowed per window (Appwrite's `abuse-limit`). */
  limit: number;
  /** Window in seconds (Appwrite's `abuse-time`, default 3600). */
  window?: number;
  /** The counter key (Appwrite's `abuse-key`); defaults to route + IP. */
  key?: (c: Context<AppEnv>) => string | Promise<string>;
  /** Statuses that clear the counter (Appwrite's `abuse-reset`, e.g. [201] after a sign-in). */
  resetOn?: number[];
}

/**
 * Appwrite's abuse limits: an exact counter in a RateLimiter Durable Object per key, the
 * `X-RateLimit-*` headers, and `general_rate_limit_exceeded` (429) past the limit. API keys and a
 * deployment with RATE_LIMITS=disabled skip it.
 */
export function rateLimit(rule: RateLimitRule): MiddlewareHandler<AppEnv> {
  const window = rule.window ?? 3600;
  return async function ledgeRateLimit(c, next) {
    if (!c.get('config').rateLimits || c.get('principal').kind === 'key') return next();
    const key = rule.key ? await rule.key(c) : `url:${c.req.routePath},ip:${clientIp(c.req.raw.headers)}`;
    const stub = c.env.RATE_LIMITER.get(c.env.RATE_LIMITER.idFromName(key));
    const result = await stub.hit(rule.limit, window);
    const headers = {
      'X-RateLimit-Limit': String(result.limit),
      'X-RateLimit-Remaining': String(result.remaining),
      'X-RateLimit-Reset': String(result.reset),
    };
    if (!result.allowed) {
      const err = new ApiError('general_rate_limit_exceeded');
      throw Object.assign(err, { headers });
    }
    await next();
    for (const [k, v] of Object.entries(headers)) c.res.headers.set(k, v);
    // Awaited, not left to waitUntil: the next attempt must already see the cleared count.
    if (rule.resetOn?.includes(c.res.status)) await stub.reset();
  };
}
