import { exportJWK, exportPKCS8, generateKeyPair, jwtVerify, importJWK, SignJWT, type CryptoKey, type JWK } from 'jose';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../../lib/errors';
import { pemToPkcs8, resolveProvider, type OAuth2Provider } from './providers';

/**
 * Each built-in provider against a stub of its real endpoints: the authorization URL it builds,
 * what it sends to the token endpoint, and how it reads the account (verified email or not).
 */

const REDIRECT = 'https://api.example.com/v1/account/sessions/oauth2/callback/p/proj';
let idKey: CryptoKey;
let idJwk: JWK;
let applePem: string;
let applePublic: CryptoKey;

beforeAll(async () => {
  const pair = await generateKeyPair('RS256');
  idKey = pair.privateKey;
  idJwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256' };
  const apple = await generateKeyPair('ES256', { extractable: true });
  applePem = await exportPKCS8(apple.privateKey);
  applePublic = apple.publicKey;
});
afterEach(() => vi.restoreAllMocks());

const SETTINGS: Record<string, string> = {
  OAUTH2_GITHUB_CLIENT_ID: 'gh', OAUTH2_GITHUB_CLIENT_SECRET: 'gh-s',
  OAUTH2_GITLAB_CLIENT_ID: 'gl', OAUTH2_GITLAB_CLIENT_SECRET: 'gl-s', OAUTH2_GITLAB_URL: 'https://git.example.com/',
  OAUTH2_DISCORD_CLIENT_ID: 'dc', OAUTH2_DISCORD_CLIENT_SECRET: 'dc-s',
  OAUTH2_MICROSOFT_CLIENT_ID: 'ms', OAUTH2_MICROSOFT_CLIENT_SECRET: 'ms-s', OAUTH2_MICROSOFT_TENANT: 'contoso',
  OAUTH2_GOOGLE_CLIENT_ID: 'go', OAUTH2_GOOGLE_CLIENT_SECRET: 'go-s',
  OAUTH2_APPLE_CLIENT_ID: 'com.example.web', OAUTH2_APPLE_TEAM_ID: 'TEAM1', OAUTH2_APPLE_KEY_ID: 'KEY1',
  OAUTH2_OIDC_CLIENT_ID: 'oi', OAUTH2_OIDC_CLIENT_SECRET: 'oi-s', OAUTH2_OIDC_ISSUER: 'https://sso.example.com',
  OAUTH2_OIDC_AUTHORIZATION_URL: 'https://sso.example.com/auth', OAUTH2_OIDC_TOKEN_URL: 'https://sso.example.com/token',
  OAUTH2_OIDC_JWKS_URL: 'https://sso.example.com/keys', OAUTH2_OIDC_USERINFO_URL: 'https://sso.example.com/me',
};
const envWith = (extra: Record<string, string> = {}) => ({ ...SETTINGS, OAUTH2_APPLE_PRIVATE_KEY: applePem, ...extra }) as unknown as Env;

const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });

/** Serves `routes` (METHOD URL → handler) and records each request's form body. */
function stubFetch(routes: Record<string, (req: Request) => Response | Promise<Response>>) {
  const seen: { url: string; form: URLSearchParams; headers: Headers }[] = [];
  vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
    const req = new Request(input as RequestInfo, init);
    const key = `${req.method} ${req.url.split('?')[0]}`;
    // Read as bytes: workerd warns on every text() of a form-encoded body.
    const form = new URLSearchParams(req.method === 'POST' ? new TextDecoder().decode(await req.clone().arrayBuffer()) : '');
    seen.push({ url: req.url, form, headers: req.headers });
    const handler = routes[key];
    if (!handler) throw new TypeError(`no network in tests: ${key}`);
    return handler(req);
  });
  return seen;
}

async function idToken(claims: Record<string, unknown>, iss: string, aud: string) {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
    .setIssuer(iss)
    .setAudience(aud)
    .setSubject(String(claims.sub))
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(idKey);
}

async function run(provider: OAuth2Provider, nonce = 'n0nce', user?: string) {
  const tokens = await provider.exchange('the-code', 'the-verifier');
  return provider.profile(tokens, { nonce, user });
}

const authorize = (p: OAuth2Provider) => p.authorizationUrl({ state: 'st', codeVerifier: 'v'.repeat(43), nonce: 'n0nce', scopes: ['extra'] });

