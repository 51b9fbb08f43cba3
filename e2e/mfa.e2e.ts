import { AuthenticationFactor, AuthenticatorType, ID } from 'appwrite';
import { Users } from 'node-appwrite';
import { describe, expect, it } from 'vitest';
import { ledge, refusal, serverClient } from './support/ledge';
import { codeIn, latestMail } from './support/outbox';
import { secretFromUri, totpCode } from './support/totp';
import { uniqueEmail, webUser } from './support/web-client';

const users = new Users(serverClient());

/** A new browser that signs in with email and password (first step only when MFA is on). */
async function signIn(email: string, password: string) {
  const user = webUser(ledge);
  await user.as(() => user.account.createEmailPasswordSession({ email, password }));
  return user;
}

describe('MFA through the web SDK', () => {
  it('TOTP: enrol → enable → sign in → user_more_factors_required → challenge → recovery codes used once, then exhausted', async () => {
    const email = uniqueEmail('mfa');
    const password = 'correct-horse-mfa';
    const owner = webUser(ledge);
    const created = await owner.as(() => owner.account.create({ userId: ID.unique(), email, password, name: 'Mfa' }));
    await owner.as(() => owner.account.createEmailPasswordSession({ email, password }));

    // Enrol an authenticator app: the secret comes once, with an otpauth URI for the QR code.
    const enrolment = await owner.as(() => owner.account.createMfaAuthenticator({ type: AuthenticatorType.Totp }));
    expect(enrolment.uri).toMatch(/^otpauth:\/\/totp\//);
    expect(decodeURIComponent(enrolment.uri)).toContain(email);
    const secret = secretFromUri(enrolment.uri);
    expect(secret).toBe(enrolment.secret);
    // The previous step's code is still inside the ±1 window; it leaves the current step for later.
    const verified = await owner.as(() => owner.account.updateMfaAuthenticator({ type: AuthenticatorType.Totp, otp: totpCode(secret, Date.now() - 30_000) }));
    expect(verified.$id).toBe(created.$id);

    const { recoveryCodes } = await owner.as(() => owner.account.createMfaRecoveryCodes());
    expect(recoveryCodes.length).toBeGreaterThan(1);
    expect(await owner.as(() => owner.account.listMfaFactors())).toMatchObject({ totp: true, recoveryCode: true });
    const enabled = await owner.as(() => owner.account.updateMFA({ mfa: true }));
    expect(enabled.mfa).toBe(true);
    expect((await owner.as(() => owner.account.get())).mfa).toBe(true);

    // A new sign-in is only half done: the SDK app sees user_more_factors_required.
    const second = await signIn(email, password);
    const held = await refusal(second.as(() => second.account.get()));
    expect(held).toMatchObject({ code: 401, type: 'user_more_factors_required' });
    const factors = await second.as(() => second.account.listMfaFactors());
    expect(factors).toMatchObject({ totp: true, recoveryCode: true, phone: false });

    const challenge = await second.as(() => second.account.createMfaChallenge({ factor: AuthenticationFactor.Totp }));
    expect(challenge.userId).toBe(created.$id);
    const wrong = await refusal(second.as(() => second.account.updateMfaChallenge({ challengeId: challenge.$id, otp: '000000' })));
    expect(wrong).toMatchObject({ code: 401, type: 'user_invalid_token' });
    const session = await second.as(() => second.account.updateMfaChallenge({ challengeId: challenge.$id, otp: totpCode(secret) }));
    expect(session.factors).toEqual(['password', 'totp']);
    expect(session.mfaUpdatedAt).not.toBe('');
    expect((await second.as(() => second.account.get())).$id).toBe(created.$id);

    // Sign in again and finish with a recovery code instead.
    const third = await signIn(email, password);
    expect((await refusal(third.as(() => third.account.get()))).type).toBe('user_more_factors_required');
    const rc = await third.as(() => third.account.createMfaChallenge({ factor: AuthenticationFactor.Recoverycode }));
    const viaCode = await third.as(() => third.account.updateMfaChallenge({ challengeId: rc.$id, otp: recoveryCodes[0] }));
    expect(viaCode.factors).toEqual(['password', 'recoveryCode']);
    expect((await third.as(() => third.account.get())).$id).toBe(created.$id);

    // That code is spent.
    const fourth = await signIn(email, password);
    const again = await fourth.as(() => fourth.account.createMfaChallenge({ factor: AuthenticationFactor.Recoverycode }));
    const reused = await refusal(fourth.as(() => fourth.account.updateMfaChallenge({ challengeId: again.$id, otp: recoveryCodes[0] })));
    expect(reused).toMatchObject({ code: 401, type: 'user_invalid_token' });
    // A signed-in-halfway browser can still sign out.
    await fourth.as(() => fourth.account.deleteSession({ sessionId: 'current' }));

    // The second session has a fresh challenge, so it may read the codes left.
    expect((await second.as(() => second.account.getMfaRecoveryCodes())).recoveryCodes).toEqual(recoveryCodes.slice(1));

    // Exhaust the rest: each works exactly once, then there are none.
    for (const code of recoveryCodes.slice(1)) {
      const next = await signIn(email, password);
      const ch = await next.as(() => next.account.createMfaChallenge({ factor: AuthenticationFactor.Recoverycode }));
      await next.as(() => next.account.updateMfaChallenge({ challengeId: ch.$id, otp: code }));
      expect((await next.as(() => next.account.get())).$id).toBe(created.$id);
    }
    expect((await owner.as(() => owner.account.listMfaFactors())).recoveryCode).toBe(false);
    expect(await refusal(second.as(() => second.account.getMfaRecoveryCodes()))).toMatchObject({ code: 404, type: 'user_recovery_codes_not_found' });
    const last = await signIn(email, password);
    const none = await last.as(() => last.account.createMfaChallenge({ factor: AuthenticationFactor.Recoverycode }));
    expect(await refusal(last.as(() => last.account.updateMfaChallenge({ challengeId: none.$id, otp: recoveryCodes[1] })))).toMatchObject({ type: 'user_invalid_token' });

    // An admin (node-appwrite) can issue new codes for a locked-out user.
    expect((await users.listMfaFactors({ userId: created.$id })).totp).toBe(true);
    const issued = await users.createMfaRecoveryCodes({ userId: created.$id });
    const rescue = await last.as(() => last.account.createMfaChallenge({ factor: AuthenticationFactor.Recoverycode }));
    await last.as(() => last.account.updateMfaChallenge({ challengeId: rescue.$id, otp: issued.recoveryCodes[0] }));
    expect((await last.as(() => last.account.get())).$id).toBe(created.$id);
  });

  it('email factor: the code arrives by mail', async () => {
    const email = uniqueEmail('mfa-mail');
    const password = 'correct-horse-mail';
    const owner = webUser(ledge);
    const created = await owner.as(() => owner.account.create({ userId: ID.unique(), email, password }));
    await users.updateEmailVerification({ userId: created.$id, emailVerification: true });
    await owner.as(() => owner.account.createEmailPasswordSession({ email, password }));
    await owner.as(() => owner.account.updateMFA({ mfa: true }));

    const other = await signIn(email, password);
    expect((await refusal(other.as(() => other.account.get()))).type).toBe('user_more_factors_required');
    const challenge = await other.as(() => other.account.createMfaChallenge({ factor: AuthenticationFactor.Email }));
    const code = codeIn(await latestMail(ledge, email, 'mfa-challenge'));
    const session = await other.as(() => other.account.updateMfaChallenge({ challengeId: challenge.$id, otp: code }));
    expect(session.factors).toEqual(['password', 'email']);
    expect((await other.as(() => other.account.get())).$id).toBe(created.$id);
  });
});
