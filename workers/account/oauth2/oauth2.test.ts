import { env } from 'cloudflare:workers';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { call, errorOf, rootKey } from '../../../test/helpers';
import { uniqueId } from '../../lib/ids';
import { drizzle } from 'drizzle-orm/d1';
import { eq } from 'drizzle-orm';
import { identities, users } from '../../db/schema';
import { FakeProviders, type FakeAccount, type IdTokenTamper } from './testing/fake-providers';

/**
 * OAuth2 round trips through the whole Worker, with the providers faked by a stub of the
 * Worker's outbound `fetch` (the Worker runs in the test's isolate): nothing reaches a network.
 */

const PROJECT = env.PROJECT_ID;
const APP = 'http://localhost:5173';
let fake: FakeProviders;
let ipCounter = 1;

beforeAll(async () => {
  fake = await FakeProviders.create();
});
beforeEach(() => {
  fake.tamper = {};
  vi.spyOn(globalThis, 'fetch').mockImplementation(fake.fetch);
});
afterEach(() => {
  vi.restoreAllMocks();
});

/** A browser: a cookie jar, a fixed IP, and manual redirects so each hop can be inspected. */
function browser() {
  const jar = new Map<string, string>();
  const ip = `10.9.${Math.floor(ipCounter / 250)}.${(ipCounter++ % 250) + 1}`;
  return {
    jar,
    async get(pathOrUrl: string, init: RequestInit = {}) {
      const url = new URL(pathOrUrl, 'http://ledge.test');
      if (url.host !== 'ledge.test') throw new Error(`browser left Ledge for ${url}`);
      const headers = new Headers(init.headers);
      headers.set('CF-Connecting-IP', ip);
      if (jar.size) headers.set('Cookie', [...jar].map(([k, v]) => `${k}=${v}`).join('; '));
      const res = await call(url.pathname + url.search, { ...init, headers, project: null, redirect: 'manual' });
      for (const line of res.headers.getSetCookie()) {
        const [pair] = line.split(';');
        const eq = pair.indexOf('=');
        const name = pair.slice(0, eq);
        const value = pair.slice(eq + 1);
        if (value && !/Expires=Thu, 01 Jan 1970/.test(line) && !/Max-Age=0/.test(line)) jar.set(name, value);
        else jar.delete(name);
      }
      return res;
    },
    /** An API call with this browser's cookies (as the web SDK sends it). */
    async api(path: string, init: RequestInit = {}) {
      const headers = new Headers(init.headers);
      headers.set('CF-Connecting-IP', ip);
      const session = jar.get(`a_session_${PROJECT}`);
      if (session) headers.set('Cookie', `a_session_${PROJECT}=${session}`);
      return call(path, { ...init, headers });
    },
  };
}
type Browser = ReturnType<typeof browser>;

const account = (over: Partial<FakeAccount> = {}): FakeAccount => ({
  id: String(Math.floor(Math.random() * 1e9)),
  email: `${uniqueId()}@example.com`,
  emailVerified: true,
  name: 'Octo Cat',
  ...over,
});

function startPath(provider: string, opts: { mode?: 'sessions' | 'tokens'; success?: string; failure?: string; scopes?: string[] } = {}) {
  const q = new URLSearchParams({ project: PROJECT });
  q.set('success', opts.success ?? `${APP}/ok`);
  q.set('failure', opts.failure ?? `${APP}/fail`);
  (opts.scopes ?? []).forEach((s, i) => q.set(`scopes[${i}]`, s));
  return `/v1/account/${opts.mode ?? 'sessions'}/oauth2/${provider}?${q}`;
}

/** Starts a sign-in and returns the provider URL Ledge sent the browser to. */
async function start(b: Browser, provider: string, opts: Parameters<typeof startPath>[1] = {}) {
  const res = await b.get(startPath(provider, opts));
  expect(res.status).toBe(301);
  return res.headers.get('Location') ?? '';
}

/** Follows the provider's callback through Ledge's relay and returns Ledge's final answer. */
async function callback(b: Browser, providerReturn: string) {
  const relay = await b.get(providerReturn);
  expect(relay.status).toBe(301);
  const next = relay.headers.get('Location') ?? '';
  expect(new URL(next).pathname).toMatch(/^\/v1\/account\/sessions\/oauth2\/[^/]+\/redirect$/);
  return b.get(next);
}

async function signIn(b: Browser, provider: string, who: FakeAccount, opts: Parameters<typeof startPath>[1] & { deny?: boolean } = {}) {
  const location = await start(b, provider, opts);
  return callback(b, fake.consent(location, who, { deny: opts.deny }));
}

function failureOf(res: Response) {
  expect(res.status).toBe(301);
  const location = new URL(res.headers.get('Location') ?? '');
  expect(`${location.origin}${location.pathname}`).toBe(`${APP}/fail`);
  return JSON.parse(location.searchParams.get('error') ?? '{}') as { type: string; code: number; message: string };
}

async function me(b: Browser) {
  const res = await b.api('/v1/account');
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function identitiesOf(userId: string) {
  return drizzle(env.DB).select().from(identities).where(eq(identities.userId, userId));
}

async function userByEmail(email: string) {
  return drizzle(env.DB).select({ $id: users.id, email: users.email }).from(users).where(eq(users.email, email));
}

/** A user made through the Users API (verified or not) with a signed-in browser. */
async function passwordUser(opts: { verified: boolean; email?: string }) {
  const email = opts.email ?? `${uniqueId()}@example.com`;
  const created = await call('/v1/users', { method: 'POST', key: rootKey(), body: JSON.stringify({ userId: 'unique()', email, password: 'a-good-password', name: '' }) });
  expect(created.status).toBe(201);
  const user = (await created.json()) as { $id: string };
  if (opts.verified) {
    const v = await call(`/v1/users/${user.$id}/verification`, { method: 'PATCH', key: rootKey(), body: JSON.stringify({ emailVerification: true }) });
    expect(v.status).toBe(200);
  }
  return { userId: user.$id, email };
}

async function signInWithPassword(b: Browser, email: string) {
  const res = await b.get('/v1/account/sessions/email?project=' + PROJECT, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email, password: 'a-good-password' }),
  });
  expect(res.status).toBe(201);
}

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
