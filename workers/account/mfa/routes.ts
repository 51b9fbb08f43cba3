import { drizzle } from 'drizzle-orm/d1';
import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { factory, type AppEnv } from '../../env';
import { sha256Hex, timingSafeEqual } from '../../lib/crypto';
import { ApiError } from '../../lib/errors';
import { body } from '../../http/body';
import { mfaChallengeMail } from '../../mail/templates';
import { requireScope } from '../../middleware/principal';
import { rateLimit } from '../../middleware/rate-limit';
import { updateUserStatement, type Statement, type UserRow } from '../../identity/users';
import { otpCode } from '../../identity/tokens';
import { currentUser } from '../../identity/issue';
import { accountModel, emit, sendMail } from '../respond';
import { findLiveSession, sessionModel } from '../../identity/sessions';
import { recoveryKeys } from '../../identity/mfa/recovery-codes';
import { assertRecentChallenge } from '../../identity/mfa/rules';
import {
  addSessionFactorsStatement, CHALLENGE_LIFETIME_MS, claimTotpStep, completeChallenge, confirmTotp, consumeRecoveryCode, createChallenge,
  deleteAuthenticator, enrolTotp, factorsModel, findAuthenticator, findOpenChallenge, issueRecoveryCodes, readRecoveryCodes, type Factor,
} from '../../identity/mfa/store';
import { generateTotpSecret, matchTotp, otpauthUri } from '../../identity/mfa/totp';

/**
 * `/v1/account/mfa…`: authenticator enrolment, recovery codes, turning MFA on and off, and the
 * challenge that completes a sign-in. Which of these a half-signed-in session may call is decided
 * globally by middleware/mfa.ts; `mfaProtected` ones also need a recent challenge (rules.ts).
 */
type C = Context<AppEnv>;

/** Appwrite's WhiteList([totp]) for `{type}`. */
function authenticatorType(c: C): 'totp' {
  const type = c.req.param('type');
  if (type !== 'totp') throw new ApiError('general_argument_invalid', 'Invalid `type` param: Value must be one of (totp)');
  return type;
}

/** Appwrite's `mfaProtected` group: the current session completed a challenge in the last 30 minutes. */
async function assertFreshSession(c: C, userId: string, sessionId: string) {
  const session = await findLiveSession(c.env.DB, userId, sessionId);
  assertRecentChallenge(session?.mfaUpdatedAt ?? '');
}

function emitMfaUpdate(c: C, user: UserRow, action: 'update' | 'delete' = 'update') {
  emit(c, [`users.${user.id}.${action}.mfa`], accountModel(user), user.id);
}

/**
 * `factor` as the SDKs send it: the enum value `recoverycode` is Appwrite's `recoveryCode`
 * (its WhiteList is case-insensitive), so names are matched without case.
 */
const FACTORS: Record<string, Factor | 'custom'> = { totp: 'totp', email: 'email', phone: 'phone', recoverycode: 'recoveryCode', custom: 'custom' };
const factorParam = z
  .string()
  .transform((v) => FACTORS[v.toLowerCase()])
  .refine((v) => v !== undefined, 'Value must be one of (email, phone, totp, recoveryCode, custom)');

const challengeModel = (row: { id: string; createdAt: string; userId: string; expire: string }) => ({
  $id: row.id,
  $createdAt: row.createdAt,
  userId: row.userId,
  expire: row.expire,
});

const createChallengeHandlers = factory.createHandlers(
  requireScope('account'),
  body(z.object({ factor: factorParam })),
  rateLimit({ limit: 10, key: (c) => `url:/v1/account/mfa/challenges,userId:${(c.get('principal') as { userId?: string }).userId ?? ''}` }),
  async (c) => {
    const { user } = await currentUser(c);
    const factor = c.req.valid('json').factor as Factor | 'custom';
    let code = '';
    if (factor === 'custom') throw new ApiError('user_auth_method_unsupported', 'The requested factor is disabled by the MFA factors policy');
    // Ledge sends no SMS: Appwrite's answer for a deployment without an SMS provider.
    if (factor === 'phone') throw new ApiError('general_phone_disabled', 'Phone provider not configured');
    if (factor === 'email') {
      if (!user.email) throw new ApiError('user_email_not_found');
      if (!user.emailVerification) throw new ApiError('user_email_not_verified');
      code = otpCode();
    }
    const challenge = await createChallenge(c.env.DB, { userId: user.id, type: factor, codeHash: code ? await sha256Hex(code) : '' });
    if (factor === 'email') {
      const config = c.get('config');
      await sendMail(c, mfaChallengeMail({ to: user.email!, name: user.name, project: config.projectName, code, minutes: CHALLENGE_LIFETIME_MS / 60_000 }));
    }
    emit(c, [`users.${user.id}.challenges.${challenge.id}.create`], challengeModel(challenge), user.id);
    return c.json(challengeModel(challenge), 201);
  },
);

const updateChallengeHandlers = factory.createHandlers(
  requireScope('account'),
  body(z.object({ challengeId: z.string().min(1).max(256), otp: z.string().min(1).max(256) })),
  rateLimit({ limit: 10, key: (c) => `url:/v1/account/mfa/challenges,challengeId:${(c.req.valid as (t: 'json') => { challengeId: string })('json').challengeId}` }),
  async (c) => {
    const { principal, user } = await currentUser(c);
    const { challengeId, otp } = c.req.valid('json');
    const challenge = await findOpenChallenge(c.env.DB, user.id, challengeId);
    if (!challenge) throw new ApiError('user_invalid_token');
    const factor = challenge.type as Factor;
    if (!(await proveFactor(c, user, factor, challenge.codeHash, otp))) throw new ApiError('user_invalid_token');
    const session = await completeChallenge(c.env.DB, challenge, principal.sessionId, factor);
    if (!session) throw new ApiError('user_invalid_token');
    const model = sessionModel(session, { current: true });
    emit(c, [`users.${user.id}.sessions.${session.id}.create`], sessionModel(session, { current: false }), user.id);
    return c.json(model);
  },
);

