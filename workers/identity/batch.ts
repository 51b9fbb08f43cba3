import type { Context } from 'hono';
import type { AppEnv } from '../env';
import { guestPrincipal, type Principal } from '../lib/principal';
import { assertNotHeld } from '../middleware/mfa';
import type { Deferral } from '../middleware/principal';
import { credentialCheck } from './authenticate';

/**
 * One D1 round trip per authenticated read. A route listed in `deferredRoutes` gets no principal
 * from the middleware; its handler calls `batchWithPrincipal(c, statements)` first, which runs the
 * credential's check statements and the route's own in ONE `env.DB.batch`, resolves the
 * principal from the first results (nothing cached: a revoked session fails on the very next
 * request), applies the MFA hold, sets `c.get('principal')`, and hands back the route's results.
 * The route then checks scopes and permissions against the principal as usual. Only reads may be
 * deferred: the route's statements run before the caller is known.
 */
export async function batchWithPrincipal(c: Context<AppEnv>, statements: D1PreparedStatement[]): Promise<{ principal: Principal; results: D1Result[] }> {
  const pending = c.get('pendingPrincipal');
  if (!pending) {
    return { principal: c.get('principal'), results: statements.length > 0 ? await c.env.DB.batch(statements) : [] };
  }
  const n = pending.statements.length;
  const all = await c.env.DB.batch([...pending.statements, ...statements]);
  c.set('pendingPrincipal', undefined);
  const principal = pending.resolve(c, all.slice(0, n)) ?? guestPrincipal();
  c.set('principal', principal);
  assertNotHeld(principal, c.req.method, c.req.path);
  return { principal, results: all.slice(n) };
}

/** The middleware's deferral for the given routes (app.ts); none are deferred unless listed. */
export function deferredRoutes(routes: Deferral['routes']): Deferral {
  return { routes, check: (c) => credentialCheck(c) };
}
