/**
 * Known BaaS attack classes, through the front door. Each test fails on the vulnerable behaviour:
 * rows the caller cannot read leaking through filters, sorts, counts or cursors (Parse
 * GHSA-72hp-qff8-4pvv); forged JWTs; open redirects in mail links, invites and OAuth2; session
 * fixation; and sign-in enumeration by status or by work done (timing).
 */
import { env } from 'cloudflare:workers';
import { SignJWT, base64url, generateKeyPair } from 'jose';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { encodeSessionValue } from '../../workers/identity/cookies';
import { publicJwks, signingKeys } from '../../workers/identity/jwt';
import { browser, sessionCookieName } from '../browser';
import { call, createUserByKey, errorOf, okJson, rootKey, signedInUser } from '../helpers';

afterEach(() => vi.restoreAllMocks());

const q = (query: object) => `queries[]=${encodeURIComponent(JSON.stringify(query))}`;

describe('rows the caller cannot read stay invisible (Parse GHSA-72hp-qff8-4pvv)', () => {
  it('no filter, sort, count or cursor reveals them', async () => {
    const db = `atk${crypto.randomUUID().slice(0, 8)}`;
    const asRoot = (path: string, json: unknown, method = 'POST') => call(path, { method, key: rootKey(), json });
    await okJson(await asRoot('/v1/tablesdb', { databaseId: db, name: 'A' }), 201);
    // rowSecurity on; the table lets users create, and grants no read: each row is its creator's.
    await okJson(await asRoot(`/v1/tablesdb/${db}/tables`, { tableId: 't', name: 'T', rowSecurity: true, permissions: ['create("users")'] }), 201);
    await okJson(await asRoot(`/v1/tablesdb/${db}/tables/t/columns/string`, { key: 'secret', size: 64, required: false }), 202);
    await okJson(await asRoot(`/v1/tablesdb/${db}/tables/t/columns/integer`, { key: 'n', required: false }), 202);
    const rows = `/v1/tablesdb/${db}/tables/t/rows`;
    const a = await signedInUser();
    const b = await signedInUser();
    await okJson(await a.req(rows, { method: 'POST', json: { rowId: 'a-row', data: { secret: 'hunter2-of-A', n: 42 } } }), 201);
    await okJson(await b.req(rows, { method: 'POST', json: { rowId: 'b-row', data: { secret: 'b-visible', n: 1 } } }), 201);

    const probes = [
      q({ method: 'equal', attribute: 'secret', values: ['hunter2-of-A'] }),
      q({ method: 'startsWith', attribute: 'secret', values: ['hunter'] }),
      q({ method: 'greaterThan', attribute: 'n', values: [41] }),
      q({ method: 'orderDesc', attribute: 'secret' }),
      `${q({ method: 'select', values: ['secret'] })}&${q({ method: 'orderAsc', attribute: 'n' })}`,
    ];
    for (const probe of probes) {
      const res = await b.req(`${rows}?${probe}`);
      const text = await res.text();
      expect(res.status, text).toBe(200);
      expect(text).not.toContain('hunter2');
      expect(text).not.toContain('a-row');
      const body = JSON.parse(text) as { total: number; rows: { $id: string }[] };
      expect(body.total).toBe(body.rows.length);
      expect(body.rows.every((r) => r.$id === 'b-row')).toBe(true);
    }
    // A cursor on A's row is as unknown as a missing one; a direct get is not found.
    const cursor = await errorOf(await b.req(`${rows}?${q({ method: 'cursorAfter', values: ['a-row'] })}`));
    expect(cursor).toMatchObject({ status: 400, type: 'general_cursor_not_found' });
    expect(await errorOf(await b.req(`${rows}/a-row`))).toMatchObject({ status: 404, type: 'row_not_found' });
    // The owner and the root key do see it.
    expect((await okJson<{ total: number }>(await a.req(rows))).total).toBe(1);
    expect((await okJson<{ total: number }>(await call(rows, { key: rootKey() }))).total).toBe(2);
  });
});

describe('forged JWTs are refused over HTTP', () => {
  it('alg none, HS256 signed with the public key, foreign-signed ES256 with our kid, expired, tampered and truncated', async () => {
    const u = await signedInUser();
    const claims = { userId: u.user.id, sessionId: u.sessionId };
    const now = Math.floor(Date.now() / 1000);
    const b64 = (v: unknown) => btoa(JSON.stringify(v)).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
    const ours = await signingKeys(env);
    const pub = (await publicJwks(env)).keys[0];
    const foreign = await generateKeyPair('ES256');
    const good = await new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: ours.kid }).setExpirationTime(now + 600).sign(ours.privateKey);
    const [h, p, sig] = good.split('.');
    const tokens: [string, string][] = [
      ['alg none', `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ ...claims, exp: now + 600 })}.`],
      ['HS256 with the public JWK', await new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setExpirationTime(now + 600).sign(new TextEncoder().encode(JSON.stringify(pub)))],
      ['HS256 with the public key\'s x coordinate', await new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setExpirationTime(now + 600).sign(base64url.decode(String(pub.x)))],
      ['foreign ES256 key, our kid', await new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: ours.kid }).setExpirationTime(now + 600).sign(foreign.privateKey)],
      ['expired', await new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: ours.kid }).setIssuedAt(now - 120).setExpirationTime(now - 60).sign(ours.privateKey)],
      ['tampered payload, genuine signature', `${h}.${b64({ ...claims, userId: 'admin', exp: now + 600 })}.${sig}`],
      ['truncated signature', `${h}.${p}.${sig.slice(0, -4)}AAAA`],
      ['garbage', 'garbage'],
    ];
    for (const [what, jwt] of tokens) {
      const res = await call('/v1/account', { headers: { 'X-Appwrite-JWT': jwt } });
      const text = await res.text();
      expect(res.status, what).toBe(401);
      expect(JSON.parse(text).type, what).toBe('user_jwt_invalid');
      expect(text).not.toContain(u.user.id);
    }
    // The genuine article works, so the refusals above are about the forgery.
    expect((await call('/v1/account', { headers: { 'X-Appwrite-JWT': good } })).status).toBe(200);
  });
});

