import { env, exports } from 'cloudflare:workers';
import { expect } from 'vitest';
import { app } from '../workers/app';
import { encodeSessionValue } from '../workers/identity/cookies';
import { createSession } from '../workers/identity/sessions';
import { createUser, type NewUser } from '../workers/identity/users';
import { uniqueId } from '../workers/lib/ids';
import { parseJsonBig } from '../workers/lib/json-big';
import { browser, sessionCookieName, type Browser } from './browser';

/** `call()` options: a `json` value is sent as the JSON body. */
export type CallInit = RequestInit & { key?: string | null; project?: string | null; json?: unknown };

/** A request to the Worker under test, as an SDK would send it. */
export function call(path: string, init: CallInit = {}) {
  const { key, project, json, ...rest } = init;
  const headers = new Headers(init.headers);
  const body = json !== undefined ? JSON.stringify(json) : init.body;
  if (project !== null) headers.set('X-Appwrite-Project', project ?? env.PROJECT_ID);
  if (key !== undefined && key !== null) headers.set('X-Appwrite-Key', key);
  if (body !== undefined && !headers.has('Content-Type')) headers.set('Content-Type', 'application/json');
  return exports.default.fetch(new Request(`http://ledge.test${path}`, { ...rest, body, headers }));
}

/**
 * `call()` through the app with some bindings replaced (to watch what a request sends on them),
 * resolved once the request's after-commit work (`waitUntil`) has run.
 */
export async function callSettled(path: string, init: CallInit, bindings: Partial<Env>): Promise<Response> {
  const { key, project, json, ...rest } = init;
  const headers = new Headers(init.headers);
  if (project !== null) headers.set('X-Appwrite-Project', project ?? env.PROJECT_ID);
  if (key !== undefined && key !== null) headers.set('X-Appwrite-Key', key);
  if (json !== undefined) headers.set('Content-Type', 'application/json');
  const waits: Promise<unknown>[] = [];
  const ctx = { waitUntil: (p: Promise<unknown>) => void waits.push(p), passThroughOnException() {}, props: {} } as unknown as ExecutionContext;
  const res = await app.request(path, { ...rest, headers, body: json !== undefined ? JSON.stringify(json) : init.body }, { ...env, ...bindings }, ctx);
  await Promise.all(waits);
  return res;
}

export const rootKey = () => env.ROOT_API_KEY;

/** Asserts Appwrite's error shape and returns it. */
export async function errorOf(res: Response) {
  const body = (await res.json()) as { message: string; code: number; type: string; version: string };
  return { status: res.status, ...body };
}

/** Asserts the status (showing the body when it differs) and parses the body, keeping int64 exact. */
export async function okJson<T = Record<string, unknown>>(res: Response, status = 200): Promise<T> {
  const text = await res.text();
  expect(res.status, text).toBe(status);
  return (text ? parseJsonBig(text) : null) as T;
}

// ---- shared fixtures: users, sign-up and sign-in -------------------------------------------------

/** A request with the root key (the Users, Project and schema APIs). */
export const asRoot = (path: string, init: CallInit = {}) => call(path, { ...init, key: rootKey() });

export type ApiUser = Record<string, unknown> & { $id: string; email: string; labels: string[]; hash: string; password: string };

/** A user created through the Users API with the root key (`extra` adds or overrides fields). */
export async function createUserByKey(extra: Record<string, unknown> = {}): Promise<ApiUser> {
  const id = uniqueId();
  const res = await asRoot('/v1/users', { method: 'POST', json: { userId: id, email: `${id}@example.com`, name: 'Ann', ...extra } });
  expect(res.status, 'create user').toBe(201);
  return (await res.json()) as ApiUser;
}

/** A user read back through the Users API. */
export async function getUserByKey(id: string): Promise<ApiUser> {
  const res = await asRoot(`/v1/users/${id}`);
  expect(res.status, 'get user').toBe(200);
  return (await res.json()) as ApiUser;
}

/** A fresh API key holding exactly `scopes`; returns its secret. */
export async function keyWith(scopes: string[]): Promise<string> {
  const res = await asRoot('/v1/project/keys', { method: 'POST', json: { keyId: 'unique()', name: 'scoped', scopes } });
  expect(res.status, 'create key').toBe(201);
  return ((await res.json()) as { secret: string }).secret;
}

/** Signs in with email and password from `b` (a browser of its own by default), expecting 201. */
export async function signIn(email: string, password: string, b: Browser = browser()) {
  const res = await b.req('/v1/account/sessions/email', { method: 'POST', json: { email, password } });
  expect(res.status, 'sign in').toBe(201);
  return { b, session: (await res.json()) as { $id: string; factors: string[] } & Record<string, unknown> };
}

/** Signs up through the Account API and signs in, as an app would: the browser holds the cookie. */
export async function signUp(opts: { password?: string; name?: string } = {}) {
  const b = browser();
  const email = `${uniqueId()}@example.com`;
  const password = opts.password ?? 'a-good-password';
  const created = await b.req('/v1/account', { method: 'POST', json: { userId: 'unique()', email, password, name: opts.name ?? 'Ann' } });
  expect(created.status, 'sign up').toBe(201);
  const userId = ((await created.json()) as { $id: string }).$id;
  const { session } = await signIn(email, password, b);
  return { b, email, address: email, password, userId, session };
}

/**
 * A signed-in user made straight in D1 (no password hashing, so it is fast): the user, its session
 * id and secret, and a browser holding the cookie. `user` sets fields of the new user row.
 */
export async function signedInUser(opts: { name?: string; user?: Partial<NewUser>; factors?: string[] } = {}) {
  const user = await createUser(env.DB, { id: uniqueId(), email: `${uniqueId()}@example.com`, name: opts.name ?? 'Ann', ...opts.user });
  const { row, secret } = await createSession(env.DB, { userId: user.id, provider: 'email', factors: opts.factors ?? ['password'], duration: 3600 }, 10);
  const cookieValue = encodeSessionValue({ id: user.id, secret });
  return { user, sessionId: row.id, secret, cookieValue, ...browser({ cookie: `${sessionCookieName()}=${cookieValue}` }) };
}
