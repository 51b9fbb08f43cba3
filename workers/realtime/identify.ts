import { authenticatedSessionExpiry, authenticatedUser, resolveJwt, resolveSession, type AuthContext } from '../identity/authenticate';
import { decodeSessionValue, sessionCredential } from '../identity/cookies';
import { userModel } from '../identity/users';
import { ApiError } from '../lib/errors';
import type { UserPrincipal } from '../lib/principal';

/**
 * Who a realtime connection belongs to: from the upgrade request (session cookie,
 * `X-Appwrite-Session`, `X-Fallback-Cookies`, or a JWT in `?jwt=` / `X-Appwrite-JWT`), or later
 * from an `authentication` frame carrying the session cookie's value. Nothing is cached: each
 * check reads D1 through the identity layer, exactly as a REST request does.
 */
export interface Identified {
  userId: string;
  sessionId: string;
  expires: number | null;
  roles: string[];
  /** The Account model `connected` and the authentication ack carry. */
  user: Record<string, unknown>;
}

function identified(principal: UserPrincipal): Identified {
  // A session still owing its second factor may not listen, as it may not read.
  if (principal.mfaPending) throw new ApiError('user_more_factors_required');
  const row = authenticatedUser(principal);
  return {
    userId: principal.userId,
    sessionId: principal.sessionId,
    expires: authenticatedSessionExpiry(principal) ?? null,
    roles: principal.roles,
    user: row ? userModel(row) : { $id: principal.userId },
  };
}

/**
 * The upgrade's user, or null for a guest. A session credential naming no live session is a
 * guest (as on REST); a bad JWT, a blocked user or a pending second factor throws.
 */
export async function identifyUpgrade(c: AuthContext, request: Request, projectId: string): Promise<Identified | null> {
  const cred = sessionCredential(request.headers, projectId);
  if (cred) {
    const principal = await resolveSession(c, cred);
    if (principal) return identified(principal);
  }
  const jwt = new URL(request.url).searchParams.get('jwt') || request.headers.get('X-Appwrite-JWT');
  return jwt ? identified(await resolveJwt(c, jwt)) : null;
}

/** The `authentication` frame: the cookie value the SDK kept. Null when it names no usable session. */
export async function identifySessionValue(c: AuthContext, value: string): Promise<Identified | null> {
  const cred = decodeSessionValue(value);
  if (!cred) return null;
  try {
    const principal = await resolveSession(c, cred);
    return principal ? identified(principal) : null;
  } catch (err) {
    if (err instanceof ApiError) return null;
    throw err;
  }
}
