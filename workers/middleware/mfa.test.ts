import { describe, expect, it } from 'vitest';
import { assertRecentChallenge, needsMoreFactors } from '../identity/mfa/rules';
import { isPartialSessionRoute } from './mfa';

describe('MFA gate', () => {
  it('lets a half-signed-in session reach only the mfa route group and sign-out', () => {
    expect(isPartialSessionRoute('GET', '/v1/account/mfa/factors')).toBe(true);
    expect(isPartialSessionRoute('POST', '/v1/account/mfa/challenges')).toBe(true);
    expect(isPartialSessionRoute('PUT', '/v1/account/mfa/challenges')).toBe(true);
    expect(isPartialSessionRoute('PUT', '/v1/account/mfa/challenge')).toBe(true);
    expect(isPartialSessionRoute('DELETE', '/v1/account/sessions/current')).toBe(true);
    expect(isPartialSessionRoute('DELETE', '/v1/account/sessions/abc123')).toBe(true);

    expect(isPartialSessionRoute('GET', '/v1/account')).toBe(false);
    expect(isPartialSessionRoute('DELETE', '/v1/account/sessions')).toBe(false);
    expect(isPartialSessionRoute('GET', '/v1/account/sessions/current')).toBe(false);
    expect(isPartialSessionRoute('PATCH', '/v1/account/mfa')).toBe(false);
    expect(isPartialSessionRoute('GET', '/v1/account/mfa/recovery-codes')).toBe(false);
    expect(isPartialSessionRoute('DELETE', '/v1/account/mfa/authenticators/totp')).toBe(false);
    expect(isPartialSessionRoute('POST', '/v1/account/jwts')).toBe(false);
    expect(isPartialSessionRoute('GET', '/v1/account/mfa/factors/../../account')).toBe(false);
  });

  it('needs two factors only with MFA on and a second factor available (Appwrite\'s rule)', () => {
    const base = { mfa: true, emailVerification: false, phoneVerification: false };
    expect(needsMoreFactors(base, ['password'], true)).toBe(true);
    expect(needsMoreFactors(base, ['password', 'totp'], true)).toBe(false);
    expect(needsMoreFactors(base, ['password'], false)).toBe(false);
    expect(needsMoreFactors({ ...base, emailVerification: true }, ['password'], false)).toBe(true);
    expect(needsMoreFactors({ ...base, phoneVerification: true }, ['password'], false)).toBe(true);
    expect(needsMoreFactors({ ...base, mfa: false }, ['password'], true)).toBe(false);
    expect(needsMoreFactors(base, [], false)).toBe(true);
  });

  it('a recent challenge is one within 30 minutes', () => {
    const now = Date.parse('2026-01-01T12:00:00.000Z');
    expect(() => assertRecentChallenge('', now)).toThrow(expect.objectContaining({ type: 'user_challenge_required' }));
    expect(() => assertRecentChallenge('2026-01-01T11:29:59.000+00:00', now)).toThrow(expect.objectContaining({ type: 'user_challenge_required' }));
    expect(() => assertRecentChallenge('2026-01-01T11:30:01.000+00:00', now)).not.toThrow();
  });
});
