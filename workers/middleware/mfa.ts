import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../env';
import { ApiError } from '../lib/errors';
import type { Principal } from '../lib/principal';

/**
 * The routes a session may call before its second factor: Appwrite's `mfa` route group — list
 * factors, create and answer a challenge (also under the old `/challenge` alias), and sign out
 * (delete a session). Everything else, `GET /account` included, is `user_more_factors_required`:
 * that is how an SDK app learns it must ask for the second factor.
 */
const PARTIAL_SESSION_ROUTES: { method: string; path: RegExp }[] = [
  { method: 'GET', path: /^\/v1\/account\/mfa\/factors\/?$/ },
  { method: 'POST', path: /^\/v1\/account\/mfa\/challenges?\/?$/ },
  { method: 'PUT', path: /^\/v1\/account\/mfa\/challenges?\/?$/ },
  { method: 'DELETE', path: /^\/v1\/account\/sessions\/[^/]+\/?$/ },
];

export function isPartialSessionRoute(method: string, path: string): boolean {
  return PARTIAL_SESSION_ROUTES.some((r) => r.method === method && r.path.test(path));
}

/** A signed-in user whose session still lacks a factor is held to the partial-session routes. */
export function assertNotHeld(p: Principal, method: string, path: string): void {
  if (p.kind === 'user' && p.mfaPending && method !== 'OPTIONS' && !isPartialSessionRoute(method, path)) {
    throw new ApiError('user_more_factors_required');
  }
}

/** Runs after `principal(...)`; a deferred principal is held by `batchWithPrincipal` instead. */
export function mfa(): MiddlewareHandler<AppEnv> {
  return async function ledgeMfa(c, next) {
    const p = c.get('principal');
    if (p) assertNotHeld(p, c.req.method, c.req.path);
    return next();
  };
}
