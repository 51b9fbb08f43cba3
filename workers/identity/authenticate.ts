import { eq } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/d1';
import type { Context } from 'hono';
import { users } from '../db/schema';
import type { AppEnv } from '../env';
import { sha256Hex } from '../lib/crypto';
import { rawReader } from '../lib/d1';
import { ApiError } from '../lib/errors';
import type { RolesSql } from '../lib/permissions';
import { userPrincipal, type Principal, type UserPrincipal } from '../lib/principal';
import { projectRealm, type Realm } from '../lib/realm';
import { nowDate } from '../lib/time';
import type { Authenticator } from '../middleware/principal';
import { sessionCredential } from './cookies';
import { verifyJwtSignature } from './jwt';
import { sessionMfaPending } from './mfa/rules';
import { activeSessionSql, rolesSql, type SessionMatch } from './roles-sql';
import { noteVersionValue, VERSION_SQL } from '../settings/cache';
import { roleSubject, type UserRow } from './users';

/**
 * Authentication in two halves, so the session check can ride in a route's own D1 batch:
 * `credentialCheck` reads the request (cookie, `X-Appwrite-Session`, `X-Fallback-Cookies`, or a
 * JWT whose signature it verifies — CPU only, no I/O) and yields the D1 statements that verify the
 * credential and load what a principal needs; `resolve` turns their results into the principal.
 * The middleware runs the statements alone (one round trip); a route that opted in prepends them
 * to its own first batch instead (identity/batch.ts). Nothing is cached between requests: a
 * deleted or expired session fails on the very next request, whichever path it takes.
 */
export interface CredentialCheck {
  via: 'session' | 'jwt';
  /**
   * One statement, one row: the user, its session (unexpired, matching) and confirmed memberships,
   * whether it has a verified TOTP, and the settings version. One statement rather than five: each
   * statement in a batch costs D1 and the Worker its own encoding and decoding.
   */
  statements: D1PreparedStatement[];
  /**
   * The roles the principal will hold, as SQL over the same rows (roles-sql.ts), for a read whose
   * permission filter must be built before `resolve` runs.
   */
  roles: RolesSql;
  /** The user the credential names (the cookie's or the JWT's), before anything is checked. */
  userId: string;
  /**
   * A condition true when the check will resolve to that user with nothing refusing it (live
   * session, user enabled, no MFA hold), as SQL over the same rows: a write conditioned on it can
   * ride in the check's own batch (roles-sql.ts `activeSessionSql`).
   */
  active: RolesSql;
  /**
   * The principal, from the statements' results (same order); null when a session credential
   * names no live session (the caller is a guest, as in Appwrite). Throws `user_blocked`,
   * `user_jwt_invalid` (a JWT whose session ended) or `user_jwt_and_cookie_set`.
   */
  resolve(c: Context<AppEnv>, results: D1Result[]): UserPrincipal | null;
}

/** The user row read while authenticating, so routes need not read it again in the same request. */
const principalUsers = new WeakMap<Principal, UserRow>();
/** When the session behind a principal expires (Unix ms): realtime closes sockets that outlive it. */
const principalExpiry = new WeakMap<Principal, number>();

export function authenticatedUser(principal: Principal): UserRow | undefined {
  return principalUsers.get(principal);
}

export function authenticatedSessionExpiry(principal: Principal): number | undefined {
  return principalExpiry.get(principal);
}

/** What resolving a credential needs: Hono's Context fits, and so does a Durable Object's own. */
export interface AuthContext {
  env: Env;
  executionCtx: { waitUntil(promise: Promise<unknown>): void };
}

const ACCESS_REFRESH_MS = 24 * 3600 * 1000; // Appwrite's APP_USER_ACCESS
const userReader = rawReader(users);
/**
 * What a principal needs of its user, and no more: a deferred read (identity/batch.ts) has no use
 * for the rest of the row, and every value costs D1 encoding and the Worker decoding.
 */
const principalUserReader = rawReader(users, ['id', 'status', 'labels', 'emailVerification', 'phoneVerification', 'mfa', 'accessedAt']);

