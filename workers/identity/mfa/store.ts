import { and, asc, eq, gt, lt, sql, type SQL } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/d1';
import { mfaAuthenticators, mfaChallenges, mfaRecoveryCodes, sessions } from '../../db/schema';
import { ApiError } from '../../lib/errors';
import { uniqueId } from '../../lib/ids';
import { nowDate, toAppwriteDate } from '../../lib/time';
import type { Statement, UserRow } from '../users';
import type { SessionRow } from '../sessions';
import {
  findRecoveryCode, generateRecoveryCodes, hashRecoveryCode, sealRecoveryCode, unsealRecoveryCode, type RecoveryKeys,
} from './recovery-codes';

/**
 * D1 access for MFA: authenticators, challenges, recovery codes, and the `factors` /
 * `mfaUpdatedAt` a session gains when a factor is verified. Every "use once" step is a single
 * conditional statement (or a guarded batch), so two racing requests cannot both succeed.
 */
export type AuthenticatorRow = typeof mfaAuthenticators.$inferSelect;
export type ChallengeRow = typeof mfaChallenges.$inferSelect;
export type RecoveryCodeRow = typeof mfaRecoveryCodes.$inferSelect;

/** Appwrite's factor names (`Appwrite\Auth\MFA\Type`), as they appear in a session's `factors`. */
export type Factor = 'totp' | 'email' | 'phone' | 'recoveryCode';

/** Appwrite's TOKEN_EXPIRATION_CONFIRM: a challenge can be answered for an hour. */
export const CHALLENGE_LIFETIME_MS = 3600_000;

export async function findAuthenticator(db: D1Database, userId: string, type = 'totp'): Promise<AuthenticatorRow | null> {
  const rows = await drizzle(db)
    .select()
    .from(mfaAuthenticators)
    .where(and(eq(mfaAuthenticators.userId, userId), eq(mfaAuthenticators.type, type)))
    .limit(1);
  return rows[0] ?? null;
}

/**
 * Starts (or restarts) TOTP enrolment with `secret`. An unverified authenticator is replaced, as
 * Appwrite does; a verified one is `user_authenticator_already_verified`.
 */
export async function enrolTotp(db: D1Database, userId: string, secret: string): Promise<AuthenticatorRow> {
  const now = nowDate();
  const rows = await drizzle(db)
    .insert(mfaAuthenticators)
    .values({ id: uniqueId(), userId, type: 'totp', secret, verified: false, lastStep: 0, createdAt: now, updatedAt: now })
    .onConflictDoUpdate({
      target: [mfaAuthenticators.userId, mfaAuthenticators.type],
      set: { id: sql`excluded.id`, secret, lastStep: 0, createdAt: now, updatedAt: now },
      setWhere: eq(mfaAuthenticators.verified, false),
    })
    .returning();
  if (!rows[0]) throw new ApiError('user_authenticator_already_verified');
  return rows[0];
}

/**
 * The SET expression that appends `factors` to a session's list, skipping ones already there.
 * Evaluated in SQL against the row being updated, so concurrent additions are not lost.
 */
function mergedFactors(factors: string[]): SQL {
  return sql`(SELECT json_group_array(value) FROM (
    SELECT value, 0 AS src, key AS pos FROM json_each("sessions"."factors")
    UNION ALL
    SELECT value, 1, key FROM json_each(${JSON.stringify([...new Set(factors)])})
      WHERE value NOT IN (SELECT value FROM json_each("sessions"."factors"))
    ORDER BY src, pos))`;
}

/** Adds `factors` to a session (and stamps `mfaUpdatedAt` when given), only while `guard` holds. */
export function addSessionFactorsStatement(db: D1Database, sessionId: string, factors: string[], opts: { mfaUpdatedAt?: string; guard?: SQL } = {}) {
  const now = nowDate();
  const set: Record<string, unknown> = { factors: mergedFactors(factors), updatedAt: now };
  if (opts.mfaUpdatedAt) set.mfaUpdatedAt = opts.mfaUpdatedAt;
  return drizzle(db)
    .update(sessions)
    .set(set)
    .where(opts.guard ? and(eq(sessions.id, sessionId), opts.guard) : eq(sessions.id, sessionId))
    .returning();
}

