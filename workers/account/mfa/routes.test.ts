import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { freshIp, type Browser } from '../../../test/browser';
import { call, errorOf, rootKey, signIn, signUp as signUpWithPassword, type CallInit } from '../../../test/helpers';
import { totpAt } from '../../identity/mfa/totp';

const json = async <T = Record<string, unknown>>(res: Response) => (await res.json()) as T;
const admin = (path: string, init: CallInit = {}) => call(path, { ...init, key: rootKey() });

const signUp = () => signUpWithPassword({ name: 'Mia' });

/** Enrols and verifies TOTP with the previous step's code, leaving now and +1 step for challenges. */
async function enrolTotp(b: Browser) {
  const created = await b.req('/v1/account/mfa/authenticators/totp', { method: 'POST' });
  expect(created.status).toBe(200);
  const { secret, uri } = await json<{ secret: string; uri: string }>(created);
  const verified = await b.req('/v1/account/mfa/authenticators/totp', { method: 'PUT', json: { otp: await totpAt(secret, Date.now() - 30_000) } });
  expect(verified.status).toBe(200);
  return { secret, uri };
}

async function challenge(b: Browser, factor: string) {
  const res = await b.req('/v1/account/mfa/challenges', { method: 'POST', json: { factor } });
  expect(res.status).toBe(201);
  return json<{ $id: string; userId: string; expire: string; $createdAt: string }>(res);
}

const answer = (b: Browser, challengeId: string, otp: string) => b.req('/v1/account/mfa/challenges', { method: 'PUT', json: { challengeId, otp } });

describe('MFA routes refuse callers who are not the signed-in user', () => {
  const routes: [string, string, unknown?][] = [
    ['POST', '/v1/account/mfa/authenticators/totp'],
    ['PUT', '/v1/account/mfa/authenticators/totp', { otp: '123456' }],
    ['DELETE', '/v1/account/mfa/authenticators/totp'],
    ['POST', '/v1/account/mfa/recovery-codes'],
    ['PATCH', '/v1/account/mfa/recovery-codes'],
    ['GET', '/v1/account/mfa/recovery-codes'],
    ['PATCH', '/v1/account/mfa', { mfa: true }],
    ['GET', '/v1/account/mfa/factors'],
    ['POST', '/v1/account/mfa/challenges', { factor: 'totp' }],
    ['PUT', '/v1/account/mfa/challenges', { challengeId: 'x', otp: '123456' }],
  ];
  it.each(routes)('%s %s: guests and API keys are refused (401)', async (method, path, payload) => {
    const body = payload === undefined ? undefined : JSON.stringify(payload);
    // A guest on the Account service: Ledge answers user_unauthorized (Appwrite: general_unauthorized_scope).
    const guest = await errorOf(await call(path, { method, body, headers: { 'CF-Connecting-IP': freshIp() } }));
    expect(guest.status).toBe(401);
    expect(['user_unauthorized', 'general_unauthorized_scope']).toContain(guest.type);
    const key = await errorOf(await call(path, { method, body, key: rootKey() }));
    expect(key).toMatchObject({ status: 401, type: 'general_unauthorized_scope' });
  });
});