/** `lean`: read only what the principal needs (`authenticatedUser` then has no row to offer). */
export interface CheckOptions {
  lean?: boolean;
}

/**
 * The check's one row. `FROM (SELECT 1)` keeps the row when the user is gone, so the settings
 * version is always read; a missing user or session leaves their columns NULL (a guest).
 */
function checkSql(user: string, session: 'secret_hash' | 'id'): string {
  return `SELECT ${user}, s.id AS "$sid", s.factors AS "$factors", s.expire AS "$expire",
    (SELECT json_group_array(json_array(m.id, m.team_id, m.roles)) FROM memberships m WHERE m.user_id = u.id AND m.confirm = 1) AS "$memberships",
    EXISTS (SELECT 1 FROM mfa_authenticators a WHERE a.user_id = u.id AND a.type = 'totp' AND a.verified = 1) AS "$totp",
    (${VERSION_SQL}) AS "$settings"
    FROM (SELECT 1) LEFT JOIN users u ON u.id = ?
    LEFT JOIN sessions s ON s.${session} = ? AND s.user_id = u.id AND s.expire > ? LIMIT 1`;
}

/** Built once per isolate: full or lean user columns × session by secret hash or by id. */
const CHECK_SQL = {
  full: { secret_hash: checkSql(userReader.columnsOf('u'), 'secret_hash'), id: checkSql(userReader.columnsOf('u'), 'id') },
  lean: { secret_hash: checkSql(principalUserReader.columnsOf('u'), 'secret_hash'), id: checkSql(principalUserReader.columnsOf('u'), 'id') },
};

function checkFor(db: D1Database, userId: string, match: SessionMatch, lean = false): Pick<CredentialCheck, 'statements' | 'roles' | 'userId' | 'active'> {
  const now = nowDate();
  const sql = CHECK_SQL[lean ? 'lean' : 'full'];
  const statement = 'secretHash' in match
    ? db.prepare(sql.secret_hash).bind(userId, match.secretHash, now)
    : db.prepare(sql.id).bind(userId, match.sessionId, now);
  return { statements: [statement], roles: rolesSql(userId, match, now), userId, active: activeSessionSql(userId, match, now) };
}

function toPrincipal(c: AuthContext, results: D1Result[], via: 'session' | 'jwt', lean = false): UserPrincipal | null {
  const raw = (results[0] as D1Result<Record<string, unknown>> | undefined)?.results[0];
  noteVersionValue(raw?.$settings);
  if (!raw || raw.$sid == null || raw.id == null) return null;
  const user = userReader.decode(raw);
  // Appwrite refuses every request of a blocked account with user_blocked.
  if (!user.status) throw new ApiError('user_blocked');
  const confirmed = (JSON.parse(String(raw.$memberships ?? '[]')) as [string, string, string][]).map(([id, teamId, roles]) => ({
    id: String(id),
    teamId: String(teamId),
    roles: JSON.parse(String(roles)) as string[],
  }));
  // MFA: the session is held to the challenge routes until it has its second factor.
  const mfaPending = sessionMfaPending(user, JSON.parse(String(raw.$factors)) as string[], raw.$totp === 1);
  const principal = userPrincipal(roleSubject(user, confirmed), String(raw.$sid), via, mfaPending);
  if (!lean) principalUsers.set(principal, user);
  principalExpiry.set(principal, Date.parse(String(raw.$expire)));
  if (!user.accessedAt || Date.now() - Date.parse(user.accessedAt) > ACCESS_REFRESH_MS) {
    c.executionCtx.waitUntil(
      drizzle(c.env.DB).update(users).set({ accessedAt: nowDate() }).where(eq(users.id, user.id)).then(() => undefined, () => undefined),
    );
  }
  return principal;
}