/**
 * Verifies a pending authenticator with the code of time step `step`, and counts `totp` as a
 * factor of the current session (Appwrite leaves `mfaUpdatedAt` alone here). Returns false when
 * the authenticator was verified meanwhile or the step was already used.
 */
export async function confirmTotp(db: D1Database, auth: AuthenticatorRow, step: number, sessionId: string): Promise<boolean> {
  const d = drizzle(db);
  const [updated] = await d.batch([
    d.update(mfaAuthenticators)
      .set({ verified: true, lastStep: step, updatedAt: nowDate() })
      .where(and(eq(mfaAuthenticators.id, auth.id), eq(mfaAuthenticators.verified, false), lt(mfaAuthenticators.lastStep, step)))
      .returning({ id: mfaAuthenticators.id }),
    addSessionFactorsStatement(db, sessionId, ['totp'], {
      guard: sql`EXISTS (SELECT 1 FROM ${mfaAuthenticators} WHERE ${mfaAuthenticators.id} = ${auth.id} AND ${mfaAuthenticators.verified} = 1 AND ${mfaAuthenticators.lastStep} = ${step})`,
    }),
  ]);
  return updated.length > 0;
}

/** Records `step` as used on a verified authenticator; false when it (or a later one) already was. */
export async function claimTotpStep(db: D1Database, authId: string, step: number): Promise<boolean> {
  const rows = await drizzle(db)
    .update(mfaAuthenticators)
    .set({ lastStep: step })
    .where(and(eq(mfaAuthenticators.id, authId), eq(mfaAuthenticators.verified, true), lt(mfaAuthenticators.lastStep, step)))
    .returning({ id: mfaAuthenticators.id });
  return rows.length > 0;
}

export async function deleteAuthenticator(db: D1Database, userId: string, type: string, also: Statement[] = []): Promise<void> {
  const d = drizzle(db);
  const [rows] = await d.batch([
    d.delete(mfaAuthenticators)
      .where(and(eq(mfaAuthenticators.userId, userId), eq(mfaAuthenticators.type, type)))
      .returning({ id: mfaAuthenticators.id }),
    ...also,
  ]);
  if (rows.length === 0) throw new ApiError('user_authenticator_not_found');
}

export async function createChallenge(db: D1Database, input: { userId: string; type: string; codeHash?: string }): Promise<ChallengeRow> {
  const now = Date.now();
  const row: ChallengeRow = {
    id: uniqueId(),
    userId: input.userId,
    type: input.type,
    codeHash: input.codeHash ?? '',
    expire: toAppwriteDate(now + CHALLENGE_LIFETIME_MS),
    createdAt: toAppwriteDate(now),
  };
  await drizzle(db).insert(mfaChallenges).values(row);
  return row;
}

/** The user's own, unexpired challenge; anything else is indistinguishable from a wrong code. */
export async function findOpenChallenge(db: D1Database, userId: string, challengeId: string): Promise<ChallengeRow | null> {
  const rows = await drizzle(db)
    .select()
    .from(mfaChallenges)
    .where(and(eq(mfaChallenges.id, challengeId), eq(mfaChallenges.userId, userId), gt(mfaChallenges.expire, nowDate())))
    .limit(1);
  return rows[0] ?? null;
}

/**
 * Closes a challenge: the session gains the factor and a fresh `mfaUpdatedAt`, and the challenge
 * is deleted — in one batch, with the session update guarded on the challenge still existing, so
 * one challenge completes at most once. Returns the updated session, or null if it was gone.
 */
export async function completeChallenge(db: D1Database, challenge: ChallengeRow, sessionId: string, factor: Factor): Promise<SessionRow | null> {
  const d = drizzle(db);
  const [updated, deleted] = await d.batch([
    addSessionFactorsStatement(db, sessionId, [factor], {
      mfaUpdatedAt: nowDate(),
      guard: sql`EXISTS (SELECT 1 FROM ${mfaChallenges} WHERE ${mfaChallenges.id} = ${challenge.id})`,
    }),
    d.delete(mfaChallenges).where(eq(mfaChallenges.id, challenge.id)).returning({ id: mfaChallenges.id }),
  ]);
  return deleted.length > 0 ? ((updated as SessionRow[])[0] ?? null) : null;
}