describe('open redirects', () => {
  const evil = 'https://evil.test/steal';
  const outboxTo = async (to: string) => (await okJson<{ total: number }>(await call(`/v1/mail/outbox?to=${encodeURIComponent(to)}`, { key: rootKey() }))).total;

  it('recovery, magic URL, verification, invites and OAuth2 refuse unregistered targets and send nothing', async () => {
    const user = await createUserByKey({ password: 'a-good-password' });
    const refused = async (res: Response) => expect(await errorOf(res)).toMatchObject({ status: 400, type: 'general_argument_invalid' });
    await refused(await browser().req('/v1/account/recovery', { method: 'POST', json: { email: user.email, url: evil } }));
    await refused(await browser().req('/v1/account/tokens/magic-url', { method: 'POST', json: { userId: 'unique()', email: user.email, url: evil } }));
    const signed = await signedInUser();
    await refused(await signed.req('/v1/account/verification', { method: 'POST', json: { url: evil } }));
    const team = await okJson<{ $id: string }>(await signed.req('/v1/teams', { method: 'POST', json: { teamId: 'unique()', name: 'T' } }), 201);
    await refused(await signed.req(`/v1/teams/${team.$id}/memberships`, { method: 'POST', json: { email: `i${user.email}`, roles: ['member'], url: evil } }));
    for (const mode of ['sessions', 'tokens']) {
      for (const param of ['success', 'failure']) {
        const res = await browser().req(`/v1/account/${mode}/oauth2/github?${param}=${encodeURIComponent(evil)}`, { redirect: 'manual' });
        expect(res.status, `${mode} ${param}`).toBe(400);
        expect(res.headers.get('Location')).toBeNull();
      }
    }
    expect(await outboxTo(user.email)).toBe(0);
    expect(await outboxTo(`i${user.email}`)).toBe(0);
    expect(await outboxTo(signed.user.email ?? '')).toBe(0);
  });
});

describe('session fixation', () => {
  it('a cookie planted before sign-in never becomes the session, and sign-in issues a fresh secret', async () => {
    const email = `${crypto.randomUUID().slice(0, 10)}@example.com`;
    const victim = await okJson<{ $id: string }>(await call('/v1/users', { method: 'POST', key: rootKey(), json: { userId: 'unique()', email, password: 'a-good-password' } }), 201);
    const planted = encodeSessionValue({ id: victim.$id, secret: 'attacker-chosen-secret' });
    const cookie = `${sessionCookieName()}=${planted}`;
    const b = browser({ cookie });
    expect((await b.req('/v1/account')).status).toBe(401);
    const signIn = await b.req('/v1/account/sessions/email', { method: 'POST', json: { email, password: 'a-good-password' } });
    expect(signIn.status).toBe(201);
    expect(b.cookie).not.toBe(cookie);
    expect(b.cookie).not.toContain(planted);
    expect(signIn.headers.get('X-Fallback-Cookies') ?? '').not.toContain(planted);
    // The attacker's copy of the planted cookie still gets nothing.
    expect((await browser({ cookie }).req('/v1/account')).status).toBe(401);
    expect((await b.req('/v1/account')).status).toBe(200);
  });
});

describe('sign-in enumeration', () => {
  it('an unknown email and a wrong password get the same status, body and password-hashing work', async () => {
    const email = `${crypto.randomUUID().slice(0, 10)}@example.com`;
    await okJson(await call('/v1/users', { method: 'POST', key: rootKey(), json: { userId: 'unique()', email, password: 'a-good-password' } }), 201);
    const derive = vi.spyOn(crypto.subtle, 'deriveBits');
    const attempt = async (address: string) => {
      derive.mockClear();
      const res = await browser().req('/v1/account/sessions/email', { method: 'POST', json: { email: address, password: 'wrong-password' } });
      return { status: res.status, body: await res.text(), derivations: derive.mock.calls.length };
    };
    const wrong = await attempt(email);
    const unknown = await attempt(`nobody-${email}`);
    expect(wrong.status).toBe(401);
    expect(unknown).toEqual(wrong);
    // Timing: both paths run one full password derivation (the unknown email checks a dummy hash).
    expect(wrong.derivations).toBeGreaterThan(0);
  });

  it('recovery keeps Appwrite\'s 404 user_not_found for an unknown email (documented in the README)', async () => {
    const res = await browser().req('/v1/account/recovery', { method: 'POST', json: { email: `nobody-${crypto.randomUUID()}@example.com`, url: 'http://localhost/reset' } });
    expect(await errorOf(res)).toMatchObject({ status: 404, type: 'user_not_found' });
  });
});
