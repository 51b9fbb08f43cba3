import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import type { Context } from 'hono';
import type { AppEnv } from '../env';
import { readConfig } from '../lib/config';
import { uniqueId } from '../lib/ids';
import { nowDate } from '../lib/time';
import { createUser, updateUser } from './users';
import { jwtAuthenticator, sessionAuthenticator } from './authenticate';
import { encodeSessionValue } from './cookies';
import { signJwt } from './jwt';
import { createSession } from './sessions';

/** The slice of a Hono context an authenticator reads. */
function contextFor(headers: Record<string, string>) {
  const req = new Request('http://ledge.test/v1/account', { headers });
  return {
    req: { raw: req, header: (name: string) => req.headers.get(name) ?? undefined },
    env,
    get: (key: string) => (key === 'config' ? readConfig(env) : undefined),
    executionCtx: { waitUntil() {} },
  } as unknown as Context<AppEnv>;
}

async function membership(userId: string, teamId: string, confirm: boolean, roles: string[]) {
  const now = nowDate();
  const id = uniqueId();
  await env.DB.prepare(
    'INSERT INTO memberships (id, team_id, user_id, roles, invited, joined, confirm, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
  ).bind(id, teamId, userId, JSON.stringify(roles), now, confirm ? now : '', confirm ? 1 : 0, now, now).run();
  return id;
}

async function errorType(p: Promise<unknown>) {
  try {
    await p;
  } catch (err) {
    return (err as { type?: string }).type;
  }
  return 'resolved';
}

describe('session authenticator', () => {
  it('grants the user\'s roles plus confirmed memberships only', async () => {
    const user = await createUser(env.DB, { id: uniqueId(), email: `${uniqueId()}@example.com`, labels: ['vip'] });
    const confirmed = await membership(user.id, 'team-a', true, ['owner']);
    await membership(user.id, 'team-b', false, ['admin']);
    const { row, secret } = await createSession(env.DB, { userId: user.id, provider: 'email', factors: [], duration: 3600 }, 10);
    const cookie = `a_session_${env.PROJECT_ID}=${encodeSessionValue({ id: user.id, secret })}`;
    const principal = await sessionAuthenticator(contextFor({ Cookie: cookie }));
    expect(principal).toMatchObject({ kind: 'user', userId: user.id, sessionId: row.id, via: 'session' });
    expect(principal?.roles).toEqual(
      expect.arrayContaining(['any', 'users', 'users/unverified', `user:${user.id}`, 'label:vip', 'team:team-a', 'team:team-a/owner', `member:${confirmed}`]),
    );
    expect(principal?.roles.some((r) => r.startsWith('team:team-b'))).toBe(false);
    expect(principal?.roles).not.toContain('guests');
  });

  it('ignores a wrong secret or someone else\'s id (guest), and refuses a blocked user', async () => {
    const user = await createUser(env.DB, { id: uniqueId() });
    const { secret } = await createSession(env.DB, { userId: user.id, provider: 'anonymous', factors: [], duration: 3600 }, 10);
    const session = (id: string, s: string) => ({ 'X-Appwrite-Session': encodeSessionValue({ id, secret: s }) });
    expect(await sessionAuthenticator(contextFor(session(user.id, `${secret}0`)))).toBeNull();
    expect(await sessionAuthenticator(contextFor(session('someone-else', secret)))).toBeNull();
    expect(await sessionAuthenticator(contextFor({ 'X-Appwrite-Session': 'garbage' }))).toBeNull();
    await updateUser(env.DB, user.id, { status: false });
    expect(await errorType(sessionAuthenticator(contextFor(session(user.id, secret))))).toBe('user_blocked');
  });

  it('refuses a cookie and a JWT together; a JWT alone works', async () => {
    const user = await createUser(env.DB, { id: uniqueId() });
    const { row, secret } = await createSession(env.DB, { userId: user.id, provider: 'anonymous', factors: [], duration: 3600 }, 10);
    const jwt = await signJwt(env, { userId: user.id, sessionId: row.id });
    const both = contextFor({ 'X-Appwrite-Session': encodeSessionValue({ id: user.id, secret }), 'X-Appwrite-JWT': jwt });
    expect(await errorType(sessionAuthenticator(both))).toBe('user_jwt_and_cookie_set');
    expect(await jwtAuthenticator(contextFor({ 'X-Appwrite-JWT': jwt }))).toMatchObject({ userId: user.id, via: 'jwt' });
    expect(await errorType(jwtAuthenticator(contextFor({ 'X-Appwrite-JWT': `${jwt}x` })))).toBe('user_jwt_invalid');
  });
});
