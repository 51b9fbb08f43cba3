/**
 * Production limits guarded inside workerd. The PBKDF2 ceiling is enforced for every unit test by
 * production-limits.setup.ts (as Workers enforce it); this file proves the guard bites and that
 * Ledge's own password paths stay under it. The bundle size and LIKE guards are Node-side
 * (node/production-guards.node.ts); the LIKE runtime check is like-limit.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { PBKDF2_ITERATIONS, PBKDF2_MAX_ITERATIONS, hashPassword, verifyPassword } from '../../workers/lib/password';
import { browser } from '../browser';
import { call, rootKey } from '../helpers';
import { PBKDF2_PRODUCTION_MAX } from './production-limits.setup';

describe('PBKDF2 iterations (Workers refuse more than 100,000)', () => {
  it('the guard refuses what production refuses', async () => {
    const key = await crypto.subtle.importKey('raw', new TextEncoder().encode('pw'), 'PBKDF2', false, ['deriveBits']);
    const params = (iterations: number) => ({ name: 'PBKDF2', hash: 'SHA-256', salt: new Uint8Array(16), iterations });
    await expect(crypto.subtle.deriveBits(params(PBKDF2_PRODUCTION_MAX + 1), key, 256)).rejects.toThrow(/above 100000/);
    await expect(crypto.subtle.deriveBits(params(PBKDF2_PRODUCTION_MAX), key, 256)).resolves.toBeInstanceOf(ArrayBuffer);
  });

  it('Ledge hashes at or under the ceiling and refuses stored hashes above it without deriving', async () => {
    expect(PBKDF2_ITERATIONS).toBeLessThanOrEqual(PBKDF2_PRODUCTION_MAX);
    expect(PBKDF2_MAX_ITERATIONS).toBeLessThanOrEqual(PBKDF2_PRODUCTION_MAX);
    const stored = await hashPassword('a-good-password');
    expect(await verifyPassword('a-good-password', stored)).toMatchObject({ ok: true });
    const inflated = { ...stored, password: stored.password.replace(`i=${PBKDF2_ITERATIONS}`, `i=${PBKDF2_PRODUCTION_MAX + 1}`) };
    expect(await verifyPassword('a-good-password', inflated)).toEqual({ ok: false, needsRehash: false });
  });

  it('sign-up, sign-in and a password change all run under the guard', async () => {
    const email = `${crypto.randomUUID().slice(0, 10)}@example.com`;
    const b = browser();
    expect((await b.req('/v1/account', { method: 'POST', json: { userId: 'unique()', email, password: 'a-good-password' } })).status).toBe(201);
    expect((await b.req('/v1/account/sessions/email', { method: 'POST', json: { email, password: 'a-good-password' } })).status).toBe(201);
    expect((await b.req('/v1/account/password', { method: 'PATCH', json: { password: 'another-good-one', oldPassword: 'a-good-password' } })).status).toBe(200);
    const created = await call('/v1/users', { method: 'POST', key: rootKey(), json: { userId: 'unique()', email: `k${email}`, password: 'a-good-password' } });
    expect(created.status).toBe(201);
  });
});
