import { env } from 'cloudflare:workers';
import { base64url } from 'jose';
import { describe, expect, it } from 'vitest';
import { uniqueId } from '../lib/ids';
import { toAppwriteDate } from '../lib/time';
import { createUser, deleteUser, findUserByEmail, getUser, updateUser, userModel } from './users';
import { hashPassword } from '../lib/password';
import { createSession, findSessionBySecret, listSessions, deleteSession } from './sessions';
import { consumeToken, createToken } from './tokens';
import { publicJwks, signJwt, signingKeys, verifyJwt } from './jwt';

async function newUser(extra: { email?: string } = {}) {
  return createUser(env.DB, { id: uniqueId(), email: extra.email ?? `${uniqueId()}@example.com`, name: 'Test' });
}

async function errorType(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    return (err as { type?: string }).type ?? String(err);
  }
  return 'resolved';
}

describe('users store', () => {
  it('creates, finds by email (case-insensitive), updates search and refuses duplicates', async () => {
    const id = uniqueId();
    const row = await createUser(env.DB, { id, email: 'Mixed.Case@Example.com', name: 'Ann', password: await hashPassword('secret-pass') });
    expect(row.email).toBe('mixed.case@example.com');
    expect(row.search).toBe(`${id} Ann mixed.case@example.com`);
    expect(row.passwordUpdate).not.toBeNull();
    expect((await findUserByEmail(env.DB, 'MIXED.case@example.com'))?.id).toBe(id);
    expect(await errorType(createUser(env.DB, { id: uniqueId(), email: 'mixed.case@example.com' }))).toBe('user_already_exists');
    expect(await errorType(createUser(env.DB, { id, email: 'other@example.com' }))).toBe('user_already_exists');

    const updated = await updateUser(env.DB, id, { name: 'Bea', phone: '+15550001111' });
    expect(updated.search).toBe(`${id} Bea mixed.case@example.com +15550001111`);
    const other = await newUser();
    expect(await errorType(updateUser(env.DB, other.id, { email: 'mixed.case@example.com' }))).toBe('user_email_already_exists');
    expect(await errorType(updateUser(env.DB, 'nobody', { name: 'x' }))).toBe('user_not_found');
  });

  it('shapes the User model, with password fields only on request', async () => {
    const row = await createUser(env.DB, { id: uniqueId(), email: `${uniqueId()}@example.com`, password: await hashPassword('secret-pass') });
    const plain = userModel(row);
    expect(Object.keys(plain)).toEqual([
      '$id', '$createdAt', '$updatedAt', 'name', 'registration', 'status', 'labels', 'passwordUpdate', 'email', 'phone',
      'emailVerification', 'phoneVerification', 'mfa', 'prefs', 'targets', 'accessedAt',
    ]);
    expect(plain).not.toHaveProperty('password');
    const secret = userModel(row, { secrets: true });
    expect(secret).toMatchObject({ hash: 'pbkdf2', hashOptions: { iterations: expect.any(Number) } });
    expect(String(secret.password)).toMatch(/^\$pbkdf2-sha256\$/);
  });

  it('deletes a user with its sessions and tokens', async () => {
    const user = await newUser();
    const { secret } = await createSession(env.DB, { userId: user.id, provider: 'email', factors: ['password'], duration: 3600 }, 10);
    await createToken(env.DB, { userId: user.id, type: 'recovery' });
    await deleteUser(env.DB, user.id);
    expect(await errorType(getUser(env.DB, user.id))).toBe('user_not_found');
    expect(await findSessionBySecret(env.DB, user.id, secret)).toBeNull();
    const left = await env.DB.prepare('SELECT count(*) AS n FROM tokens WHERE user_id = ?').bind(user.id).first<{ n: number }>();
    expect(left?.n).toBe(0);
  });
});

