import { and, eq } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/d1';
import { mfaAuthenticators } from '../../db/schema';
import { ApiError } from '../../lib/errors';

/**
 * Appwrite's MFA rules (app/controllers/shared/api.php, shared/api/auth.php), as pure functions
 * plus the one read they may need.
 */

/** Appwrite's MFA_RECENT_DURATION: a challenge completed this recently unlocks sensitive MFA routes. */
export const MFA_RECENT_MS = 1800_000;

export interface MfaSubject {
  mfa: boolean;
  emailVerification: boolean;
  phoneVerification: boolean;
}

/**
 * A session needs a second factor when the user turned MFA on AND has something to complete a
 * challenge with (verified email, verified phone or a verified authenticator); then fewer than
 * two factors on the session is not enough. With MFA on but no such factor, one suffices, so
 * turning MFA on can never lock a user out.
 */
export function needsMoreFactors(user: MfaSubject, sessionFactors: readonly string[], hasVerifiedTotp: boolean): boolean {
  const hasMoreFactors = user.emailVerification || user.phoneVerification || hasVerifiedTotp;
  const minimum = user.mfa && hasMoreFactors ? 2 : 1;
  return sessionFactors.length < minimum;
}

/**
 * `needsMoreFactors` for an authenticated request; the authenticator table is read only when the
 * answer depends on it (MFA on, one factor so far, no verified email or phone).
 */
export async function sessionMfaPending(db: D1Database, user: MfaSubject & { id: string }, sessionFactors: readonly string[]): Promise<boolean> {
  if (!user.mfa || sessionFactors.length >= 2) return false;
  if (user.emailVerification || user.phoneVerification) return needsMoreFactors(user, sessionFactors, false);
  const rows = await drizzle(db)
    .select({ id: mfaAuthenticators.id })
    .from(mfaAuthenticators)
    .where(and(eq(mfaAuthenticators.userId, user.id), eq(mfaAuthenticators.type, 'totp'), eq(mfaAuthenticators.verified, true)))
    .limit(1);
  return needsMoreFactors(user, sessionFactors, rows.length > 0);
}

/**
 * Appwrite's `mfaProtected` routes (delete authenticator, read or regenerate recovery codes) need
 * a challenge completed on this session within the last 30 minutes: `user_challenge_required`.
 */
export function assertRecentChallenge(mfaUpdatedAt: string, now = Date.now()) {
  const last = mfaUpdatedAt ? Date.parse(mfaUpdatedAt) : Number.NaN;
  if (!Number.isFinite(last) || last + MFA_RECENT_MS < now) throw new ApiError('user_challenge_required');
}
