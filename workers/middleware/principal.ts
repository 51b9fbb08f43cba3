import type { Context, MiddlewareHandler } from 'hono';
import type { AppEnv, PendingPrincipal } from '../env';
import { ApiError } from '../lib/errors';
import { guestPrincipal, type Principal } from '../lib/principal';
import { isAllowedOrigin } from './cors';
import { configFor, movedSince, versionMark } from '../settings/cache';

/**
 * An authenticator looks at the request and returns a principal, `null` when its credential is
 * absent, or throws an ApiError when the credential is present but wrong. The first non-null
 * answer wins; with none, the caller is a guest. Keys come first, then sessions, then JWTs
 * (Appwrite's order), each contributed by its own domain in app.ts.
 */
export type Authenticator = (c: Context<AppEnv>) => Promise<Principal | null>;

export type { DeferredPrincipal, PendingPrincipal } from '../env';

/**
 * Routes that opted in to resolve the caller inside their first D1 batch (reads, and writes
 * conditioned in SQL on the caller: the batch runs before the principal is known; identity/batch.ts). `check` yields the pending credential, null for
 * none, undefined when it cannot be deferred (the request is then resolved eagerly).
 */
export interface Deferral {
  routes: { method: string; path: RegExp }[];
  check(c: Context<AppEnv>): Promise<PendingPrincipal | null | undefined>;
}

function refuseUnknownOrigin(c: Context<AppEnv>, resolved: Principal | null) {
  const origin = c.req.header('Origin');
  // API keys are server credentials; an admin's console cookie is a browser's, so it stays origin-bound.
  const serverKey = resolved?.kind === 'key' && !resolved.adminId;
  if (!serverKey && origin && c.req.method !== 'OPTIONS' && !isAllowedOrigin(origin, c.get('config'))) {
    throw new ApiError('general_unknown_origin');
  }
}

export function principal(authenticators: Authenticator[], deferral?: Deferral): MiddlewareHandler<AppEnv> {
  return async function ledgePrincipal(c, next) {
    // Keys and admin mode (identity/admins.ts) come before sessions, so they are never deferred.
    const deferrable = !c.req.header('X-Appwrite-Key') && c.req.header('X-Appwrite-Mode') !== 'admin';
    if (deferral && deferrable && deferral.routes.some((r) => r.method === c.req.method && r.path.test(c.req.path))) {
      const pending = await deferral.check(c);
      if (pending) {
        refuseUnknownOrigin(c, null);
        c.set('pendingPrincipal', { ...pending, scopes: [] });
        return next();
      }
    }
    let found: Principal | null = null;
    const mark = versionMark();
    for (const authenticate of authenticators) {
      found = await authenticate(c);
      if (found) break;
    }
    const resolved = found ?? guestPrincipal();
    c.set('principal', resolved);
    // The credential batch saw a newer settings version: the request runs on the new settings.
    if (movedSince(mark)) c.set('config', await configFor(c.env));
    refuseUnknownOrigin(c, resolved);
    return next();
  };
}

/**
 * The route needs `scope`. Keys must have been granted it; users and guests hold their role's
 * fixed set. Refusal is `general_unauthorized_scope` (401), naming the caller's role and the scope.
 */
export function requireScope(scope: string): MiddlewareHandler<AppEnv> {
  return async function ledgeRequireScope(c, next) {
    const pending = c.get('pendingPrincipal');
    // A deferred caller is not known yet: its scope is checked as soon as it is (identity/batch.ts).
    if (pending) pending.scopes.push(scope);
    else assertScope(c.get('principal'), scope);
    return next();
  };
}

export function assertScope(p: Principal, scope: string): void {
  if (p.scopes.has(scope)) return;
  // A guest on the Account service is a signed-out user (no session, or one that was deleted or
  // expired): Ledge answers `user_unauthorized`, as its accounts issue specifies. Appwrite 1.9
  // answers `general_unauthorized_scope` here; both are 401, which is what SDK apps branch on.
  if (p.kind === 'guest' && scope === 'account') throw new ApiError('user_unauthorized');
  const who = p.kind === 'key' ? 'API key' : p.kind === 'user' ? `User (role: users)` : 'User (role: guests)';
  throw new ApiError('general_unauthorized_scope', `${who} missing scopes (["${scope}"])`);
}
