import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { browser } from '../../test/browser';
import { call, errorOf, rootKey, signUp } from '../../test/helpers';
import { uniqueId } from '../lib/ids';
import { toAppwriteDate } from '../lib/time';
import { decodeSessionValue } from '../identity/cookies';

const email = () => `${uniqueId()}@example.com`;

const signedUp = (password?: string) => signUp({ password });

describe('account sign-up and sign-in', () => {
  it('creates an account, signs in with cookies Appwrite\'s way and reads it back', async () => {
    const b = browser();
    const address = email();
    const created = await b.req('/v1/account', { method: 'POST', json: { userId: 'unique()', email: address.toUpperCase(), password: 'a-good-password', name: 'Ann' } });
    expect(created.status).toBe(201);
    const user = await created.json() as Record<string, unknown>;
    expect(user).toMatchObject({ email: address, name: 'Ann', status: true, emailVerification: false, prefs: {}, labels: [], targets: [] });
    expect(user).not.toHaveProperty('password');
    expect(created.headers.getSetCookie()).toEqual([]);

    const res = await b.req('/v1/account/sessions/email', { method: 'POST', json: { email: address, password: 'a-good-password' }, headers: { Origin: 'http://localhost:5173' } });
    expect(res.status).toBe(201);
    const cookies = res.headers.getSetCookie();
    expect(cookies).toHaveLength(2);
    expect(cookies[0]).toMatch(new RegExp(`^a_session_${env.PROJECT_ID}_legacy=[^;]+; Expires=.+; Path=/; HttpOnly$`));
    expect(cookies[1]).toMatch(new RegExp(`^a_session_${env.PROJECT_ID}=[^;]+; Expires=.+; Path=/; HttpOnly; SameSite=Lax$`));
    const fallback = JSON.parse(res.headers.get('X-Fallback-Cookies') ?? '{}');
    const cred = decodeSessionValue(fallback[`a_session_${env.PROJECT_ID}`]);
    expect(cred?.id).toBe(user.$id);
    const session = await res.json() as Record<string, unknown>;
    expect(session).toMatchObject({ userId: user.$id, provider: 'email', providerUid: address, current: true, factors: ['password'], secret: '' });

    const me = await b.req('/v1/account');
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ $id: user.$id, email: address });
  });

  // A wrong password and an unknown email answer alike (status, body, hashing work): test/security/attack-classes.test.ts.

  it('refuses duplicates, weak passwords and bad input without a 500', async () => {
    const { address, b } = await signedUp();
    const other = browser();
    const dup = await errorOf(await other.req('/v1/account', { method: 'POST', json: { userId: 'unique()', email: address, password: 'another-password' } }));
    expect(dup).toMatchObject({ status: 409, type: 'user_already_exists' });
    const weak = await errorOf(await other.req('/v1/account', { method: 'POST', json: { userId: 'unique()', email: email(), password: 'short' } }));
    expect(weak).toMatchObject({ status: 400, type: 'general_argument_invalid' });
    expect(weak.message).toContain('Password must be between 8 and 256 characters long');
    const badId = await errorOf(await other.req('/v1/account', { method: 'POST', json: { userId: '-bad', email: email(), password: 'long-enough-pw' } }));
    expect(badId).toMatchObject({ status: 400, type: 'general_argument_invalid' });
    const badEmail = await errorOf(await other.req('/v1/account', { method: 'POST', json: { userId: 'unique()', email: 'nope', password: 'long-enough-pw' } }));
    expect(badEmail).toMatchObject({ status: 400, type: 'general_argument_invalid' });
    const again = await errorOf(await b.req('/v1/account/sessions/email', { method: 'POST', json: { email: address, password: 'a-good-password' } }));
    expect(again).toMatchObject({ status: 401, type: 'user_session_already_exists' });
  });

  it('checks the dictionary and personal data only when configured', async () => {
    const b = browser();
    const strict = { ...env, PASSWORD_DICTIONARY: 'true', PASSWORD_PERSONAL_DATA: 'true' };
    // The exported handler takes its env from the runtime; the app itself takes one per call.
    const { app } = await import('../app');
    const ctx = { waitUntil() {}, passThroughOnException() {}, props: {} } as unknown as ExecutionContext;
    const run = (json: unknown) =>
      app.fetch(
        new Request('http://ledge.test/v1/account', {
          method: 'POST',
          headers: { 'X-Appwrite-Project': env.PROJECT_ID, 'Content-Type': 'application/json', 'CF-Connecting-IP': b.ip },
          body: JSON.stringify(json),
        }),
        strict,
        ctx,
      );
    const common = await errorOf(await run({ userId: 'unique()', email: email(), password: 'password' }));
    expect(common).toMatchObject({ status: 400, type: 'general_argument_invalid' });
    const personal = await errorOf(await run({ userId: 'unique()', email: 'zelda.x@example.com', password: 'i-am-zelda.x!', name: 'Zed' }));
    expect(personal).toMatchObject({ status: 400, type: 'user_password_personal_data' });
  });
});

