import { env } from 'cloudflare:workers';
import { afterEach, beforeAll, beforeEach, expect, vi } from 'vitest';
import { call, rootKey } from '../../../../test/helpers';
import { uniqueId } from '../../../lib/ids';
import { drizzle } from 'drizzle-orm/d1';
import { eq } from 'drizzle-orm';
import { identities, users } from '../../../db/schema';
import { FakeProviders, type FakeAccount } from './fake-providers';

/**
 * Shared steps of the OAuth2 tests (oauth2-*.test.ts). OAuth2 round trips go through the whole Worker, with the providers faked by a stub of the
 * Worker's outbound `fetch` (the Worker runs in the test's isolate): nothing reaches a network.
 */

export const PROJECT = env.PROJECT_ID;
export const APP = 'http://localhost:5173';
export let fake: FakeProviders;
export let ipCounter = 1;


/** A browser: a cookie jar, a fixed IP, and manual redirects so each hop can be inspected. */
export function browser() {
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
export type Browser = ReturnType<typeof browser>;

export const account = (over: Partial<FakeAccount> = {}): FakeAccount => ({
  id: String(Math.floor(Math.random() * 1e9)),
  email: `${uniqueId()}@example.com`,
  emailVerified: true,
  name: 'Octo Cat',
  ...over,
});

export function startPath(provider: string, opts: { mode?: 'sessions' | 'tokens'; success?: string; failure?: string; scopes?: string[] } = {}) {
  const q = new URLSearchParams({ project: PROJECT });
  q.set('success', opts.success ?? `${APP}/ok`);
  q.set('failure', opts.failure ?? `${APP}/fail`);
  (opts.scopes ?? []).forEach((s, i) => q.set(`scopes[${i}]`, s));
  return `/v1/account/${opts.mode ?? 'sessions'}/oauth2/${provider}?${q}`;
}

/** Starts a sign-in and returns the provider URL Ledge sent the browser to. */
export async function start(b: Browser, provider: string, opts: Parameters<typeof startPath>[1] = {}) {
  const res = await b.get(startPath(provider, opts));
  expect(res.status).toBe(301);
  return res.headers.get('Location') ?? '';
}

/** Follows the provider's callback through Ledge's relay and returns Ledge's final answer. */
export async function callback(b: Browser, providerReturn: string) {
  const relay = await b.get(providerReturn);
  expect(relay.status).toBe(301);
  const next = relay.headers.get('Location') ?? '';
  expect(new URL(next).pathname).toMatch(/^\/v1\/account\/sessions\/oauth2\/[^/]+\/redirect$/);
  return b.get(next);
}

export async function signIn(b: Browser, provider: string, who: FakeAccount, opts: Parameters<typeof startPath>[1] & { deny?: boolean } = {}) {
  const location = await start(b, provider, opts);
  return callback(b, fake.consent(location, who, { deny: opts.deny }));
}

export function failureOf(res: Response) {
  expect(res.status).toBe(301);
  const location = new URL(res.headers.get('Location') ?? '');
  expect(`${location.origin}${location.pathname}`).toBe(`${APP}/fail`);
  return JSON.parse(location.searchParams.get('error') ?? '{}') as { type: string; code: number; message: string };
}

export async function me(b: Browser) {
  const res = await b.api('/v1/account');
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

export async function identitiesOf(userId: string) {
  return drizzle(env.DB).select().from(identities).where(eq(identities.userId, userId));
}

export async function userByEmail(email: string) {
  return drizzle(env.DB).select({ $id: users.id, email: users.email }).from(users).where(eq(users.email, email));
}

/** A user made through the Users API (verified or not) with a signed-in browser. */
export async function passwordUser(opts: { verified: boolean; email?: string }) {
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

export async function signInWithPassword(b: Browser, email: string) {
  const res = await b.get('/v1/account/sessions/email?project=' + PROJECT, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email, password: 'a-good-password' }),
  });
  expect(res.status).toBe(201);
}

/** Registers the hooks every test file of this suite needs; call once at the top level. */
export function useFakeProviders() {
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
}
