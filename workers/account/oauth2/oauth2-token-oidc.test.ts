import { describe, expect, it } from 'vitest';
import { call } from '../../../test/helpers';
import { type IdTokenTamper } from './testing/fake-providers';
import { PROJECT, APP, fake, browser, account, start, callback, signIn, failureOf, me, identitiesOf, userByEmail, useFakeProviders } from './testing/oauth2-client';

// OAuth2 token mode, and an OpenID Connect provider.

useFakeProviders();

describe('OAuth2 token mode', () => {
  it('returns userId and secret on the success URL, which POST /account/sessions/token accepts once', async () => {
    const b = browser();
    const who = account();
    const res = await signIn(b, 'github', who, { mode: 'tokens', success: `${APP}/ok?keep=1` });
    expect(res.status).toBe(301);
    expect(b.jar.has(`a_session_${PROJECT}`)).toBe(false);
    const target = new URL(res.headers.get('Location') ?? '');
    expect(target.searchParams.get('keep')).toBe('1');
    const userId = target.searchParams.get('userId') ?? '';
    const secret = target.searchParams.get('secret') ?? '';
    expect(userId).toBeTruthy();
    expect(secret).toBeTruthy();

    const exchange = () => call('/v1/account/sessions/token', { method: 'POST', body: JSON.stringify({ userId, secret }), headers: { 'CF-Connecting-IP': '10.8.0.1' } });
    const session = await exchange();
    expect(session.status).toBe(201);
    expect(((await session.json()) as { userId: string }).userId).toBe(userId);
    expect((await exchange()).status).toBe(401);
  });
});

describe('OAuth2 sign-in with an OpenID Connect provider', () => {
  it('verifies the ID token against the JWKS and signs in, with PKCE and a nonce', async () => {
    const b = browser();
    const location = new URL(await start(b, 'oidc'));
    expect(location.origin + location.pathname).toBe('https://idp.test/authorize');
    expect(location.searchParams.get('code_challenge_method')).toBe('S256');
    expect(location.searchParams.get('nonce')).toBeTruthy();
    expect(location.searchParams.get('scope')).toBe('openid profile email');
    const who = account({ name: 'Ida Provider' });
    const res = await callback(b, fake.consent(location.toString(), who));
    expect(res.headers.get('Location')).toBe(`${APP}/ok`);
    const { body } = await me(b);
    expect(body).toMatchObject({ email: who.email, emailVerification: true, name: 'Ida Provider' });
    const ids = await identitiesOf(body.$id as string);
    expect(ids[0]).toMatchObject({ provider: 'oidc', providerUid: who.id });
    expect(String(ids[0].providerRefreshToken)).toMatch(/^rt_/);
    expect(ids[0].providerAccessTokenExpiry).not.toBe('');

    const again = browser();
    await signIn(again, 'oidc', who);
    expect((await me(again)).body.$id).toBe(body.$id);
  });

  const refusals: [string, IdTokenTamper][] = [
    ['a bad signature', { signWithOtherKey: true }],
    ['the wrong audience', { audience: 'someone-else' }],
    ['an expired token', { expiredSecondsAgo: 600 }],
    ['the wrong nonce', { nonce: 'replayed-nonce' }],
    ['the wrong issuer', { issuer: 'https://evil.test' }],
  ];
  for (const [what, tamper] of refusals) {
    it(`refuses an ID token with ${what}`, async () => {
      fake.tamper = tamper;
      const who = account();
      const b = browser();
      const err = failureOf(await signIn(b, 'oidc', who));
      expect(err.type).toBe('user_oauth2_provider_failure');
      expect(err.message).toContain('invalid ID token');
      expect(b.jar.has(`a_session_${PROJECT}`)).toBe(false);
      expect(await userByEmail(who.email)).toHaveLength(0);
    });
  }

  it('relays a form_post callback (Apple style) from the provider\'s origin', async () => {
    const b = browser();
    const location = await start(b, 'oidc');
    const back = new URL(fake.consent(location, account()));
    const form = new URLSearchParams(back.search);
    const relay = await b.get(back.pathname, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: 'https://idp.test' },
      body: form.toString(),
    });
    expect(relay.status).toBe(301);
    const res = await b.get(relay.headers.get('Location') ?? '');
    expect(res.headers.get('Location')).toBe(`${APP}/ok`);
  });
});
