import { describe, expect, it } from 'vitest';
import { call, rootKey } from '../../../test/helpers';
import { uniqueId } from '../../lib/ids';
import { PROJECT, APP, fake, browser, account, start, signIn, failureOf, me, identitiesOf, userByEmail, passwordUser, signInWithPassword, useFakeProviders } from './testing/oauth2-client';

// OAuth2 sign-in with a GitHub-style provider.

useFakeProviders();

describe('OAuth2 sign-in with a GitHub-style provider', () => {
  it('redirects to the provider with state, the callback URI and a browser-binding cookie', async () => {
    const b = browser();
    const location = new URL(await start(b, 'github', { scopes: ['read:org'] }));
    expect(location.origin + location.pathname).toBe('https://github.com/login/oauth/authorize');
    expect(location.searchParams.get('client_id')).toBe('gh-client');
    expect(location.searchParams.get('redirect_uri')).toBe(`http://ledge.test/v1/account/sessions/oauth2/callback/github/${PROJECT}`);
    expect(location.searchParams.get('state')).toMatch(/^[0-9a-f]{64}$/);
    expect(location.searchParams.get('scope')).toBe('user:email read:org');
    expect(b.jar.get(`a_oauth2_${PROJECT}`)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('creates a new user with a verified email, an identity and a session cookie', async () => {
    const b = browser();
    const who = account({ name: 'New Person' });
    const res = await signIn(b, 'github', who);
    expect(res.status).toBe(301);
    expect(res.headers.get('Location')).toBe(`${APP}/ok`);
    expect(res.headers.get('Cache-Control')).toContain('no-store');
    expect(b.jar.get(`a_session_${PROJECT}`)).toBeTruthy();

    const { status, body } = await me(b);
    expect(status).toBe(200);
    expect(body).toMatchObject({ email: who.email, emailVerification: true, name: 'New Person', status: true });
    const ids = await identitiesOf(body.$id as string);
    expect(ids).toHaveLength(1);
    expect(ids[0]).toMatchObject({ provider: 'github', providerUid: who.id, providerEmail: who.email });
    expect(String(ids[0].providerAccessToken)).toMatch(/^gho_/);

    const sessions = (await (await b.api('/v1/account/sessions')).json()) as { sessions: Record<string, unknown>[] };
    expect(sessions.sessions[0]).toMatchObject({ provider: 'github', providerUid: who.id, factors: ['email', 'oauth2'], current: true });
    // Everything the Worker fetched went to the fake provider.
    expect(fake.requests.every((r) => /github\.com|idp\.test/.test(r))).toBe(true);
  });

  it('signs a returning user into the same account with a new session', async () => {
    const who = account();
    const first = browser();
    await signIn(first, 'github', who);
    const one = await me(first);

    const second = browser();
    const res = await signIn(second, 'github', who);
    expect(res.headers.get('Location')).toBe(`${APP}/ok`);
    const two = await me(second);
    expect(two.body.$id).toBe(one.body.$id);
    expect(second.jar.get(`a_session_${PROJECT}`)).not.toBe(first.jar.get(`a_session_${PROJECT}`));
    expect(await identitiesOf(one.body.$id as string)).toHaveLength(1);
    expect(await userByEmail(who.email)).toHaveLength(1);
  });

  it('links the provider to the signed-in user, who can then sign in with it', async () => {
    const { userId, email } = await passwordUser({ verified: false });
    const b = browser();
    await signInWithPassword(b, email);
    const who = account({ email: `${uniqueId()}@elsewhere.test` });
    const res = await signIn(b, 'github', who);
    expect(res.headers.get('Location')).toBe(`${APP}/ok`);
    expect((await me(b)).body.$id).toBe(userId);
    const ids = await identitiesOf(userId);
    expect(ids.map((i) => i.provider)).toEqual(['github']);

    const later = browser();
    await signIn(later, 'github', who);
    expect((await me(later)).body.$id).toBe(userId);
  });

  it('refuses to link a provider account that already belongs to another user', async () => {
    const who = account();
    await signIn(browser(), 'github', who);
    const { email } = await passwordUser({ verified: true });
    const b = browser();
    await signInWithPassword(b, email);
    const err = failureOf(await signIn(b, 'github', who));
    expect(err).toMatchObject({ type: 'user_already_exists', code: 409 });
  });

  it('links to an existing account by email only when both sides verified it', async () => {
    const { userId, email } = await passwordUser({ verified: true });
    const b = browser();
    await signIn(b, 'github', account({ email, emailVerified: true }));
    expect((await me(b)).body.$id).toBe(userId);
    expect(await identitiesOf(userId)).toHaveLength(1);
  });

  it('creates an unverified user when the provider has no verified email', async () => {
    const who = account();
    fake.githubEmails.set(who.id, [{ email: who.email, primary: true, verified: false }]);
    const b = browser();
    await signIn(b, 'github', who);
    expect((await me(b)).body).toMatchObject({ email: who.email, emailVerification: false });
  });

  it('sends a denied consent to the failure URL with Appwrite\'s error', async () => {
    const b = browser();
    const err = failureOf(await signIn(b, 'github', account(), { deny: true }));
    expect(err.type).toBe('user_oauth2_provider_error');
    expect(err.code).toBe(424);
    expect(err.message).toContain('access_denied');
    expect(b.jar.has(`a_session_${PROJECT}`)).toBe(false);
  });

  it('refuses a blocked user', async () => {
    const who = account();
    await signIn(browser(), 'github', who);
    const [user] = await userByEmail(who.email);
    const blocked = await call(`/v1/users/${user.$id}/status`, { method: 'PATCH', key: rootKey(), body: JSON.stringify({ status: false }) });
    expect(blocked.status).toBe(200);
    const b = browser();
    expect(failureOf(await signIn(b, 'github', who)).type).toBe('user_blocked');
    expect(b.jar.has(`a_session_${PROJECT}`)).toBe(false);
  });
});