describe('TOTP authenticator', () => {
  it('enrols with a secret and otpauth URI, verifies with a code, and never shows the secret again', async () => {
    const { b, email, session } = await signUp();
    const first = await json<{ secret: string; uri: string }>(await b.req('/v1/account/mfa/authenticators/totp', { method: 'POST' }));
    expect(first.secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(first.uri).toBe(`otpauth://totp/${encodeURIComponent(env.PROJECT_NAME)}:${encodeURIComponent(email)}?secret=${first.secret}&issuer=${encodeURIComponent(env.PROJECT_NAME)}`);

    // An unverified authenticator is replaced by a new enrolment.
    const second = await json<{ secret: string }>(await b.req('/v1/account/mfa/authenticators/totp', { method: 'POST' }));
    expect(second.secret).not.toBe(first.secret);
    const stale = await errorOf(await b.req('/v1/account/mfa/authenticators/totp', { method: 'PUT', json: { otp: await totpAt(first.secret, Date.now()) } }));
    expect(stale).toMatchObject({ status: 401, type: 'user_invalid_token' });
    const wrongType = await errorOf(await b.req('/v1/account/mfa/authenticators/sms', { method: 'POST' }));
    expect(wrongType).toMatchObject({ status: 400, type: 'general_argument_invalid' });

    const ok = await b.req('/v1/account/mfa/authenticators/totp', { method: 'PUT', json: { otp: await totpAt(second.secret, Date.now()) } });
    expect(ok.status).toBe(200);
    const account = await json(ok);
    expect(account).toMatchObject({ email, mfa: false });
    expect(JSON.stringify(account)).not.toContain(second.secret);

    const sessions = await json<{ sessions: { $id: string; factors: string[] }[] }>(await b.req('/v1/account/sessions'));
    expect(sessions.sessions.find((s) => s.$id === session.$id)?.factors).toEqual(['password', 'totp']);

    expect(await errorOf(await b.req('/v1/account/mfa/authenticators/totp', { method: 'POST' }))).toMatchObject({ status: 409, type: 'user_authenticator_already_verified' });
    expect(await errorOf(await b.req('/v1/account/mfa/authenticators/totp', { method: 'PUT', json: { otp: '000000' } }))).toMatchObject({ status: 409, type: 'user_authenticator_already_verified' });
    expect(await json(await b.req('/v1/account/mfa/factors'))).toEqual({ totp: true, phone: false, email: false, recoveryCode: false, custom: false });

    const viaAdmin = await admin(`/v1/users/${account.$id}`);
    expect(JSON.stringify(await json(viaAdmin))).not.toContain(second.secret);
  });

  it('PUT without an enrolment is user_authenticator_not_found; wrong and malformed codes are user_invalid_token', async () => {
    const { b } = await signUp();
    expect(await errorOf(await b.req('/v1/account/mfa/authenticators/totp', { method: 'PUT', json: { otp: '123456' } }))).toMatchObject({ status: 404, type: 'user_authenticator_not_found' });
    const { secret } = await json<{ secret: string }>(await b.req('/v1/account/mfa/authenticators/totp', { method: 'POST' }));
    const right = await totpAt(secret, Date.now());
    const wrong = String((Number(right) + 1) % 1_000_000).padStart(6, '0');
    expect(await errorOf(await b.req('/v1/account/mfa/authenticators/totp', { method: 'PUT', json: { otp: wrong } }))).toMatchObject({ status: 401, type: 'user_invalid_token' });
    expect(await errorOf(await b.req('/v1/account/mfa/authenticators/totp', { method: 'PUT', json: { otp: 'abc' } }))).toMatchObject({ status: 401, type: 'user_invalid_token' });
    expect(await errorOf(await b.req('/v1/account/mfa/authenticators/totp', { method: 'PUT', json: {} }))).toMatchObject({ status: 400, type: 'general_argument_invalid' });
  });
});

describe('signing in with MFA on', () => {
  it('holds a new session to the challenge routes until TOTP is answered; a code works once', async () => {
    const { b, email, password, userId } = await signUp();
    const { secret } = await enrolTotp(b);
    const enabled = await b.req('/v1/account/mfa', { method: 'PATCH', json: { mfa: true } });
    expect(enabled.status).toBe(200);
    expect(await json(enabled)).toMatchObject({ mfa: true });
    // The session that turned MFA on already holds two factors.
    expect((await b.req('/v1/account')).status).toBe(200);

    const { b: second } = await signIn(email, password);
    for (const [method, path] of [['GET', '/v1/account'], ['POST', '/v1/account/jwts'], ['PATCH', '/v1/account/mfa'], ['GET', '/v1/account/sessions'], ['GET', '/v1/account/mfa/recovery-codes']]) {
      const refused = await errorOf(await second.req(path, { method, json: method === 'GET' ? undefined : { mfa: false } }));
      expect(refused, `${method} ${path}`).toMatchObject({ status: 401, type: 'user_more_factors_required' });
    }
    expect(await json(await second.req('/v1/account/mfa/factors'))).toMatchObject({ totp: true });

    const ch = await challenge(second, 'totp');
    expect(ch.userId).toBe(userId);
    expect(Date.parse(ch.expire) - Date.parse(ch.$createdAt)).toBe(3600_000);
    expect(await errorOf(await answer(second, ch.$id, '000000'))).toMatchObject({ status: 401, type: 'user_invalid_token' });
    // The step already used to verify the authenticator does not count again.
    expect(await errorOf(await answer(second, ch.$id, await totpAt(secret, Date.now() - 30_000)))).toMatchObject({ status: 401, type: 'user_invalid_token' });

    const code = await totpAt(secret, Date.now());
    const done = await answer(second, ch.$id, code);
    expect(done.status).toBe(200);
    const session = await json<{ factors: string[]; mfaUpdatedAt: string; current: boolean }>(done);
    expect(session.factors).toEqual(['password', 'totp']);
    expect(session.current).toBe(true);
    expect(Date.now() - Date.parse(session.mfaUpdatedAt)).toBeLessThan(60_000);
    expect((await second.req('/v1/account')).status).toBe(200);

    // The challenge is closed, and the same code cannot finish another sign-in.
    expect(await errorOf(await answer(second, ch.$id, code))).toMatchObject({ status: 401, type: 'user_invalid_token' });
    const { b: third } = await signIn(email, password);
    const again = await challenge(third, 'totp');
    expect(await errorOf(await answer(third, again.$id, code))).toMatchObject({ status: 401, type: 'user_invalid_token' });
    expect((await third.req('/v1/account')).status).toBe(401);
    // A half-signed-in session can still sign out.
    expect((await third.req('/v1/account/sessions/current', { method: 'DELETE' })).status).toBe(204);
  });

  it('recovery codes: created once, read and regenerated only after a recent challenge, each used once', async () => {
    const { b, email, password, userId } = await signUp();
    const { secret } = await enrolTotp(b);
    const created = await b.req('/v1/account/mfa/recovery-codes', { method: 'POST' });
    expect(created.status).toBe(201);
    const { recoveryCodes } = await json<{ recoveryCodes: string[] }>(created);
    expect(recoveryCodes).toHaveLength(6);
    expect(await errorOf(await b.req('/v1/account/mfa/recovery-codes', { method: 'POST' }))).toMatchObject({ status: 409, type: 'user_recovery_codes_already_exists' });
    expect(await errorOf(await b.req('/v1/account/mfa/recovery-codes'))).toMatchObject({ status: 401, type: 'user_challenge_required' });
    expect(await errorOf(await b.req('/v1/account/mfa/recovery-codes', { method: 'PATCH' }))).toMatchObject({ status: 401, type: 'user_challenge_required' });

    // A challenge completed on this session unlocks the protected routes.
    const ch = await challenge(b, 'totp');
    expect((await answer(b, ch.$id, await totpAt(secret, Date.now()))).status).toBe(200);
    expect(await json(await b.req('/v1/account/mfa/recovery-codes'))).toEqual({ recoveryCodes });
    expect((await b.req('/v1/account/mfa', { method: 'PATCH', json: { mfa: true } })).status).toBe(200);

    // Sign in elsewhere and finish with a recovery code, sent with the SDK's enum spelling.
    const { b: other } = await signIn(email, password);
    const rc = await challenge(other, 'recoverycode');
    const done = await answer(other, rc.$id, recoveryCodes[0]);
    expect(done.status).toBe(200);
    expect((await json<{ factors: string[] }>(done)).factors).toEqual(['password', 'recoveryCode']);
    expect((await other.req('/v1/account')).status).toBe(200);

    const { b: third } = await signIn(email, password);
    const reuse = await challenge(third, 'recoveryCode');
    expect(await errorOf(await answer(third, reuse.$id, recoveryCodes[0]))).toMatchObject({ status: 401, type: 'user_invalid_token' });
    // A TOTP code does not answer a recovery-code challenge.
    expect(await errorOf(await answer(third, reuse.$id, await totpAt(secret, Date.now() + 30_000)))).toMatchObject({ status: 401, type: 'user_invalid_token' });
    expect(await json(await b.req('/v1/account/mfa/recovery-codes'))).toEqual({ recoveryCodes: recoveryCodes.slice(1) });

    const regenerated = await json<{ recoveryCodes: string[] }>(await b.req('/v1/account/mfa/recovery-codes', { method: 'PATCH' }));
    expect(regenerated.recoveryCodes).toHaveLength(6);
    expect(regenerated.recoveryCodes).not.toContain(recoveryCodes[1]);
    expect(await errorOf(await answer(third, reuse.$id, recoveryCodes[1]))).toMatchObject({ status: 401, type: 'user_invalid_token' });
    expect((await answer(third, reuse.$id, regenerated.recoveryCodes[5])).status).toBe(200);

    // Exhaust the set: every remaining code works exactly once, then none are left.
    for (const code of regenerated.recoveryCodes.slice(0, 5)) {
      const { b: next } = await signIn(email, password);
      const c = await challenge(next, 'recoveryCode');
      expect((await answer(next, c.$id, code)).status).toBe(200);
    }
    expect(await errorOf(await b.req('/v1/account/mfa/recovery-codes'))).toMatchObject({ status: 404, type: 'user_recovery_codes_not_found' });
    expect(await json(await admin(`/v1/users/${userId}/mfa/factors`))).toMatchObject({ totp: true, recoveryCode: false });
  });

  it('refuses an expired challenge, a stranger\'s challenge and an unknown one with user_invalid_token', async () => {
    const ann = await signUp();
    const bob = await signUp();
    const { secret } = await enrolTotp(ann.b);
    const ch = await challenge(ann.b, 'totp');
    const code = await totpAt(secret, Date.now());
    expect(await errorOf(await answer(bob.b, ch.$id, code))).toMatchObject({ status: 401, type: 'user_invalid_token' });
    expect(await errorOf(await answer(ann.b, 'no-such-challenge', code))).toMatchObject({ status: 401, type: 'user_invalid_token' });
    await env.DB.prepare('UPDATE mfa_challenges SET expire = ? WHERE id = ?').bind('2000-01-01T00:00:00.000+00:00', ch.$id).run();
    expect(await errorOf(await answer(ann.b, ch.$id, code))).toMatchObject({ status: 401, type: 'user_invalid_token' });
    // Nothing was used up: a fresh challenge takes the same code.
    const fresh = await challenge(ann.b, 'totp');
    expect((await answer(ann.b, fresh.$id, code)).status).toBe(200);
  });

  it('email factor: a verified address gets a 6-digit code by mail; other factors are refused as Appwrite does', async () => {
    const { b, email, password, userId } = await signUp();
    expect(await errorOf(await b.req('/v1/account/mfa/challenges', { method: 'POST', json: { factor: 'email' } }))).toMatchObject({ status: 400, type: 'user_email_not_verified' });
    expect(await errorOf(await b.req('/v1/account/mfa/challenges', { method: 'POST', json: { factor: 'phone' } }))).toMatchObject({ status: 503, type: 'general_phone_disabled' });
    expect(await errorOf(await b.req('/v1/account/mfa/challenges', { method: 'POST', json: { factor: 'custom' } }))).toMatchObject({ status: 501, type: 'user_auth_method_unsupported' });
    expect(await errorOf(await b.req('/v1/account/mfa/challenges', { method: 'POST', json: { factor: 'sms' } }))).toMatchObject({ status: 400, type: 'general_argument_invalid' });

    expect((await admin(`/v1/users/${userId}/verification`, { method: 'PATCH', json: { emailVerification: true } })).status).toBe(200);
    const on = await b.req('/v1/account/mfa', { method: 'PATCH', json: { mfa: true } });
    expect(on.status).toBe(200);
    expect(await json(await b.req('/v1/account/mfa/factors'))).toEqual({ totp: false, phone: false, email: true, recoveryCode: false, custom: false });

    const { b: other } = await signIn(email, password);
    expect(await errorOf(await other.req('/v1/account'))).toMatchObject({ status: 401, type: 'user_more_factors_required' });
    const ch = await challenge(other, 'email');
    const mail = await json<{ messages: { kind: string; text: string }[] }>(await admin(`/v1/mail/outbox?to=${encodeURIComponent(email)}`));
    const sent = mail.messages.find((m) => m.kind === 'mfa-challenge');
    const code = /\b(\d{6})\b/.exec(sent?.text ?? '')?.[1];
    expect(code).toMatch(/^\d{6}$/);
    const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, '0');
    expect(await errorOf(await answer(other, ch.$id, wrong))).toMatchObject({ status: 401, type: 'user_invalid_token' });
    const done = await answer(other, ch.$id, code!);
    expect(done.status).toBe(200);
    expect((await json<{ factors: string[] }>(done)).factors).toEqual(['password', 'email']);
    expect((await other.req('/v1/account')).status).toBe(200);
  });

  it('MFA on without any second factor does not hold sessions (Appwrite\'s minimum stays 1)', async () => {
    const { b, email, password } = await signUp();
    expect((await b.req('/v1/account/mfa', { method: 'PATCH', json: { mfa: true } })).status).toBe(200);
    const { b: other } = await signIn(email, password);
    expect((await other.req('/v1/account')).status).toBe(200);
  });

  it('turning MFA off lets single-factor sessions through again', async () => {
    const { b, email, password } = await signUp();
    await enrolTotp(b);
    await b.req('/v1/account/mfa', { method: 'PATCH', json: { mfa: true } });
    const { b: other } = await signIn(email, password);
    expect((await other.req('/v1/account')).status).toBe(401);
    expect((await b.req('/v1/account/mfa', { method: 'PATCH', json: { mfa: false } })).status).toBe(200);
    expect((await other.req('/v1/account')).status).toBe(200);
  });

  it('deleting the authenticator needs a recent challenge', async () => {
    const { b } = await signUp();
    const { secret } = await enrolTotp(b);
    expect(await errorOf(await b.req('/v1/account/mfa/authenticators/totp', { method: 'DELETE' }))).toMatchObject({ status: 401, type: 'user_challenge_required' });
    const ch = await challenge(b, 'totp');
    expect((await answer(b, ch.$id, await totpAt(secret, Date.now()))).status).toBe(200);
    expect((await b.req('/v1/account/mfa/authenticators/totp', { method: 'DELETE' })).status).toBe(204);
    expect(await errorOf(await b.req('/v1/account/mfa/authenticators/totp', { method: 'DELETE' }))).toMatchObject({ status: 404, type: 'user_authenticator_not_found' });
    expect(await json(await b.req('/v1/account/mfa/factors'))).toMatchObject({ totp: false });
  });

  it('limits answers per challenge (abuse-limit 10)', async () => {
    const { b } = await signUp();
    const ch = await challenge(b, 'totp');
    for (let i = 0; i < 10; i++) expect((await answer(b, ch.$id, '000000')).status).toBe(401);
    const limited = await answer(b, ch.$id, '000000');
    expect(limited.status).toBe(429);
    expect((await errorOf(limited)).type).toBe('general_rate_limit_exceeded');
  });
});