describe('provider registry', () => {
  it('refuses unknown, unsupported and unconfigured providers with Appwrite\'s errors', () => {
    const typeOf = (fn: () => unknown) => {
      try {
        fn();
      } catch (err) {
        return (err as ApiError).type;
      }
      return 'none';
    };
    expect(typeOf(() => resolveProvider(envWith(), 'nope', REDIRECT))).toBe('general_argument_invalid');
    expect(typeOf(() => resolveProvider(envWith(), 'toString', REDIRECT))).toBe('general_argument_invalid');
    expect(typeOf(() => resolveProvider(envWith(), 'zoom', REDIRECT))).toBe('project_provider_unsupported');
    expect(typeOf(() => resolveProvider(envWith({ OAUTH2_GITHUB_CLIENT_SECRET: '' }), 'github', REDIRECT))).toBe('project_provider_disabled');
    expect(typeOf(() => resolveProvider(envWith({ OAUTH2_OIDC_ISSUER: ' ' }), 'oidc', REDIRECT))).toBe('project_provider_disabled');
  });

  it('reads a PEM private key with real or escaped newlines', () => {
    const escaped = applePem.replace(/\n/g, '\\n');
    expect(pemToPkcs8(escaped)).toEqual(pemToPkcs8(applePem));
    expect(pemToPkcs8(applePem).byteLength).toBeGreaterThan(100);
  });
});

describe('GitLab', () => {
  it('uses the configured instance and trusts confirmed_at', async () => {
    const p = resolveProvider(envWith(), 'gitlab', REDIRECT);
    const url = await authorize(p);
    expect(url.origin + url.pathname).toBe('https://git.example.com/oauth/authorize');
    expect(url.searchParams.get('scope')).toBe('read_user extra');
    stubFetch({
      'POST https://git.example.com/oauth/token': () => json({ access_token: 'gl-at', token_type: 'bearer', expires_in: 7200, refresh_token: 'gl-rt' }),
      'GET https://git.example.com/api/v4/user': (r) =>
        r.headers.get('Authorization') === 'Bearer gl-at' ? json({ id: 42, name: 'Gil', username: 'gil', email: 'gil@example.com', confirmed_at: '2020-01-01T00:00:00Z' }) : json({}, 401),
    });
    expect(await run(p)).toEqual({ id: '42', email: 'gil@example.com', emailVerified: true, name: 'Gil' });
  });
});

describe('Discord', () => {
  it('uses PKCE and the account\'s verified flag', async () => {
    const p = resolveProvider(envWith(), 'discord', REDIRECT);
    const url = await authorize(p);
    expect(url.host).toBe('discord.com');
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    const seen = stubFetch({
      'POST https://discord.com/api/oauth2/token': () => json({ access_token: 'dc-at', token_type: 'Bearer', expires_in: 600 }),
      'GET https://discord.com/api/users/@me': () => json({ id: '99', username: 'dee', global_name: 'Dee', email: 'dee@example.com', verified: false }),
    });
    expect(await run(p)).toEqual({ id: '99', email: 'dee@example.com', emailVerified: false, name: 'Dee' });
    expect(seen[0].form.get('code_verifier')).toBe('the-verifier');
  });
});

describe('Microsoft', () => {
  it('uses the tenant, PKCE, and never treats the Graph email as verified (nOAuth)', async () => {
    const p = resolveProvider(envWith(), 'microsoft', REDIRECT);
    const url = await authorize(p);
    expect(url.origin + url.pathname).toBe('https://login.microsoftonline.com/contoso/oauth2/v2.0/authorize');
    expect(url.searchParams.get('code_challenge')).toBeTruthy();
    stubFetch({
      'POST https://login.microsoftonline.com/contoso/oauth2/v2.0/token': () => json({ access_token: 'ms-at', token_type: 'Bearer', expires_in: 3600 }),
      'GET https://graph.microsoft.com/v1.0/me': () => json({ id: 'guid-1', displayName: 'Mia', mail: 'mia@contoso.com', userPrincipalName: 'mia@contoso.onmicrosoft.com' }),
    });
    expect(await run(p)).toEqual({ id: 'guid-1', email: 'mia@contoso.com', emailVerified: false, name: 'Mia' });
  });
});

describe('Google', () => {
  it('sends a nonce and reads the verified ID token', async () => {
    const p = resolveProvider(envWith(), 'google', REDIRECT);
    const url = await authorize(p);
    expect(url.host).toBe('accounts.google.com');
    expect(url.searchParams.get('nonce')).toBe('n0nce');
    expect(url.searchParams.get('scope')).toBe('openid email profile extra');
    const token = await idToken({ sub: 'g-1', email: 'gee@gmail.com', email_verified: true, name: 'Gee', nonce: 'n0nce' }, 'https://accounts.google.com', 'go');
    stubFetch({
      'POST https://oauth2.googleapis.com/token': () => json({ access_token: 'go-at', token_type: 'Bearer', expires_in: 3599, id_token: token }),
      'GET https://www.googleapis.com/oauth2/v3/certs': () => json({ keys: [idJwk] }),
    });
    expect(await run(p)).toEqual({ id: 'g-1', email: 'gee@gmail.com', emailVerified: true, name: 'Gee' });
    await expect(run(p, 'other-nonce')).rejects.toThrow(/nonce/);
  });
});