describe('sessions', () => {
  it('a deleted session stops working at once, and the caller becomes a guest', async () => {
    const { b } = await signedUp();
    const del = await b.req('/v1/account/sessions/current', { method: 'DELETE' });
    expect(del.status).toBe(204);
    expect(del.headers.getSetCookie().every((l) => l.includes('Expires=') && /=;/.test(l))).toBe(true);
    const gone = await errorOf(await b.req('/v1/account'));
    expect(gone).toMatchObject({ status: 401, type: 'user_unauthorized' });
  });

  it('treats an expired session as no session', async () => {
    const { b, userId } = await signedUp();
    await env.DB.prepare('UPDATE sessions SET expire = ? WHERE user_id = ?').bind(toAppwriteDate(Date.now() - 1000), userId).run();
    expect((await errorOf(await b.req('/v1/account'))).type).toBe('user_unauthorized');
  });

  it('lists, reads and extends sessions; another user\'s session is not found', async () => {
    const one = await signedUp();
    const two = await signedUp();
    const list = await (await one.b.req('/v1/account/sessions')).json() as { total: number; sessions: { $id: string; current: boolean }[] };
    expect(list.total).toBe(1);
    expect(list.sessions[0]).toMatchObject({ $id: one.session.$id, current: true });
    const current = await (await one.b.req('/v1/account/sessions/current')).json() as { $id: string };
    expect(current.$id).toBe(one.session.$id);
    const extended = await one.b.req('/v1/account/sessions/current', { method: 'PATCH' });
    expect(extended.status).toBe(200);
    const stranger = await errorOf(await two.b.req(`/v1/account/sessions/${one.session.$id}`));
    expect(stranger).toMatchObject({ status: 404, type: 'user_session_not_found' });
    expect((await errorOf(await two.b.req(`/v1/account/sessions/${one.session.$id}`, { method: 'DELETE' }))).type).toBe('user_session_not_found');
    expect((await one.b.req('/v1/account')).status).toBe(200);
  });

  it('accepts X-Appwrite-Session and gives the secret only to API keys', async () => {
    const address = email();
    const b = browser();
    await b.req('/v1/account', { method: 'POST', json: { userId: 'unique()', email: address, password: 'a-good-password' } });
    const res = await call('/v1/account/sessions/email', { method: 'POST', key: rootKey(), body: JSON.stringify({ email: address, password: 'a-good-password' }) });
    expect(res.status).toBe(201);
    const session = await res.json() as { secret: string; userId: string };
    expect(decodeSessionValue(session.secret)?.id).toBe(session.userId);
    const me = await call('/v1/account', { headers: { 'X-Appwrite-Session': session.secret } });
    expect(me.status).toBe(200);
  });

  it('blocks: status update ends every session and later sign-in is user_blocked', async () => {
    const { b, address, password } = await signedUp();
    const res = await b.req('/v1/account/status', { method: 'PATCH', json: {} });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: false });
    expect((await errorOf(await b.req('/v1/account'))).type).toBe('user_unauthorized');
    const again = await errorOf(await browser().req('/v1/account/sessions/email', { method: 'POST', json: { email: address, password } }));
    expect(again).toMatchObject({ status: 403, type: 'user_blocked' });
  });

  it('anonymous sessions can be upgraded with an email and password', async () => {
    const b = browser();
    const anon = await b.req('/v1/account/sessions/anonymous', { method: 'POST', json: {} });
    expect(anon.status).toBe(201);
    const me = await (await b.req('/v1/account')).json() as { email: string; passwordUpdate: string };
    expect(me).toMatchObject({ email: '', passwordUpdate: '' });
    const address = email();
    const upgraded = await b.req('/v1/account/email', { method: 'PATCH', json: { email: address, password: 'brand-new-password' } });
    expect(upgraded.status).toBe(200);
    expect(await upgraded.json()).toMatchObject({ email: address, passwordUpdate: expect.stringMatching(/\+00:00$/) });
    const signIn = await browser().req('/v1/account/sessions/email', { method: 'POST', json: { email: address, password: 'brand-new-password' } });
    expect(signIn.status).toBe(201);
  });

  it('a password change needs the old password and ends the other sessions', async () => {
    const { b, address, password } = await signedUp();
    const other = browser();
    await other.req('/v1/account/sessions/email', { method: 'POST', json: { email: address, password } });
    expect((await other.req('/v1/account')).status).toBe(200);
    const wrong = await errorOf(await b.req('/v1/account/password', { method: 'PATCH', json: { password: 'new-password-1', oldPassword: 'wrong-password' } }));
    expect(wrong).toMatchObject({ status: 401, type: 'user_invalid_credentials' });
    const ok = await b.req('/v1/account/password', { method: 'PATCH', json: { password: 'new-password-1', oldPassword: password } });
    expect(ok.status).toBe(200);
    expect((await b.req('/v1/account')).status).toBe(200);
    expect((await errorOf(await other.req('/v1/account'))).type).toBe('user_unauthorized');
  });
});

