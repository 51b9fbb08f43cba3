import { and, eq, ne } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/d1';
import { identities } from '../../db/schema';
import { uniqueId } from '../../lib/ids';
import { nowDate } from '../../lib/time';
import {
  findUser, findUserByEmail, insertUserStatement, newUserRow, updateUserStatement,
  type Statement, type UserPatch, type UserRow,
} from '../../identity/users';
import type { ProviderProfile } from './providers';
import { SignInFailure } from '../../http/redirects';

/**
 * Who an OAuth2 sign-in belongs to, and the writes that record it. The rules, in order:
 * 1. a signed-in caller links the provider account to themselves (unless it, or its email,
 *    already belongs to someone else);
 * 2. a known provider account (identity) signs in its user;
 * 3. an existing user with the same email is linked ONLY when the provider verified the email
 *    AND the user verified it too — otherwise an attacker could pre-register a victim's email
 *    (or bring an unverified provider email) and take the account over (CVE-2024-38351 class);
 * 4. otherwise a new user is created, its email verified only if the provider verified it.
 */
export type IdentityRow = typeof identities.$inferSelect;

export interface ProviderCredentials {
  accessToken: string;
  refreshToken: string;
  /** Appwrite datetime, or '' when the provider gave no lifetime. */
  accessTokenExpiry: string;
}

export interface SignInInput {
  provider: string;
  profile: ProviderProfile;
  credentials: ProviderCredentials;
  /** The user signed in on this browser, if any: the identity is linked to them. */
  currentUserId?: string;
}

export interface SignInPlan {
  user: UserRow;
  created: boolean;
  /** Create/update the user and create/refresh the identity; run them in the session's batch. */
  statements: Statement[];
}

async function findIdentity(db: D1Database, provider: string, providerUid: string): Promise<IdentityRow | null> {
  const rows = await drizzle(db)
    .select()
    .from(identities)
    .where(and(eq(identities.provider, provider), eq(identities.providerUid, providerUid)))
    .limit(1);
  return rows[0] ?? null;
}

async function otherUsersIdentityWithEmail(db: D1Database, email: string, userId: string): Promise<boolean> {
  if (!email) return false;
  const rows = await drizzle(db)
    .select({ id: identities.id })
    .from(identities)
    .where(and(eq(identities.providerEmail, email.toLowerCase()), ne(identities.userId, userId)))
    .limit(1);
  return rows.length > 0;
}

async function emailTakenByOther(db: D1Database, email: string, userId: string): Promise<boolean> {
  if (!email) return false;
  const other = await findUserByEmail(db, email);
  return other !== null && other.id !== userId;
}

/** Works out the user for this provider account; throws SignInFailure (sent to the failure URL) when refused. */
export async function planSignIn(db: D1Database, input: SignInInput): Promise<SignInPlan> {
  const { provider, profile } = input;
  if (!profile.id) throw SignInFailure.of('user_missing_id');
  const email = profile.email.trim().toLowerCase();
  const identity = await findIdentity(db, provider, profile.id);

  let user: UserRow | null;
  let created = false;
  if (input.currentUserId) {
    user = await findUser(db, input.currentUserId);
    if (!user) throw SignInFailure.of('user_not_found');
    if (identity && identity.userId !== user.id) throw SignInFailure.of('user_already_exists');
    if (await emailTakenByOther(db, email, user.id)) throw SignInFailure.of('user_already_exists');
  } else if (identity) {
    user = await findUser(db, identity.userId);
    if (!user) throw SignInFailure.of('user_not_found');
  } else {
    if (!email) throw SignInFailure.of('user_unauthorized', 'OAuth provider failed to return email.');
    const existing = await findUserByEmail(db, email);
    if (existing) {
      // A generic refusal, as Appwrite's, so the answer does not reveal more about the account.
      if (!profile.emailVerified || !existing.emailVerification) throw SignInFailure.of('general_bad_request');
      user = existing;
    } else {
      user = newUserRow({ id: uniqueId(), email, emailVerification: profile.emailVerified, name: profile.name });
      created = true;
    }
  }
  if (!user.status) throw SignInFailure.of('user_blocked');

  const d = drizzle(db);
  const statements: Statement[] = [];
  const now = nowDate();
  if (created) {
    statements.push(insertUserStatement(db, user));
  } else {
    const patch: UserPatch = {};
    if (!user.email && email) {
      // An account without an email (anonymous, phone) takes the provider's, if nobody else has it.
      if (await emailTakenByOther(db, email, user.id)) throw SignInFailure.of('user_already_exists');
      patch.email = email;
      patch.emailVerification = user.emailVerification || profile.emailVerified;
    }
    if (!user.name && profile.name) patch.name = profile.name;
    if (Object.keys(patch).length > 0) {
      statements.push(updateUserStatement(db, user.id, patch));
      user = { ...user, ...patch, email: patch.email ?? user.email };
    }
  }

  const tokens = {
    providerAccessToken: input.credentials.accessToken,
    providerRefreshToken: input.credentials.refreshToken,
    providerAccessTokenExpiry: input.credentials.accessTokenExpiry,
  };
  if (identity) {
    statements.push(d.update(identities).set({ ...tokens, providerEmail: email, updatedAt: now }).where(eq(identities.id, identity.id)));
  } else {
    // Another account already signs in with a provider account claiming this email: refuse rather than guess.
    if (await otherUsersIdentityWithEmail(db, email, user.id)) throw SignInFailure.of('general_bad_request');
    statements.push(
      d.insert(identities).values({
        id: uniqueId(),
        userId: user.id,
        provider,
        providerUid: profile.id,
        providerEmail: email,
        ...tokens,
        createdAt: now,
        updatedAt: now,
      }),
    );
  }
  return { user, created, statements };
}
