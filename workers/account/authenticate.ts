import { and, eq, gt } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/d1';
import { memberships, sessions, users } from '../db/schema';
import { ApiError } from '../lib/errors';
import { sha256Hex } from '../lib/crypto';
import { userPrincipal, type Principal, type UserPrincipal } from '../lib/principal';
import { nowDate } from '../lib/time';
import type { Authenticator } from '../middleware/principal';
import { roleSubject, type UserRow } from '../users/store';
import { sessionCredential } from './cookies';
import { verifyJwtSignature } from './jwt';
import { sessionMfaPending } from './mfa/rules';

/** The user row read while authenticating, so routes need not read it again in the same request. */
const principalUsers = new WeakMap<Principal, UserRow>();

export function authenticatedUser(principal: Principal): UserRow | undefined {
  return principalUsers.get(principal);
}

const ACCESS_REFRESH_MS = 24 * 3600 * 1000; // Appwrite's APP_USER_ACCESS

/**
 * Reads the session (by id and secret hash, unexpired), the user and their confirmed memberships
 * in one D1 round trip. Nothing is cached: a deleted session fails on the very next request.
 */
async function loadSessionUser(db: D1Database, userId: string, match: { secretHash?: string; sessionId?: string }) {
  const d = drizzle(db);
  const sessionWhere = match.secretHash
    ? eq(sessions.secretHash, match.secretHash)
    : eq(sessions.id, match.sessionId ?? '');
  const [found, userRows, confirmed] = await d.batch([
    d.select({ id: sessions.id, factors: sessions.factors }).from(sessions).where(and(sessionWhere, eq(sessions.userId, userId), gt(sessions.expire, nowDate()))).limit(1),
    d.select().from(users).where(eq(users.id, userId)).limit(1),
    d.select({ id: memberships.id, teamId: memberships.teamId, roles: memberships.roles })
      .from(memberships)
      .where(and(eq(memberships.userId, userId), eq(memberships.confirm, true))),
  ]);
  const user = userRows[0];
  if (!found[0] || !user) return null;
  // MFA: the session is held to the challenge routes until it has its second factor.
  const mfaPending = await sessionMfaPending(db, user, found[0].factors);
  return { sessionId: found[0].id, user, confirmed, mfaPending };
}

function toPrincipal(c: Parameters<Authenticator>[0], loaded: NonNullable<Awaited<ReturnType<typeof loadSessionUser>>>, via: 'session' | 'jwt'): UserPrincipal {
  const { user } = loaded;
  // Appwrite refuses every request of a blocked account with user_blocked.
  if (!user.status) throw new ApiError('user_blocked');
  const principal = userPrincipal(roleSubject(user, loaded.confirmed), loaded.sessionId, via, loaded.mfaPending);
  principalUsers.set(principal, user);
  const now = Date.now();
  if (!user.accessedAt || now - Date.parse(user.accessedAt) > ACCESS_REFRESH_MS) {
    c.executionCtx.waitUntil(
      drizzle(c.env.DB).update(users).set({ accessedAt: nowDate() }).where(eq(users.id, user.id)).then(() => undefined, () => undefined),
    );
  }
  return principal;
}

/**
 * Session cookie (`a_session_<project>`, its `_legacy` twin), `X-Appwrite-Session`, then
 * `X-Fallback-Cookies`. An unknown, expired or deleted session makes the caller a guest, as in
 * Appwrite. A live session together with `X-Appwrite-JWT` is `user_jwt_and_cookie_set`.
 */
export const sessionAuthenticator: Authenticator = async (c) => {
  const cred = sessionCredential(c.req.raw.headers, c.get('config').projectId);
  if (!cred) return null;
  const loaded = await loadSessionUser(c.env.DB, cred.id, { secretHash: await sha256Hex(cred.secret) });
  if (!loaded) return null;
  if (c.req.header('X-Appwrite-JWT')) throw new ApiError('user_jwt_and_cookie_set');
  return toPrincipal(c, loaded, 'session');
};

/** `X-Appwrite-JWT`: bad signature, wrong algorithm, expiry or an ended session → `user_jwt_invalid`. */
export const jwtAuthenticator: Authenticator = async (c) => {
  const token = c.req.header('X-Appwrite-JWT');
  if (!token) return null;
  const claims = await verifyJwtSignature(c.env, token);
  const loaded = await loadSessionUser(c.env.DB, claims.userId, { sessionId: claims.sessionId });
  if (!loaded) throw new ApiError('user_jwt_invalid', 'Failed to verify JWT. The session has ended.');
  return toPrincipal(c, loaded, 'jwt');
};