/** Checks `otp` for a challenge of type `factor`, using up a TOTP step or recovery code on success. */
async function proveFactor(c: C, user: UserRow, factor: Factor, codeHash: string, otp: string): Promise<boolean> {
  switch (factor) {
    case 'totp': {
      const auth = await findAuthenticator(c.env.DB, user.id, 'totp');
      if (!auth?.verified) return false;
      const step = await matchTotp(auth.secret, otp, Date.now(), auth.lastStep);
      return step !== null && (await claimTotpStep(c.env.DB, auth.id, step));
    }
    case 'email':
    case 'phone':
      return codeHash !== '' && timingSafeEqual(await sha256Hex(otp), codeHash);
    case 'recoveryCode':
      return consumeRecoveryCode(c.env.DB, await recoveryKeys(c.env), user.id, otp);
    default:
      return false;
  }
}

export const mfaRoutes = new Hono<AppEnv>()
  .post('/mfa/authenticators/:type', requireScope('account'), async (c) => {
    authenticatorType(c);
    const { user } = await currentUser(c);
    const auth = await enrolTotp(c.env.DB, user.id, generateTotpSecret());
    emitMfaUpdate(c, user);
    // Appwrite labels the account with its email; an account without one falls back to its id.
    return c.json({ secret: auth.secret, uri: otpauthUri(auth.secret, c.get('config').projectName, user.email || user.id) });
  })
  .put('/mfa/authenticators/:type', requireScope('account'), body(z.object({ otp: z.string().min(1).max(256) })), async (c) => {
    const type = authenticatorType(c);
    const { principal, user } = await currentUser(c);
    const auth = await findAuthenticator(c.env.DB, user.id, type);
    if (!auth) throw new ApiError('user_authenticator_not_found');
    if (auth.verified) throw new ApiError('user_authenticator_already_verified');
    const step = await matchTotp(auth.secret, c.req.valid('json').otp, Date.now(), auth.lastStep);
    if (step === null || !(await confirmTotp(c.env.DB, auth, step, principal.sessionId))) throw new ApiError('user_invalid_token');
    emitMfaUpdate(c, user);
    return c.json(accountModel(user));
  })
  .delete('/mfa/authenticators/:type', requireScope('account'), async (c) => {
    const type = authenticatorType(c);
    const { principal, user } = await currentUser(c);
    await assertFreshSession(c, user.id, principal.sessionId);
    await deleteAuthenticator(c.env.DB, user.id, type);
    emitMfaUpdate(c, user, 'delete');
    return c.body(null, 204);
  })
  .post('/mfa/recovery-codes', requireScope('account'), async (c) => {
    const { user } = await currentUser(c);
    const recoveryCodes = await issueRecoveryCodes(c.env.DB, await recoveryKeys(c.env), user.id, 'create');
    emitMfaUpdate(c, user);
    return c.json({ recoveryCodes }, 201);
  })
  .patch('/mfa/recovery-codes', requireScope('account'), async (c) => {
    const { principal, user } = await currentUser(c);
    await assertFreshSession(c, user.id, principal.sessionId);
    const recoveryCodes = await issueRecoveryCodes(c.env.DB, await recoveryKeys(c.env), user.id, 'regenerate');
    emitMfaUpdate(c, user);
    return c.json({ recoveryCodes });
  })
  .get('/mfa/recovery-codes', requireScope('account'), async (c) => {
    const { principal, user } = await currentUser(c);
    await assertFreshSession(c, user.id, principal.sessionId);
    const recoveryCodes = await readRecoveryCodes(c.env.DB, await recoveryKeys(c.env), user.id);
    if (recoveryCodes.length === 0) throw new ApiError('user_recovery_codes_not_found');
    return c.json({ recoveryCodes });
  })
  .patch('/mfa', requireScope('account'), body(z.object({ mfa: z.boolean() })), async (c) => {
    const { principal, user } = await currentUser(c);
    const { mfa } = c.req.valid('json');
    const statements: Statement[] = [];
    if (mfa) {
      // The session that turns MFA on counts every factor the user already holds, so it stays signed in.
      const factors = await factorsModel(c.env.DB, user);
      const held = (['totp', 'email', 'phone'] as const).filter((f) => factors[f]);
      statements.push(addSessionFactorsStatement(c.env.DB, principal.sessionId, held));
    }
    const d = drizzle(c.env.DB);
    const [rows] = await d.batch([updateUserStatement(c.env.DB, user.id, { mfa }), ...statements]);
    const updated = (rows as UserRow[])[0];
    if (!updated) throw new ApiError('user_not_found');
    emitMfaUpdate(c, updated);
    return c.json(accountModel(updated));
  })
  .get('/mfa/factors', requireScope('account'), async (c) => {
    const { user } = await currentUser(c);
    return c.json(await factorsModel(c.env.DB, user));
  })
  .post('/mfa/challenges', ...createChallengeHandlers)
  .post('/mfa/challenge', ...createChallengeHandlers)
  .put('/mfa/challenges', ...updateChallengeHandlers)
  .put('/mfa/challenge', ...updateChallengeHandlers);
