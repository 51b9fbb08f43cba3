import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../env';
import type { AuthMethod } from '../lib/config';
import { ApiError } from '../lib/errors';

/** The routes each auth method opens (Appwrite's `auth.type` route labels). */
const ROUTES: { method: string; path: RegExp; auth: AuthMethod }[] = [
  { method: 'POST', path: /^\/v1\/account\/?$/, auth: 'email-password' },
  { method: 'POST', path: /^\/v1\/account\/sessions(\/email)?\/?$/, auth: 'email-password' },
  { method: 'POST', path: /^\/v1\/account\/tokens\/magic-url\/?$/, auth: 'magic-url' },
  { method: 'PUT', path: /^\/v1\/account\/sessions\/magic-url\/?$/, auth: 'magic-url' },
  { method: 'POST', path: /^\/v1\/account\/tokens\/email\/?$/, auth: 'email-otp' },
  { method: 'POST', path: /^\/v1\/account\/sessions\/anonymous\/?$/, auth: 'anonymous' },
  { method: 'POST', path: /^\/v1\/teams\/[^/]+\/memberships\/?$/, auth: 'invites' },
  { method: 'POST', path: /^\/v1\/account\/jwts?\/?$/, auth: 'jwt' },
  { method: 'POST', path: /^\/v1\/account\/tokens\/phone\/?$/, auth: 'phone' },
  { method: 'PUT', path: /^\/v1\/account\/sessions\/phone\/?$/, auth: 'phone' },
];

/**
 * An auth method turned off in the project settings closes its routes to clients with
 * `user_auth_method_unsupported` (501), as Appwrite does; API keys and admins are not held to it.
 */
export function authMethods(): MiddlewareHandler<AppEnv> {
  return async function ledgeAuthMethods(c, next) {
    const route = ROUTES.find((r) => r.method === c.req.method && r.path.test(c.req.path));
    if (route && !c.get('config').authMethods[route.auth] && c.get('principal')?.kind !== 'key') {
      throw new ApiError('user_auth_method_unsupported');
    }
    return next();
  };
}