/** The session credential's check (cookie, `X-Appwrite-Session`, `X-Fallback-Cookies`) in `realm`, if one is sent. */
export async function sessionCheck(c: Context<AppEnv>, realm: Realm = projectRealm(c.get('config')), opts: CheckOptions = {}): Promise<CredentialCheck | null> {
  const cred = sessionCredential(c.req.raw.headers, realm.id);
  if (!cred) return null;
  const withJwt = c.req.header('X-Appwrite-JWT') !== undefined;
  return {
    via: 'session',
    ...checkFor(c.env.DB, cred.id, { secretHash: await sha256Hex(cred.secret) }, opts.lean),
    resolve(ctx, results) {
      const principal = toPrincipal(ctx, results, 'session', opts.lean);
      // An unknown session is a guest; a live one beside a JWT is refused (Appwrite's rule).
      if (principal && withJwt) throw new ApiError('user_jwt_and_cookie_set');
      return principal;
    },
  };
}

/** The `X-Appwrite-JWT` check, if one is sent; its signature is verified here (bad → `user_jwt_invalid`). */
export async function jwtCheck(c: Context<AppEnv>, opts: CheckOptions = {}): Promise<CredentialCheck | null> {
  const jwt = c.req.header('X-Appwrite-JWT');
  if (!jwt) return null;
  const claims = await verifyJwtSignature(c.env, jwt);
  return {
    via: 'jwt',
    ...checkFor(c.env.DB, claims.userId, { sessionId: claims.sessionId }, opts.lean),
    resolve(ctx, results) {
      const principal = toPrincipal(ctx, results, 'jwt', opts.lean);
      if (!principal) throw new ApiError('user_jwt_invalid', 'Failed to verify JWT. The session has ended.');
      return principal;
    },
  };
}

/**
 * The one check a request's credential needs, when that is unambiguous: a session credential or a
 * JWT, not both (with both, an unknown session falls through to the JWT, so the middleware
 * resolves such a request eagerly). Undefined: both sent; null: neither.
 */
export async function credentialCheck(c: Context<AppEnv>, realm?: Realm, opts: CheckOptions = {}): Promise<CredentialCheck | null | undefined> {
  const hasJwt = c.req.header('X-Appwrite-JWT') !== undefined;
  const session = await sessionCheck(c, realm, opts);
  if (session && hasJwt) return undefined;
  return session ?? jwtCheck(c, opts);
}

/**
 * A session credential (the decoded `a_session_<project>` value) checked on its own, outside any
 * request: realtime's `authentication` frame. Null when it names no live session.
 */
export async function resolveSession(c: AuthContext, cred: { id: string; secret: string }): Promise<UserPrincipal | null> {
  const results = await c.env.DB.batch(checkFor(c.env.DB, cred.id, { secretHash: await sha256Hex(cred.secret) }).statements);
  return toPrincipal(c, results, 'session');
}

/** A JWT checked on its own (realtime's `?jwt=`): bad signature, expiry or an ended session → `user_jwt_invalid`. */
export async function resolveJwt(c: AuthContext, jwt: string): Promise<UserPrincipal> {
  const claims = await verifyJwtSignature(c.env, jwt);
  const principal = toPrincipal(c, await c.env.DB.batch(checkFor(c.env.DB, claims.userId, { sessionId: claims.sessionId }).statements), 'jwt');
  if (!principal) throw new ApiError('user_jwt_invalid', 'Failed to verify JWT. The session has ended.');
  return principal;
}

/** Runs a check on its own: one D1 round trip. */
export async function runCredentialCheck(c: Context<AppEnv>, check: CredentialCheck): Promise<UserPrincipal | null> {
  return check.resolve(c, await c.env.DB.batch(check.statements));
}

/**
 * Session cookie (`a_session_<project>`, its `_legacy` twin), `X-Appwrite-Session`, then
 * `X-Fallback-Cookies`. An unknown, expired or deleted session makes the caller a guest, as in
 * Appwrite. A live session together with `X-Appwrite-JWT` is `user_jwt_and_cookie_set`.
 */
export const sessionAuthenticator: Authenticator = async (c) => {
  const check = await sessionCheck(c);
  return check ? runCredentialCheck(c, check) : null;
};

/** `X-Appwrite-JWT`: bad signature, wrong algorithm, expiry or an ended session → `user_jwt_invalid`. */
export const jwtAuthenticator: Authenticator = async (c) => {
  const check = await jwtCheck(c);
  return check ? runCredentialCheck(c, check) : null;
};