describe('JWTs over HTTP', () => {
  it('authenticates with X-Appwrite-JWT until the session ends', async () => {
    const { b, userId } = await signedUp();
    const res = await b.req('/v1/account/jwts', { method: 'POST', json: {} });
    expect(res.status).toBe(201);
    const { jwt } = await res.json() as { jwt: string };
    const me = await call('/v1/account', { headers: { 'X-Appwrite-JWT': jwt } });
    expect(await me.json()).toMatchObject({ $id: userId });
    const nested = await errorOf(await call('/v1/account/jwts', { method: 'POST', body: '{}', headers: { 'X-Appwrite-JWT': jwt } }));
    expect(nested).toMatchObject({ status: 403, type: 'user_jwt_creation_denied' });
    const both = await errorOf(await b.req('/v1/account', { headers: { 'X-Appwrite-JWT': jwt } }));
    expect(both).toMatchObject({ status: 403, type: 'user_jwt_and_cookie_set' });
    await b.req('/v1/account/sessions/current', { method: 'DELETE' });
    const revoked = await errorOf(await call('/v1/account', { headers: { 'X-Appwrite-JWT': jwt } }));
    expect(revoked).toMatchObject({ status: 401, type: 'user_jwt_invalid' });
    const bad = await errorOf(await call('/v1/account', { headers: { 'X-Appwrite-JWT': 'e30.e30.e30' } }));
    expect(bad).toMatchObject({ status: 401, type: 'user_jwt_invalid' });
  });

  it('publishes the public key without a project', async () => {
    const res = await call('/v1/.well-known/jwks.json', { project: null });
    expect(res.status).toBe(200);
    const body = await res.json() as { keys: Record<string, unknown>[] };
    expect(body.keys[0]).toMatchObject({ kty: 'EC', alg: 'ES256' });
    expect(body.keys[0]).not.toHaveProperty('d');
  });
});

describe('profile', () => {
  it('updates prefs and name, lists logs', async () => {
    const { b } = await signedUp();
    const prefs = await b.req('/v1/account/prefs', { method: 'PATCH', json: { prefs: { theme: 'dark', n: 1 } } });
    expect(await prefs.json()).toMatchObject({ prefs: { theme: 'dark', n: 1 } });
    expect(await (await b.req('/v1/account/prefs')).json()).toEqual({ theme: 'dark', n: 1 });
    const badPrefs = await errorOf(await b.req('/v1/account/prefs', { method: 'PATCH', json: { prefs: [1, 2] } }));
    expect(badPrefs).toMatchObject({ status: 400, type: 'general_argument_invalid' });
    expect(await (await b.req('/v1/account/name', { method: 'PATCH', json: { name: 'Bo' } })).json()).toMatchObject({ name: 'Bo' });
    const logs = await (await b.req('/v1/account/logs')).json() as { total: number; logs: { event: string }[] };
    expect(logs.logs.map((l) => l.event)).toEqual(expect.arrayContaining(['user.create', 'session.create', 'user.update']));
  });

  it('refuses guests and API keys on account routes', async () => {
    expect((await errorOf(await call('/v1/account'))).type).toBe('user_unauthorized');
    expect((await errorOf(await call('/v1/account', { key: rootKey() }))).type).toBe('general_unauthorized_scope');
  });
});

