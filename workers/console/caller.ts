import type { Context, MiddlewareHandler } from 'hono';
import type { AppEnv } from '../env';
import { ApiError } from '../lib/errors';
import { guestPrincipal, type Principal } from '../lib/principal';
import { adminPrincipal, resolveAdmin, type AdminCaller } from '../identity/admins';
import { isAllowedOrigin } from '../middleware/cors';

const callers = new WeakMap<Principal, AdminCaller>();

/**
 * The caller in the admin realm: the admin of the `a_session_console` session, else a guest.
 * API keys are project credentials and mean nothing here (as on Appwrite's console project).
 * Browsers must come from a registered origin, as on the project.
 */
export function consoleCaller(): MiddlewareHandler<AppEnv> {
  return async function ledgeConsoleCaller(c, next) {
    const origin = c.req.header('Origin');
    if (origin && !isAllowedOrigin(origin, c.get('config'))) throw new ApiError('general_unknown_origin');
    const caller = await resolveAdmin(c.env.DB, c.req.raw.headers);
    const principal = caller ? adminPrincipal(caller.admin.id) : guestPrincipal();
    if (caller) callers.set(principal, caller);
    c.set('principal', principal);
    return next();
  };
}

/** The signed-in admin, or `user_unauthorized` (401). */
export function signedInAdmin(c: Context<AppEnv>): AdminCaller {
  const caller = callers.get(c.get('principal'));
  if (!caller) throw new ApiError('user_unauthorized');
  return caller;
}