describe('Users admin MFA', () => {
  it('lists factors, manages recovery codes, removes an authenticator and turns MFA off', async () => {
    const { b, email, password, userId } = await signUp();
    await enrolTotp(b);
    expect(await json(await admin(`/v1/users/${userId}/mfa/factors`))).toEqual({ totp: true, phone: false, email: false, recoveryCode: false, custom: false });
    expect(await errorOf(await admin(`/v1/users/${userId}/mfa/recovery-codes`))).toMatchObject({ status: 404, type: 'user_recovery_codes_not_found' });
    expect(await errorOf(await admin(`/v1/users/${userId}/mfa/recovery-codes`, { method: 'PUT' }))).toMatchObject({ status: 404, type: 'user_recovery_codes_not_found' });
    const created = await admin(`/v1/users/${userId}/mfa/recovery-codes`, { method: 'PATCH' });
    expect(created.status).toBe(200);
    const { recoveryCodes } = await json<{ recoveryCodes: string[] }>(created);
    expect(recoveryCodes).toHaveLength(6);
    expect(await errorOf(await admin(`/v1/users/${userId}/mfa/recovery-codes`, { method: 'PATCH' }))).toMatchObject({ status: 409, type: 'user_recovery_codes_already_exists' });
    expect(await json(await admin(`/v1/users/${userId}/mfa/recovery-codes`))).toEqual({ recoveryCodes });
    const regenerated = await json<{ recoveryCodes: string[] }>(await admin(`/v1/users/${userId}/mfa/recovery-codes`, { method: 'PUT' }));
    expect(regenerated.recoveryCodes).not.toEqual(recoveryCodes);

    const on = await admin(`/v1/users/${userId}/mfa`, { method: 'PATCH', json: { mfa: true } });
    expect(await json(on)).toMatchObject({ $id: userId, mfa: true });
    const { b: other } = await signIn(email, password);
    expect((await other.req('/v1/account')).status).toBe(401);

    expect((await admin(`/v1/users/${userId}/mfa/authenticators/totp`, { method: 'DELETE' })).status).toBe(204);
    expect(await errorOf(await admin(`/v1/users/${userId}/mfa/authenticators/totp`, { method: 'DELETE' }))).toMatchObject({ status: 404, type: 'user_authenticator_not_found' });
    expect(await errorOf(await admin(`/v1/users/${userId}/mfa/authenticators/sms`, { method: 'DELETE' }))).toMatchObject({ status: 400, type: 'general_argument_invalid' });
    // No verified factor is left, so one factor is enough again.
    expect((await other.req('/v1/account')).status).toBe(200);
    expect(await json(await admin(`/v1/users/${userId}/mfa`, { method: 'PATCH', json: { mfa: false } }))).toMatchObject({ mfa: false });

    expect(await errorOf(await admin('/v1/users/nobody-here/mfa/factors'))).toMatchObject({ status: 404, type: 'user_not_found' });
    expect(await errorOf(await admin('/v1/users/nobody-here/mfa', { method: 'PATCH', json: { mfa: true } }))).toMatchObject({ status: 404, type: 'user_not_found' });
  });

  it('refuses users and guests (keys only)', async () => {
    const { b, userId } = await signUp();
    const paths: [string, string][] = [
      ['GET', `/v1/users/${userId}/mfa/factors`], ['PATCH', `/v1/users/${userId}/mfa`], ['DELETE', `/v1/users/${userId}/mfa/authenticators/totp`],
      ['GET', `/v1/users/${userId}/mfa/recovery-codes`], ['PATCH', `/v1/users/${userId}/mfa/recovery-codes`], ['PUT', `/v1/users/${userId}/mfa/recovery-codes`],
    ];
    for (const [method, path] of paths) {
      const body = method === 'PATCH' && path.endsWith('/mfa') ? { mfa: false } : undefined;
      expect(await errorOf(await b.req(path, { method, json: body })), `${method} ${path}`).toMatchObject({ status: 401, type: 'general_unauthorized_scope' });
      expect(await errorOf(await call(path, { method, body: body && JSON.stringify(body) })), `${method} ${path}`).toMatchObject({ status: 401, type: 'general_unauthorized_scope' });
    }
  });

  it('deleting a user removes its MFA data', async () => {
    const { b, userId } = await signUp();
    await enrolTotp(b);
    await b.req('/v1/account/mfa/recovery-codes', { method: 'POST' });
    expect((await admin(`/v1/users/${userId}`, { method: 'DELETE' })).status).toBe(204);
    for (const table of ['mfa_authenticators', 'mfa_recovery_codes', 'mfa_challenges']) {
      const row = await env.DB.prepare(`SELECT count(*) AS n FROM ${table} WHERE user_id = ?`).bind(userId).first<{ n: number }>();
      expect(row?.n, table).toBe(0);
    }
  });
});

describe('maintenance', () => {
  it('prunes expired MFA challenges', async () => {
    const { runMaintenance } = await import('../../events/maintenance');
    const { b } = await signUp();
    const ch = await challenge(b, 'totp');
    const later = Date.now() + 3600_000 + 1000;
    const result = await runMaintenance(env, later);
    expect(result.mfaChallenges).toBeGreaterThanOrEqual(1);
    expect(await env.DB.prepare('SELECT id FROM mfa_challenges WHERE id = ?').bind(ch.$id).first()).toBeNull();
  });
});