describe('tokens and mail', () => {
  async function outbox(to: string) {
    const res = await call(`/v1/mail/outbox?to=${encodeURIComponent(to)}`, { key: rootKey() });
    expect(res.status).toBe(200);
    return (await res.json()) as { total: number; messages: { text: string; kind: string; subject: string }[] };
  }

  it('email OTP creates the account, signs in once and verifies the email', async () => {
    const b = browser();
    const address = email();
    const token = await b.req('/v1/account/tokens/email', { method: 'POST', json: { userId: 'unique()', email: address, phrase: true } });
    expect(token.status).toBe(201);
    const t = await token.json() as { userId: string; secret: string; phrase: string };
    expect(t.secret).toBe('');
    expect(t.phrase).toMatch(/^\w+ \w+$/);
    const mail = await outbox(address);
    expect(mail.messages[0]).toMatchObject({ kind: 'otp' });
    expect(mail.messages[0].text).toContain(t.phrase);
    const code = /code for [^:]+: (\d{6})/.exec(mail.messages[0].text)?.[1] ?? '';
    const wrong = await errorOf(await b.req('/v1/account/sessions/token', { method: 'POST', json: { userId: t.userId, secret: '000000' === code ? '111111' : '000000' } }));
    expect(wrong).toMatchObject({ status: 401, type: 'user_invalid_token' });
    const ok = await b.req('/v1/account/sessions/token', { method: 'POST', json: { userId: t.userId, secret: code } });
    expect(ok.status).toBe(201);
    expect(await (await b.req('/v1/account')).json()).toMatchObject({ emailVerification: true, passwordUpdate: '' });
    const reuse = await errorOf(await browser().req('/v1/account/sessions/token', { method: 'POST', json: { userId: t.userId, secret: code } }));
    expect(reuse).toMatchObject({ status: 401, type: 'user_invalid_token' });
  });

  it('magic URL carries userId and secret to a registered page only', async () => {
    const b = browser();
    const address = email();
    const refused = await errorOf(await b.req('/v1/account/tokens/magic-url', { method: 'POST', json: { userId: 'unique()', email: address, url: 'https://evil.example/' } }));
    expect(refused).toMatchObject({ status: 400, type: 'general_argument_invalid' });
    const res = await b.req('/v1/account/tokens/magic-url', { method: 'POST', json: { userId: 'unique()', email: address, url: 'http://localhost:3000/done' } });
    expect(res.status).toBe(201);
    const link = /(http:\/\/localhost:3000\/done\?\S+)/.exec((await outbox(address)).messages[0].text)?.[1] ?? '';
    const params = new URL(link).searchParams;
    const session = await b.req('/v1/account/sessions/magic-url', { method: 'PUT', json: { userId: params.get('userId'), secret: params.get('secret') } });
    expect(session.status).toBe(201);
    expect(await session.json()).toMatchObject({ provider: 'magic-url', factors: ['email'] });
  });

  it('recovery resets the password once; an expired token is refused', async () => {
    const { address, userId } = await signedUp();
    const b = browser();
    expect((await b.req('/v1/account/recovery', { method: 'POST', json: { email: address, url: 'http://localhost/reset' } })).status).toBe(201);
    const link = new URL(/(http:\/\/localhost\/reset\?\S+)/.exec((await outbox(address)).messages[0].text)?.[1] ?? '');
    const secret = link.searchParams.get('secret') ?? '';
    expect(link.searchParams.get('userId')).toBe(userId);
    const weak = await errorOf(await b.req('/v1/account/recovery', { method: 'PUT', json: { userId, secret, password: 'short' } }));
    expect(weak.type).toBe('general_argument_invalid');
    expect((await b.req('/v1/account/recovery', { method: 'PUT', json: { userId, secret, password: 'reset-password-1' } })).status).toBe(200);
    const reuse = await errorOf(await b.req('/v1/account/recovery', { method: 'PUT', json: { userId, secret, password: 'reset-password-2' } }));
    expect(reuse).toMatchObject({ status: 401, type: 'user_invalid_token' });
    expect((await browser().req('/v1/account/sessions/email', { method: 'POST', json: { email: address, password: 'reset-password-1' } })).status).toBe(201);

    await b.req('/v1/account/recovery', { method: 'POST', json: { email: address, url: 'http://localhost/reset' } });
    const second = new URL(/(http:\/\/localhost\/reset\?\S+)/.exec((await outbox(address)).messages[0].text)?.[1] ?? '').searchParams.get('secret') ?? '';
    await env.DB.prepare("UPDATE tokens SET expire = ? WHERE user_id = ? AND type = 'recovery'").bind(toAppwriteDate(Date.now() - 1000), userId).run();
    const expired = await errorOf(await b.req('/v1/account/recovery', { method: 'PUT', json: { userId, secret: second, password: 'reset-password-3' } }));
    expect(expired).toMatchObject({ status: 401, type: 'user_invalid_token' });
  });

  it('verification marks the email verified and refuses a second request', async () => {
    const { b, address, userId } = await signedUp();
    expect((await b.req('/v1/account/verifications/email', { method: 'POST', json: { url: 'http://localhost/verify' } })).status).toBe(201);
    const link = new URL(/(http:\/\/localhost\/verify\?\S+)/.exec((await outbox(address)).messages[0].text)?.[1] ?? '');
    const confirm = await browser().req('/v1/account/verifications/email', { method: 'PUT', json: { userId, secret: link.searchParams.get('secret') } });
    expect(confirm.status).toBe(200);
    expect(await (await b.req('/v1/account')).json()).toMatchObject({ emailVerification: true });
    const again = await errorOf(await b.req('/v1/account/verification', { method: 'POST', json: { url: 'http://localhost/verify' } }));
    expect(again).toMatchObject({ status: 409, type: 'user_email_already_verified' });
  });

  it('the outbox is for keys with mail.read only', async () => {
    const { b } = await signedUp();
    expect((await errorOf(await b.req('/v1/mail/outbox'))).type).toBe('general_unauthorized_scope');
    expect((await errorOf(await call('/v1/mail/outbox'))).type).toBe('general_unauthorized_scope');
  });
});

