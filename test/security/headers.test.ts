/**
 * Issue 10, defect 6: hardening headers on every response, and `Cache-Control: no-store` on every
 * response that carries a secret (sessions, tokens, JWTs, key creation, MFA recovery codes, the
 * fallback cookie header).
 */
import { exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { browser } from '../browser';
import { call, rootKey } from '../helpers';

function expectHardened(res: Response, what: string) {
  expect(res.headers.get('X-Content-Type-Options'), what).toBe('nosniff');
  expect(res.headers.get('Referrer-Policy'), what).toBe('no-referrer');
  expect(res.headers.get('X-Frame-Options'), what).toBe('DENY');
  expect(res.headers.get('Content-Security-Policy'), what).toContain("frame-ancestors 'none'");
}

function expectNoStore(res: Response, what: string) {
  expect(res.headers.get('Cache-Control'), what).toBe('no-store');
}

describe('hardening headers', () => {
  it('are on successes, errors, unknown routes, preflights and redirects; HSTS only over https', async () => {
    const cases: [string, Response][] = [
      ['ping', await call('/v1/ping')],
      ['project error', await call('/v1/account', { project: 'nope' })],
      ['unknown route', await call('/v1/nothing-here')],
      ['bad body', await call('/v1/account', { method: 'POST', body: '{bad' })],
      ['preflight', await call('/v1/account', { method: 'OPTIONS', headers: { Origin: 'http://localhost:3000', 'Access-Control-Request-Method': 'POST' } })],
      ['redirect', await call('/v1/account/sessions/oauth2/github?success=http://localhost/ok', { redirect: 'manual' })],
    ];
    for (const [what, res] of cases) {
      expectHardened(res, what);
      expect(res.headers.get('Strict-Transport-Security'), what).toBeNull();
    }
    const https = await exports.default.fetch(new Request('https://ledge.test/v1/ping'));
    expectHardened(https, 'https');
    expect(https.headers.get('Strict-Transport-Security')).toMatch(/^max-age=\d{8,}/);
  });

  it('keeps a route\'s own cache policy where no secret is involved (the public JWKS)', async () => {
    const res = await call('/v1/.well-known/jwks.json', { project: null });
    expect(res.headers.get('Cache-Control')).toBe('public, max-age=300');
    expectHardened(res, 'jwks');
  });
});

describe('no-store on every response carrying a secret', () => {
  it('sign-in (cookie and X-Fallback-Cookies), JWTs, sessions and tokens made by keys, key creation, MFA secrets and recovery codes', async () => {
    const email = `${crypto.randomUUID().slice(0, 10)}@example.com`;
    const created = await call('/v1/users', { method: 'POST', key: rootKey(), json: { userId: 'unique()', email, password: 'a-good-password' } });
    const userId = ((await created.json()) as { $id: string }).$id;
    const b = browser();
    // A page on another site gets the session in X-Fallback-Cookies.
    const signIn = await b.req('/v1/account/sessions/email', { method: 'POST', json: { email, password: 'a-good-password' }, headers: { Origin: 'http://localhost:5173' } });
    expect(signIn.status).toBe(201);
    expect(signIn.headers.get('X-Fallback-Cookies')).toBeTruthy();
    expectNoStore(signIn, 'sign-in');
    expect(signIn.headers.get('Pragma')).toBe('no-cache');

    const secrets: [string, Response][] = [
      ['jwt', await b.req('/v1/account/jwts', { method: 'POST' })],
      ['totp secret', await b.req('/v1/account/mfa/authenticators/totp', { method: 'POST' })],
      ['recovery codes', await b.req('/v1/account/mfa/recovery-codes', { method: 'POST' })],
      ['session by key', await call(`/v1/users/${userId}/sessions`, { method: 'POST', key: rootKey() })],
      ['token by key', await call(`/v1/users/${userId}/tokens`, { method: 'POST', key: rootKey(), json: {} })],
      ['jwt by key', await call(`/v1/users/${userId}/jwts`, { method: 'POST', key: rootKey(), json: {} })],
      ['key creation', await call('/v1/project/keys', { method: 'POST', key: rootKey(), json: { keyId: 'unique()', name: 'k', scopes: ['users.read'] } })],
      ['outbox', await call('/v1/mail/outbox', { key: rootKey() })],
      ['sign-out', await b.req('/v1/account/sessions/current', { method: 'DELETE' })],
    ];
    for (const [what, res] of secrets) {
      expect(res.status, `${what}: ${res.status}`).toBeLessThan(300);
      expectNoStore(res, what);
      expectHardened(res, what);
    }
  });
});
