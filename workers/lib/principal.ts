import { GUEST_SCOPES, USER_SCOPES } from './scopes';

/**
 * Who is calling. Routes never look at headers or cookies: they read the principal, which carries
 * the caller's roles (for the permission evaluator) and scopes (for `requireScope`).
 */
export type Principal = GuestPrincipal | KeyPrincipal | UserPrincipal;

interface PrincipalBase {
  /** Roles for permission checks, always including `any`. Empty meaning for keys: they bypass permissions. */
  roles: string[];
  scopes: ReadonlySet<string>;
}

export interface GuestPrincipal extends PrincipalBase {
  kind: 'guest';
}

export interface KeyPrincipal extends PrincipalBase {
  kind: 'key';
  /** `root` for ROOT_API_KEY, otherwise the key's id (`console:<admin id>` for an admin in admin mode). */
  keyId: string;
  /** Set when a signed-in admin acts on the project (identity/admins.ts): origin rules still apply. */
  adminId?: string;
}

export interface UserPrincipal extends PrincipalBase {
  kind: 'user';
  userId: string;
  /** The session behind the request (also for JWTs, which name their session). */
  sessionId: string;
  via: 'session' | 'jwt';
  /** MFA is on for the user and this session has not yet verified a second factor. */
  mfaPending: boolean;
}

export function guestPrincipal(): GuestPrincipal {
  return { kind: 'guest', roles: ['any', 'guests'], scopes: GUEST_SCOPES };
}

export function keyPrincipal(keyId: string, scopes: ReadonlySet<string>): KeyPrincipal {
  return { kind: 'key', keyId, roles: [], scopes };
}

/** What the permission model needs to know about a user to name its roles. */
export interface RoleSubject {
  id: string;
  emailVerification: boolean;
  phoneVerification: boolean;
  labels: string[];
  /** Confirmed memberships only. */
  memberships: { id: string; teamId: string; roles: string[] }[];
}

/** Appwrite's `User::getRoles`: the roles a signed-in user holds. */
export function userRoles(user: RoleSubject): string[] {
  const verified = user.emailVerification || user.phoneVerification;
  const status = verified ? 'verified' : 'unverified';
  const roles = ['any', 'users', `users/${status}`, `user:${user.id}`, `user:${user.id}/${status}`];
  for (const m of user.memberships) {
    roles.push(`team:${m.teamId}`, `member:${m.id}`);
    for (const r of m.roles) roles.push(`team:${m.teamId}/${r}`);
  }
  for (const label of user.labels) roles.push(`label:${label}`);
  return roles;
}

export function userPrincipal(
  user: RoleSubject,
  sessionId: string,
  via: 'session' | 'jwt',
  mfaPending = false,
): UserPrincipal {
  return { kind: 'user', userId: user.id, sessionId, via, mfaPending, roles: userRoles(user), scopes: USER_SCOPES };
}
