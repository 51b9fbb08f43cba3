import type { Context, MiddlewareHandler } from 'hono';
import type { AppEnv } from '../env';

/**
 * Hardening headers on every response (errors, redirects and preflights included), and
 * `Cache-Control: no-store` on anything that may carry a secret. Ledge answers JSON, so the
 * defaults forbid framing and any active content; a route that serves something else (a file
 * view, say) sets its own `Content-Security-Policy`, `X-Frame-Options` or `Cache-Control`, and
 * those are kept — except that a response carrying a secret is never cacheable.
 */

const DEFAULTS: readonly (readonly [string, string])[] = [
  ['Content-Security-Policy', "default-src 'none'; frame-ancestors 'none'"],
  ['X-Frame-Options', 'DENY'],
  ['Referrer-Policy', 'no-referrer'],
];

export const HSTS = 'max-age=31536000; includeSubDomains';
export const NO_STORE = 'no-store';

/**
 * Routes whose bodies can hold a secret: sessions, tokens, JWTs, key creation, MFA secrets and
 * recovery codes, and the mail outbox (which holds sign-in links). Matched on the path alone, so
 * a route added under these names is covered without an edit here.
 */
const SECRET_PATHS = [
  /^\/v1\/account\/(sessions|tokens|jwts?)(\/|$)/,
  /^\/v1\/account\/mfa\/(recovery-codes|authenticators)(\/|$)/,
  /^\/v1\/users\/[^/]+\/(sessions|tokens|jwts|mfa\/recovery-codes)(\/|$)/,
  /^\/v1\/teams\/[^/]+\/memberships\/[^/]+\/status$/,
  /^\/v1\/project\/keys(\/|$)/,
  /^\/v1\/mail\//,
];

/** Does this response (or the route that made it) carry a credential? */
export function carriesSecret(path: string, headers: Headers): boolean {
  return headers.has('Set-Cookie') || headers.has('X-Fallback-Cookies') || SECRET_PATHS.some((r) => r.test(path));
}

function apply(c: Context<AppEnv>, headers: Headers) {
  headers.set('X-Content-Type-Options', 'nosniff');
  for (const [name, value] of DEFAULTS) if (!headers.has(name)) headers.set(name, value);
  if (c.req.url.startsWith('https:')) headers.set('Strict-Transport-Security', HSTS);
  if (carriesSecret(c.req.path, headers)) {
    headers.set('Cache-Control', NO_STORE);
    headers.set('Pragma', 'no-cache');
  } else if (!headers.has('Cache-Control')) headers.set('Cache-Control', NO_STORE);
}

export function responseHeaders(): MiddlewareHandler<AppEnv> {
  return async function ledgeResponseHeaders(c, next) {
    await next();
    try {
      apply(c, c.res.headers);
    } catch {
      // Some responses (Response.redirect, fetched ones) have immutable headers: copy, then set.
      c.res = new Response(c.res.body, c.res);
      apply(c, c.res.headers);
    }
  };
}
