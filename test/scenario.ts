import { env } from 'cloudflare:workers';
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { signingKeys } from '../workers/identity/jwt';
import { createTeam, insertMembershipStatement, newMembershipRow, recountStatement } from '../workers/identity/teams';
import { uniqueId } from '../workers/lib/ids';
import { call, keyWith, rootKey, signedInUser, type CallInit } from './helpers';

/**
 * Table-driven API scenarios, after PocketBase's `tests.ApiScenario`: one request per row, made as
 * a named principal, with the expected status, error type, and body parts that must or must not
 * appear. The route × principal matrix is a list of these.
 *
 *   runScenarios('GET /v1/teams/:id', async () => {
 *     const p = await principals();
 *     const team = p.teamOwner.teamId;
 *     return [
 *       { name: 'owner reads', as: p.teamOwner, path: `/v1/teams/${team}`, status: 200, contains: [{ $id: team }] },
 *       { name: 'stranger refused', as: p.userB, path: `/v1/teams/${team}`, status: 404, type: 'team_not_found', notContains: [team] },
 *     ];
 *   });
 */

/** Who makes a request: the headers that make the Worker see that caller. */
export interface Principal {
  label: string;
  headers: Record<string, string>;
}

export interface Scenario {
  name: string;
  as: Principal;
  method?: string;
  path: string;
  json?: unknown;
  headers?: Record<string, string>;
  status: number;
  /** Appwrite error type expected in the body (`user_unauthorized`, …). */
  type?: string;
  /** Each part must appear: a string in the body text, or an object the JSON body matches (toMatchObject). */
  contains?: (string | Record<string, unknown>)[];
  /** Strings that must not appear anywhere in the body (ids, secrets, emails of others). */
  notContains?: string[];
}

/** Runs one scenario and returns the response body text. */
export async function runScenario(s: Scenario): Promise<string> {
  const init: CallInit = { method: s.method ?? 'GET', headers: { ...s.as.headers, ...s.headers } };
  if (s.json !== undefined) init.json = s.json;
  const res = await call(s.path, init);
  // Bytes, decoded here: `.text()` on an image body makes workerd print a warning per response.
  const text = new TextDecoder().decode(await res.arrayBuffer());
  const where = `${s.method ?? 'GET'} ${s.path} as ${s.as.label}`;
  expect(res.status, `${where}: ${text.slice(0, 300)}`).toBe(s.status);
  if (s.type) expect((JSON.parse(text) as { type?: string }).type, where).toBe(s.type);
  for (const part of s.contains ?? []) {
    if (typeof part === 'string') expect(text, where).toContain(part);
    else expect(JSON.parse(text), where).toMatchObject(part);
  }
  for (const part of s.notContains ?? []) expect(text, `${where} must not show ${part}`).not.toContain(part);
  return text;
}

/** A describe block with one test per scenario; `build` runs once (principals, fixtures) before them. */
export function runScenarios(title: string, build: () => Promise<Scenario[]>): void {
  describe(title, () => {
    it.each([0])('scenarios', async () => {
      const scenarios = await build();
      expect(scenarios.length).toBeGreaterThan(0);
      for (const s of scenarios) await runScenario(s);
    });
  });
}

const sessionHeaders = (cookieValue: string, ip = '') => ({ 'X-Appwrite-Session': cookieValue, ...(ip ? { 'CF-Connecting-IP': ip } : {}) });

/** A signed-in user as a principal (its session in `X-Appwrite-Session`), with its ids. */
async function userPrincipal(label: string, opts: Parameters<typeof signedInUser>[0] = {}) {
  const u = await signedInUser(opts);
  return { label, userId: u.user.id, sessionId: u.sessionId, email: u.user.email ?? '', headers: sessionHeaders(u.cookieValue, u.ip) };
}

/** A JWT for `userId`'s session that expired a minute ago (signed with the real key). */
async function expiredJwt(userId: string, sessionId: string): Promise<string> {
  const keys = await signingKeys(env);
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ userId, sessionId })
    .setProtectedHeader({ alg: 'ES256', typ: 'JWT', kid: keys.kid })
    .setIssuedAt(now - 120)
    .setExpirationTime(now - 60)
    .sign(keys.privateKey);
}

/**
 * The principals of the security matrix, fresh for each call: a guest; users A and B; a team owner
 * and a confirmed member of the same team (`teamId`); a user labelled `vip`; the root key; a key
 * with `scopes` and one with none; an expired JWT of user A; and a session still owing its second
 * factor (MFA on, verified email, one factor).
 */
export async function principals(opts: { scopes?: string[] } = {}) {
  const [userA, userB, teamOwner, teamMember, labelled, mfaPending] = await Promise.all([
    userPrincipal('user A'),
    userPrincipal('user B'),
    userPrincipal('team owner'),
    userPrincipal('team member'),
    userPrincipal('labelled user (vip)', { user: { labels: ['vip'] } }),
    userPrincipal('MFA-pending session', { user: { emailVerification: true }, factors: ['password'] }),
  ]);
  await env.DB.prepare('UPDATE users SET mfa = 1 WHERE id = ?').bind(mfaPending.userId).run();
  const teamId = uniqueId();
  await createTeam(env.DB, { id: teamId, name: 'Matrix', creator: { userId: teamOwner.userId, roles: ['owner'] } });
  await insertMembershipStatement(env.DB, newMembershipRow({ teamId, userId: teamMember.userId, roles: ['member'], confirm: true, secretHash: '' }));
  await recountStatement(env.DB, teamId);
  const [scopedKey, unscopedKey, jwt] = await Promise.all([keyWith(opts.scopes ?? ['users.read']), keyWith(['health.read']), expiredJwt(userA.userId, userA.sessionId)]);
  return {
    guest: { label: 'guest', headers: {} } as Principal,
    userA,
    userB,
    teamOwner: { ...teamOwner, teamId },
    teamMember: { ...teamMember, teamId },
    labelled,
    rootKey: { label: 'root key', headers: { 'X-Appwrite-Key': rootKey() } } as Principal,
    scopedKey: { label: `key with ${(opts.scopes ?? ['users.read']).join(', ')}`, headers: { 'X-Appwrite-Key': scopedKey } } as Principal,
    unscopedKey: { label: 'key without the scope', headers: { 'X-Appwrite-Key': unscopedKey } } as Principal,
    expiredJwt: { label: 'expired JWT', headers: { 'X-Appwrite-JWT': jwt } } as Principal,
    mfaPending,
  };
}
