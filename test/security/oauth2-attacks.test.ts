/**
 * OAuth2 attack classes, through the front door against fake providers (no network): pre-account
 * hijacking (PocketBase CVE-2024-38351: an attacker pre-registers the victim's address and waits
 * for the victim's OAuth2 sign-in to adopt the account), login CSRF and state misuse (a callback
 * finished in another browser, replayed, unknown, for another provider, or started by a server
 * and finished in a signed-in browser), and open redirects through success/failure URLs.
 * The rest of OAuth2 sign-in is tested beside it in workers/account/oauth2/.
 */
import { describe, expect, it } from 'vitest';
import { call, errorOf } from '../helpers';
import {
  PROJECT, APP, fake, browser, account, startPath, start, callback, signIn, failureOf, identitiesOf, userByEmail, passwordUser, signInWithPassword, useFakeProviders,
} from '../../workers/account/oauth2/testing/oauth2-client';

useFakeProviders();

describe('OAuth2 pre-account hijacking (PocketBase CVE-2024-38351)', () => {
  it('does not take over an account pre-registered with the same UNVERIFIED email (CVE-2024-38351 class)', async () => {
    // The attacker signs up first with the victim's address and never verifies it.
    const { userId, email } = await passwordUser({ verified: false });
    const victim = browser();
    const err = failureOf(await signIn(victim, 'github', account({ email, emailVerified: true })));
    expect(err).toMatchObject({ type: 'general_bad_request', code: 400 });
    expect(victim.jar.has(`a_session_${PROJECT}`)).toBe(false);
    expect(await identitiesOf(userId)).toHaveLength(0);
    expect(await userByEmail(email)).toHaveLength(1);
  });

  it('does not link a provider that reports the email unverified to a verified account', async () => {
    const { userId, email } = await passwordUser({ verified: true });
    const attacker = browser();
    const who = account({ email, emailVerified: false });
    fake.githubEmails.set(who.id, [{ email, primary: true, verified: false }]);
    const err = failureOf(await signIn(attacker, 'github', who));
    expect(err.type).toBe('general_bad_request');
    expect(attacker.jar.has(`a_session_${PROJECT}`)).toBe(false);
    expect(await identitiesOf(userId)).toHaveLength(0);
  });
});

describe('OAuth2 login CSRF and state misuse', () => {
  it('refuses an unknown state without redirecting anywhere', async () => {
    const b = browser();
    const location = await start(b, 'github');
    const back = new URL(fake.consent(location, account()));
    back.searchParams.set('state', 'f'.repeat(64));
    const res = await callback(b, back.toString());
    expect(res.status).toBe(400);
    expect(res.headers.get('Location')).toBeNull();
    expect(await errorOf(res)).toMatchObject({ type: 'general_bad_request' });
  });

  it('refuses a replayed callback', async () => {
    const b = browser();
    const back = fake.consent(await start(b, 'github'), account());
    expect((await callback(b, back)).status).toBe(301);
    const replay = await callback(b, back);
    expect(replay.status).toBe(400);
    expect(replay.headers.get('Location')).toBeNull();
  });

  it('refuses a callback finished in a browser other than the one that started it (login CSRF)', async () => {
    const attacker = browser();
    const back = fake.consent(await start(attacker, 'github'), account());
    const victim = browser();
    const res = await callback(victim, back);
    expect(res.status).toBe(400);
    expect(victim.jar.has(`a_session_${PROJECT}`)).toBe(false);
    // The rightful browser can still finish.
    expect((await callback(attacker, back)).headers.get('Location')).toBe(`${APP}/ok`);
  });

  it('never links a server-started (unbound) sign-in to the account signed in on the finishing browser', async () => {
    const { userId, email } = await passwordUser({ verified: true });
    const victim = browser();
    await signInWithPassword(victim, email);
    const started = await call(startPath('github'), { redirect: 'manual', headers: { 'X-SDK-Platform': 'server' } });
    const attackers = account();
    const back = fake.consent(started.headers.get('Location') ?? '', attackers);
    await callback(victim, back);
    expect(await identitiesOf(userId)).toHaveLength(0);
    const [attackerUser] = await userByEmail(attackers.email);
    expect(attackerUser.$id).not.toBe(userId);
  });

  it('refuses a state issued for another provider', async () => {
    const b = browser();
    const location = await start(b, 'github');
    const state = new URL(location).searchParams.get('state') ?? '';
    const res = await callback(b, `http://ledge.test/v1/account/sessions/oauth2/callback/oidc/${PROJECT}?code=x&state=${state}`);
    expect(res.status).toBe(400);
  });
});

describe('OAuth2 open redirects', () => {
  it('refuses success or failure URLs outside the platform list, before storing anything', async () => {
    for (const opts of [{ success: 'https://evil.test/steal' }, { failure: 'https://evil.test/steal' }, { success: 'javascript:alert(1)' }, { success: 'http://localhost:5173@evil.test/' }]) {
      const b = browser();
      const res = await b.get(startPath('github', opts));
      expect(res.status).toBe(400);
      expect(res.headers.get('Location')).toBeNull();
      expect((await errorOf(res)).type).toBe('general_argument_invalid');
      expect(b.jar.size).toBe(0);
    }
  });
});