describe('Apple', () => {
  it('asks for form_post, signs its client secret with the .p8 key, and reads the name Apple posts once', async () => {
    const p = resolveProvider(envWith(), 'apple', REDIRECT);
    const url = await authorize(p);
    expect(url.origin + url.pathname).toBe('https://appleid.apple.com/auth/authorize');
    expect(url.searchParams.get('response_mode')).toBe('form_post');
    expect(url.searchParams.get('scope')).toBe('name email extra');
    const token = await idToken({ sub: 'a-1', email: 'x@privaterelay.appleid.com', email_verified: 'true', nonce: 'n0nce' }, 'https://appleid.apple.com', 'com.example.web');
    const seen = stubFetch({
      'POST https://appleid.apple.com/auth/token': () => json({ access_token: 'ap-at', token_type: 'Bearer', expires_in: 3600, id_token: token }),
      'GET https://appleid.apple.com/auth/keys': () => json({ keys: [idJwk] }),
    });
    const profile = await run(p, 'n0nce', JSON.stringify({ name: { firstName: 'Ann', lastName: 'Apple' } }));
    expect(profile).toEqual({ id: 'a-1', email: 'x@privaterelay.appleid.com', emailVerified: true, name: 'Ann Apple' });
    const secret = seen[0].form.get('client_secret') ?? '';
    const { payload, protectedHeader } = await jwtVerify(secret, applePublic, { issuer: 'TEAM1', audience: 'https://appleid.apple.com' });
    expect(protectedHeader.kid).toBe('KEY1');
    expect(payload.sub).toBe('com.example.web');
  });
});

describe('generic OpenID Connect', () => {
  it('uses explicit endpoints, and UserInfo only for the subject the ID token names', async () => {
    const p = resolveProvider(envWith(), 'oidc', REDIRECT);
    const url = await authorize(p);
    expect(url.origin + url.pathname).toBe('https://sso.example.com/auth');
    const token = await idToken({ sub: 'u-7', nonce: 'n0nce' }, 'https://sso.example.com', 'oi');
    const routes = {
      'POST https://sso.example.com/token': () => json({ access_token: 'oi-at', token_type: 'Bearer', id_token: token }),
      'GET https://sso.example.com/keys': () => json({ keys: [idJwk] }),
      'GET https://sso.example.com/me': () => json({ sub: 'u-7', email: 'u7@example.com', email_verified: true, given_name: 'U', family_name: 'Seven' }),
    };
    stubFetch(routes);
    expect(await run(p)).toEqual({ id: 'u-7', email: 'u7@example.com', emailVerified: true, name: 'U Seven' });
    vi.restoreAllMocks();
    stubFetch({ ...routes, 'GET https://sso.example.com/me': () => json({ sub: 'someone-else', email: 'victim@example.com', email_verified: true }) });
    expect(await run(p)).toMatchObject({ id: 'u-7', email: '', emailVerified: false });
  });

  it('discovers endpoints and refuses a discovery document for another issuer', async () => {
    const env = envWith({ OAUTH2_OIDC_AUTHORIZATION_URL: '', OAUTH2_OIDC_TOKEN_URL: '', OAUTH2_OIDC_JWKS_URL: '', OAUTH2_OIDC_USERINFO_URL: '' });
    const doc = { issuer: 'https://sso.example.com', authorization_endpoint: 'https://sso.example.com/o/auth', token_endpoint: 'https://sso.example.com/o/token', jwks_uri: 'https://sso.example.com/o/jwks' };
    stubFetch({ 'GET https://sso.example.com/.well-known/openid-configuration': () => json(doc) });
    const url = await authorize(resolveProvider(env, 'oidc', REDIRECT));
    expect(url.origin + url.pathname).toBe('https://sso.example.com/o/auth');
    vi.restoreAllMocks();
    stubFetch({ 'GET https://sso.example.com/.well-known/openid-configuration': () => json({ ...doc, issuer: 'https://evil.example.com' }) });
    await expect(authorize(resolveProvider(env, 'oidc', REDIRECT))).rejects.toThrow(/issuer/);
  });

  it('refuses an ID token signed with a symmetric algorithm', async () => {
    const p = resolveProvider(envWith(), 'oidc', REDIRECT);
    const hmac = await new SignJWT({ sub: 'u-7', nonce: 'n0nce' })
      .setProtectedHeader({ alg: 'HS256', kid: 'k1' })
      .setIssuer('https://sso.example.com').setAudience('oi').setIssuedAt().setExpirationTime('5m')
      .sign(await importJWK({ kty: 'oct', k: btoa('oi-s').replace(/=+$/, '') }, 'HS256'));
    stubFetch({
      'POST https://sso.example.com/token': () => json({ access_token: 'oi-at', token_type: 'Bearer', id_token: hmac }),
      'GET https://sso.example.com/keys': () => json({ keys: [idJwk, { kty: 'oct', k: btoa('oi-s').replace(/=+$/, ''), kid: 'k1' }] }),
    });
    await expect(run(p)).rejects.toThrow(/invalid ID token/);
  });
});