export async function listRecoveryCodeRows(db: D1Database, userId: string): Promise<RecoveryCodeRow[]> {
  return drizzle(db)
    .select()
    .from(mfaRecoveryCodes)
    .where(eq(mfaRecoveryCodes.userId, userId))
    .orderBy(asc(mfaRecoveryCodes.position));
}

export async function hasRecoveryCodes(db: D1Database, userId: string): Promise<boolean> {
  const rows = await drizzle(db).select({ id: mfaRecoveryCodes.id }).from(mfaRecoveryCodes).where(eq(mfaRecoveryCodes.userId, userId)).limit(1);
  return rows.length > 0;
}

/** The unused codes in the order they were issued (codes sealed under a rotated key are skipped). */
export async function readRecoveryCodes(db: D1Database, keys: RecoveryKeys, userId: string): Promise<string[]> {
  const rows = await listRecoveryCodeRows(db, userId);
  const codes = await Promise.all(rows.map((r) => unsealRecoveryCode(keys, r.sealed)));
  return codes.filter((c): c is string => c !== null);
}

/**
 * Issues a fresh set of codes, replacing any left. `mode` is Appwrite's precondition: `create`
 * needs none to exist (`user_recovery_codes_already_exists`), `regenerate` needs some
 * (`user_recovery_codes_not_found`). The old set is deleted in the batch that inserts the new one.
 */
export async function issueRecoveryCodes(
  db: D1Database,
  keys: RecoveryKeys,
  userId: string,
  mode: 'create' | 'regenerate',
  also: Statement[] = [],
): Promise<string[]> {
  const exists = await hasRecoveryCodes(db, userId);
  if (mode === 'create' && exists) throw new ApiError('user_recovery_codes_already_exists');
  if (mode === 'regenerate' && !exists) throw new ApiError('user_recovery_codes_not_found');
  const codes = generateRecoveryCodes();
  const now = nowDate();
  const values = await Promise.all(
    codes.map(async (code, position) => ({
      id: uniqueId(),
      userId,
      codeHash: await hashRecoveryCode(keys, code),
      sealed: await sealRecoveryCode(keys, code),
      position,
      createdAt: now,
    })),
  );
  const d = drizzle(db);
  await d.batch([d.delete(mfaRecoveryCodes).where(eq(mfaRecoveryCodes.userId, userId)), d.insert(mfaRecoveryCodes).values(values), ...also]);
  return codes;
}

/** Uses up `code` if it is one of the user's unused codes; false otherwise (or if a racer took it). */
export async function consumeRecoveryCode(db: D1Database, keys: RecoveryKeys, userId: string, code: string): Promise<boolean> {
  const match = await findRecoveryCode(keys, await listRecoveryCodeRows(db, userId), code);
  if (!match) return false;
  const rows = await drizzle(db).delete(mfaRecoveryCodes).where(eq(mfaRecoveryCodes.id, match.id)).returning({ id: mfaRecoveryCodes.id });
  return rows.length > 0;
}

/** Appwrite's MfaFactors model: which second factors this user can complete a challenge with. */
export async function factorsModel(db: D1Database, user: UserRow) {
  const d = drizzle(db);
  const [totp, codes] = await d.batch([
    d.select({ id: mfaAuthenticators.id })
      .from(mfaAuthenticators)
      .where(and(eq(mfaAuthenticators.userId, user.id), eq(mfaAuthenticators.type, 'totp'), eq(mfaAuthenticators.verified, true)))
      .limit(1),
    d.select({ id: mfaRecoveryCodes.id }).from(mfaRecoveryCodes).where(eq(mfaRecoveryCodes.userId, user.id)).limit(1),
  ]);
  return {
    totp: totp.length > 0,
    phone: Boolean(user.phone) && user.phoneVerification,
    email: Boolean(user.email) && user.emailVerification,
    recoveryCode: codes.length > 0,
    custom: false,
  };
}
