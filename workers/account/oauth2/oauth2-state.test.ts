import { describe, expect, it } from 'vitest';
import { call, errorOf, rootKey } from '../../../test/helpers';
import { PROJECT, APP, fake, browser, account, startPath, start, callback, identitiesOf, userByEmail, passwordUser, signInWithPassword, useFakeProviders } from './testing/oauth2-client';

// OAuth2 state and redirect targets.

useFakeProviders();

describe('OAuth2 state', () => {
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

  it('lets a server start a token sign-in for a browser (Appwrite\'s SSR pattern), as the node SDK does', async () => {
    const started = await call(startPath('github', { mode: 'tokens' }), { key: rootKey(), redirect: 'manual', headers: { 'X-SDK-Platform': 'server' } });
    expect(started.status).toBe(301);
    expect(started.headers.getSetCookie()).toEqual([]);
    const b = browser();
    const res = await callback(b, fake.consent(started.headers.get('Location') ?? '', account()));
    expect(new URL(res.headers.get('Location') ?? '').searchParams.get('secret')).toBeTruthy();
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

describe('OAuth2 redirect targets', () => {
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

  it('defaults success to the allowed page that sent the browser, and failure to success', async () => {
    const b = browser();
    const q = new URLSearchParams({ project: PROJECT });
    const started = await b.get(`/v1/account/sessions/oauth2/github?${q}`, { headers: { Referer: `${APP}/login?x=1` } });
    expect(started.status).toBe(301);
    const denied = await callback(b, fake.consent(started.headers.get('Location') ?? '', account(), { deny: true }));
    const landed = new URL(denied.headers.get('Location') ?? '');
    expect(landed.origin + landed.pathname).toBe(`${APP}/`);
    expect(JSON.parse(landed.searchParams.get('error') ?? '{}').type).toBe('user_oauth2_provider_error');

    const fromElsewhere = await browser().get(`/v1/account/sessions/oauth2/github?${q}`, { headers: { Referer: 'https://evil.test/' } });
    expect(fromElsewhere.status).toBe(400);
  });

  it('accepts the native apps\' appwrite-callback scheme', async () => {
    const b = browser();
    const res = await b.get(startPath('github', { mode: 'tokens', success: `appwrite-callback-${PROJECT}://`, failure: `appwrite-callback-${PROJECT}://` }));
    expect(res.status).toBe(301);
  });

  it('names disabled, unsupported and unknown providers as Appwrite does', async () => {
    const cases: [string, number, string][] = [
      ['discord', 412, 'project_provider_disabled'],
      ['amazon', 400, 'project_provider_unsupported'],
      ['no-such-provider', 400, 'general_argument_invalid'],
    ];
    for (const [provider, status, type] of cases) {
      const res = await browser().get(startPath(provider));
      expect(await errorOf(res)).toMatchObject({ status, type });
    }
  });
});