describe('sessions', () => {
  it('stores only a hash and finds the session by user and secret', async () => {
    const user = await newUser();
    const { row, secret } = await createSession(env.DB, { userId: user.id, provider: 'email', factors: ['password'], duration: 3600 }, 10);
    expect(secret).toMatch(/^[0-9a-f]{64}$/);
    expect(row.secretHash).not.toContain(secret);
    expect((await findSessionBySecret(env.DB, user.id, secret))?.id).toBe(row.id);
    expect(await findSessionBySecret(env.DB, 'someone-else', secret)).toBeNull();
    expect(await findSessionBySecret(env.DB, user.id, secret.replace(/.$/, 'x'))).toBeNull();
    await deleteSession(env.DB, user.id, row.id);
    expect(await findSessionBySecret(env.DB, user.id, secret)).toBeNull();
  });

  it('keeps at most SESSION_LIMIT sessions, dropping the oldest', async () => {
    const user = await newUser();
    const made = [];
    for (let i = 0; i < 5; i++) made.push(await createSession(env.DB, { userId: user.id, provider: 'email', factors: [], duration: 3600 }, 3));
    const left = await listSessions(env.DB, user.id);
    expect(left.map((s) => s.id)).toEqual(made.slice(2).map((m) => m.row.id));
    expect(await findSessionBySecret(env.DB, user.id, made[0].secret)).toBeNull();
  });

  it('ignores expired sessions', async () => {
    const user = await newUser();
    const { secret } = await createSession(env.DB, { userId: user.id, provider: 'email', factors: [], duration: 0 }, 10);
    await new Promise((r) => setTimeout(r, 5));
    expect(await findSessionBySecret(env.DB, user.id, secret)).toBeNull();
  });
});

describe('tokens', () => {
  it('works once, only for its user and type', async () => {
    const user = await newUser();
    const { secret } = await createToken(env.DB, { userId: user.id, type: 'email' });
    expect(secret).toMatch(/^\d{6}$/);
    expect(await errorType(consumeToken(env.DB, user.id, secret, ['recovery']))).toBe('user_invalid_token');
    expect(await errorType(consumeToken(env.DB, 'other', secret, ['email']))).toBe('user_invalid_token');
    expect((await consumeToken(env.DB, user.id, secret, ['email'])).userId).toBe(user.id);
    expect(await errorType(consumeToken(env.DB, user.id, secret, ['email']))).toBe('user_invalid_token');
  });

  it('refuses an expired token and leaves it in place', async () => {
    const user = await newUser();
    const { row, secret } = await createToken(env.DB, { userId: user.id, type: 'recovery' });
    await env.DB.prepare('UPDATE tokens SET expire = ? WHERE id = ?').bind(toAppwriteDate(Date.now() - 1000), row.id).run();
    expect(await errorType(consumeToken(env.DB, user.id, secret, ['recovery']))).toBe('user_invalid_token');
    const still = await env.DB.prepare('SELECT id FROM tokens WHERE id = ?').bind(row.id).first();
    expect(still).not.toBeNull();
  });
});

describe('JWTs', () => {
  async function live() {
    const user = await newUser();
    const { row } = await createSession(env.DB, { userId: user.id, provider: 'email', factors: [], duration: 3600 }, 10);
    return { userId: user.id, sessionId: row.id };
  }

  it('round-trips ES256 with the key id, and publishes only the public key', async () => {
    const claims = await live();
    const jwt = await signJwt(env, claims);
    const header = JSON.parse(new TextDecoder().decode(base64url.decode(jwt.split('.')[0])));
    expect(header).toMatchObject({ alg: 'ES256', kid: (await signingKeys(env)).kid });
    expect(await verifyJwt(env, jwt)).toEqual(claims);
    const jwks = await publicJwks(env);
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).not.toHaveProperty('d');
    expect(jwks.keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256' });
  });

  // Forged, tampered and expired tokens are refused over HTTP in test/security/attack-classes.test.ts.

  it('dies with its session', async () => {
    const claims = await live();
    const jwt = await signJwt(env, claims);
    await deleteSession(env.DB, claims.userId, claims.sessionId);
    expect(await errorType(verifyJwt(env, jwt))).toBe('user_jwt_invalid');
  });
});
