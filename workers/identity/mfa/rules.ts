import { ApiError } from '../../lib/errors';

/**
 * Appwrite's MFA rules (app/controllers/shared/api.php, shared/api/auth.php), as pure functions.
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
 * `needsMoreFactors` for an authenticated request: only a user with MFA on and fewer than two
 * factors on the session can be held. `hasVerifiedTotp` is read in the authentication batch.
 */
export function sessionMfaPending(user: MfaSubject, sessionFactors: readonly string[], hasVerifiedTotp: boolean): boolean {
  if (!user.mfa || sessionFactors.length >= 2) return false;
  return needsMoreFactors(user, sessionFactors, hasVerifiedTotp);
}

/**
 * Appwrite's `mfaProtected` routes (delete authenticator, read or regenerate recovery codes) need
 * a challenge completed on this session within the last 30 minutes: `user_challenge_required`.
 */
export function assertRecentChallenge(mfaUpdatedAt: string, now = Date.now()) {
  const last = mfaUpdatedAt ? Date.parse(mfaUpdatedAt) : Number.NaN;
  if (!Number.isFinite(last) || last + MFA_RECENT_MS < now) throw new ApiError('user_challenge_required');
}