describe('abuse limits', () => {
  it('allows 10 sign-ups per IP per hour, then 429 with X-RateLimit headers', async () => {
    const b = browser();
    for (let i = 0; i < 10; i++) {
      const res = await b.req('/v1/account', { method: 'POST', json: { userId: 'unique()', email: email(), password: 'a-good-password' } });
      expect(res.status, `sign-up ${i}`).toBe(201);
    }
    const blocked = await b.req('/v1/account', { method: 'POST', json: { userId: 'unique()', email: email(), password: 'a-good-password' } });
    expect(await errorOf(blocked)).toMatchObject({ status: 429, type: 'general_rate_limit_exceeded' });
    expect(blocked.headers.get('X-RateLimit-Limit')).toBe('10');
    expect((await browser().req('/v1/account', { method: 'POST', json: { userId: 'unique()', email: email(), password: 'a-good-password' } })).status).toBe(201);
  });

  it('counts password attempts per email, across IPs', async () => {
    const { address } = await signedUp();
    for (let i = 0; i < 10; i++) {
      const res = await browser().req('/v1/account/sessions/email', { method: 'POST', json: { email: address, password: 'wrong-password' } });
      expect(res.status).toBe(401);
    }
    const blocked = await browser().req('/v1/account/sessions/email', { method: 'POST', json: { email: address, password: 'a-good-password' } });
    expect(blocked.status).toBe(429);
  });
});

describe('identities', () => {
  it('lists only the caller\'s identities; a stranger cannot delete them', async () => {
    const owner = await signedUp();
    const stranger = await signedUp();
    const id = uniqueId();
    const now = toAppwriteDate(Date.now());
    await env.DB.prepare('INSERT INTO identities (id, user_id, provider, provider_uid, provider_email, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .bind(id, owner.userId, 'github', `gh-${id}`, owner.address, now, now).run();
    expect(await (await stranger.b.req('/v1/account/identities')).json()).toMatchObject({ total: 0, identities: [] });
    expect(await (await owner.b.req('/v1/account/identities')).json()).toMatchObject({ total: 1, identities: [{ $id: id, provider: 'github' }] });
    const refused = await errorOf(await stranger.b.req(`/v1/account/identities/${id}`, { method: 'DELETE' }));
    expect(refused).toMatchObject({ status: 404, type: 'user_identity_not_found' });
    expect((await owner.b.req(`/v1/account/identities/${id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await errorOf(await owner.b.req(`/v1/account/identities/${id}`, { method: 'DELETE' }))).type).toBe('user_identity_not_found');
  });
});
