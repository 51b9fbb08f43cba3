import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../env';
import { ApiError } from '../lib/errors';

/**
 * A coarse ceiling per client IP on all traffic, on the platform's Rate Limiting binding
 * (`IP_RATE_LIMITER`, limit and period in wrangler.toml). It sits behind the exact per-route
 * abuse limits (RateLimiter DO) as a cheap flood guard: the binding is local to each Cloudflare
 * location and eventually consistent, so it is not a precise count. API keys never count.
 *
 * The IP is `CF-Connecting-IP`, which Cloudflare sets on every request and a client cannot
 * forge in production (locally, wrangler dev and Miniflare set it, or trust what the client
 * sends). A request without it did not come through Cloudflare's front door (an in-process call
 * in tests, a service binding) and is not counted.
 */
export function ipCeiling(): MiddlewareHandler<AppEnv> {
  return async function ledgeIpCeiling(c, next) {
    const ip = c.req.header('CF-Connecting-IP');
    // A deferred caller (identity/batch.ts) is never a key: deferral skips requests carrying one.
    if (!ip || !c.get('config').ipRateLimit || (c.get('principal') as { kind?: string } | undefined)?.kind === 'key') return next();
    const { success } = await c.env.IP_RATE_LIMITER.limit({ key: `ip:${ip}` });
    if (!success) throw new ApiError('general_rate_limit_exceeded');
    return next();
  };
}
