/**
 * A signed-in row create in ONE D1 round trip (rows-create.ts): the credential check rides in the
 * create's own batch and the INSERT is conditioned in SQL on it. Every way the caller can fail
 * the check — a deleted or expired session, a blocked user, an MFA hold, no create role, a
 * permission it may not grant, a membership removed between requests — is refused with the
 * error the caller got before, and writes nothing. Counted with test/d1-counter.ts.
 */
import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { countingDb, isSessionCheck } from '../../test/d1-counter';
import { asRoot, okJson, signedInUser } from '../../test/helpers';
import { app } from '../app';
import { eventsWanted } from '../events/subscribers';
import { signJwt } from '../identity/jwt';
import { insertMembershipStatement, newMembershipRow, runBatch } from '../identity/teams';
import { uniqueId } from '../lib/ids';
import { authorizationMessage } from '../lib/permissions-container';
import { userPrincipal } from '../lib/principal';

const ctx = { waitUntil() {}, passThroughOnException() {}, props: {} } as unknown as ExecutionContext;
const counted = countingDb(env.DB);

let db: string;
const sqlName: Record<string, string> = {};
const rowsPath = (table: string, api: 'tablesdb' | 'databases' = 'tablesdb') =>
  api === 'tablesdb' ? `/v1/tablesdb/${db}/tables/${table}/rows` : `/v1/databases/${db}/collections/${table}/documents`;

/** A create through the app on the counting binding; `trips` are this request's round trips. */
async function create(table: string, headers: Record<string, string>, body: Record<string, unknown> = {}, api: 'tablesdb' | 'databases' = 'tablesdb') {
  const json = { [api === 'tablesdb' ? 'rowId' : 'documentId']: body.id ?? uniqueId(), data: { text: 'hello' }, ...body };
  delete json.id;
  counted.reset();
  const res = await app.request(
    rowsPath(table, api),
    { method: 'POST', headers: { 'X-Appwrite-Project': env.PROJECT_ID, 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(json) },
    { ...env, DB: counted.db },
    ctx,
  );
  const text = await res.text();
  return { status: res.status, body: JSON.parse(text) as Record<string, unknown>, trips: counted.trips.map((t) => [...t]), id: String(json.rowId ?? json.documentId) };
}

/** The row and its permission rows, straight from D1: what the create wrote. */
async function stored(table: string, id: string) {
  const t = sqlName[table];
  const row = await env.DB.prepare(`SELECT _seq FROM "${t}" WHERE _uid = ?`).bind(id).first<{ _seq: number }>();
  const perms = row ? await env.DB.prepare(`SELECT count(*) AS n FROM "${t}_perms" WHERE _seq = ?`).bind(row._seq).first<{ n: number }>() : null;
  return { row: !!row, perms: perms?.n ?? 0 };
}

const session = (u: { cookieValue: string }) => ({ 'X-Appwrite-Session': u.cookieValue });
const hasSessionCheck = (trip: string[]) => trip.some(isSessionCheck);
const inserts = (trip: string[], table: string) => trip.some((sql) => sql.startsWith(`INSERT INTO "${sqlName[table]}"`));

/** Refused, with exactly `expected` (status, type, message), and nothing written. */
async function refused(table: string, headers: Record<string, string>, expected: { status: number; type: string; message?: string }, body: Record<string, unknown> = {}) {
  const res = await create(table, headers, body);
  expect({ status: res.status, type: res.body.type }).toEqual({ status: expected.status, type: expected.type });
  if (expected.message) expect(res.body.message).toBe(expected.message);
  expect(await stored(table, res.id)).toEqual({ row: false, perms: 0 });
  // Refused by the SQL itself, in the first trip: the INSERT rode there and wrote nothing to undo.
  expect(inserts(res.trips[0], table) && hasSessionCheck(res.trips[0])).toBe(true);
  expect(res.trips.flat().filter((sql) => sql.startsWith('DELETE'))).toEqual([]);
  return res;
}

beforeAll(async () => {
  db = `cr${uniqueId().slice(0, 10)}`;
  await okJson(await asRoot('/v1/tablesdb', { method: 'POST', json: { databaseId: db, name: 'Creates' } }), 201);
  const tables: [string, string[]][] = [
    ['users', ['create("users")', 'read("users")']],
    ['crew', ['create("team:crew/editor")']],
    ['anyone', ['create("any")']],
    ['readonly', ['read("users")']],
  ];
  for (const [tableId, permissions] of tables) {
    await okJson(await asRoot(`/v1/tablesdb/${db}/tables`, { method: 'POST', json: { tableId, name: tableId, permissions, rowSecurity: false } }), 201);
    await okJson(await asRoot(`/v1/tablesdb/${db}/tables/${tableId}/columns/string`, { method: 'POST', json: { key: 'text', size: 50, required: true } }), 202);
  }
  const seqs = await env.DB.prepare('SELECT id, seq FROM tables WHERE database_id = ?').bind(db).all<{ id: string; seq: number }>();
  for (const t of seqs.results) sqlName[t.id] = `t_${t.seq}`;
  // Warm the isolate's table cache: the one-round-trip path runs on a cached definition.
  const warm = await signedInUser();
  for (const [tableId] of tables) await create(tableId, session(warm));
  // And its copy of the event subscriptions (events/subscribers.ts), read after its first fast create.
  await eventsWanted(env, [], 0);
});

describe('row create: the credential check rides in the write batch', () => {
  it('a signed-in create is ONE round trip: session check and INSERT together; the row carries its default permissions', async () => {
    const user = await signedInUser();
    for (const api of ['tablesdb', 'databases'] as const) {
      const res = await create('users', session(user), {}, api);
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      expect(res.body.$permissions).toEqual([`read("user:${user.user.id}")`, `update("user:${user.user.id}")`, `delete("user:${user.user.id}")`]);
      expect(res.trips).toHaveLength(1);
      expect(hasSessionCheck(res.trips[0]) && inserts(res.trips[0], 'users')).toBe(true);
      expect(await stored('users', res.id)).toEqual({ row: true, perms: 3 });
    }
  });

  it('a JWT too; and permissions the caller holds are granted in the same trip', async () => {
    const user = await signedInUser();
    const jwt = { 'X-Appwrite-JWT': await signJwt(env, { userId: user.user.id, sessionId: user.sessionId }) };
    const res = await create('users', jwt, { permissions: ['read("users")', `update("user:${user.user.id}")`] });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.$permissions).toEqual(['read("users")', `update("user:${user.user.id}")`]);
    expect(res.trips).toHaveLength(1);
    expect(await stored('users', res.id)).toEqual({ row: true, perms: 2 });
  });

  it('a deleted or expired session is a guest: refused as a guest is, nothing written', async () => {
    const guestRefusal = { status: 401, type: 'user_unauthorized', message: authorizationMessage({ kind: 'guest', roles: ['any', 'guests'], scopes: new Set() }, ['users'], 'create') };
    const deleted = await signedInUser();
    await env.DB.prepare('DELETE FROM sessions WHERE id = ?').bind(deleted.sessionId).run();
    await refused('users', session(deleted), guestRefusal);
    const expired = await signedInUser();
    await env.DB.prepare("UPDATE sessions SET expire = '2000-01-01T00:00:00.000+00:00' WHERE id = ?").bind(expired.sessionId).run();
    await refused('users', session(expired), guestRefusal);
    // The same answer as a request with no credential at all (resolved before the handler).
    const anonymous = await create('users', {});
    expect({ status: anonymous.status, type: anonymous.body.type, message: anonymous.body.message }).toEqual(guestRefusal);
    // Its JWT is refused outright.
    const jwt = { 'X-Appwrite-JWT': await signJwt(env, { userId: deleted.user.id, sessionId: deleted.sessionId }) };
    await refused('users', jwt, { status: 401, type: 'user_jwt_invalid' });
  });

  it('a blocked user and a session owing its second factor are refused, nothing written', async () => {
    const blocked = await signedInUser();
    await env.DB.prepare('UPDATE users SET status = 0 WHERE id = ?').bind(blocked.user.id).run();
    await refused('users', session(blocked), { status: 403, type: 'user_blocked' });
    const mfaOn = (u: { user: { id: string } }, set = 'mfa = 1, email_verification = 1') => env.DB.prepare(`UPDATE users SET ${set} WHERE id = ?`).bind(u.user.id).run();
    const held = await signedInUser();
    await mfaOn(held);
    await refused('users', session(held), { status: 401, type: 'user_more_factors_required' });
    // A verified TOTP authenticator is a second factor too.
    const totp = await signedInUser();
    await mfaOn(totp, 'mfa = 1');
    await env.DB.prepare("INSERT INTO mfa_authenticators (id, user_id, type, secret, verified, created_at, updated_at) VALUES (?, ?, 'totp', 'x', 1, '', '')").bind(uniqueId(), totp.user.id).run();
    await refused('users', session(totp), { status: 401, type: 'user_more_factors_required' });
    // Two factors on the session, or MFA on with nothing to challenge: not held.
    const through = await signedInUser({ factors: ['password', 'email'] });
    await mfaOn(through);
    const alone = await signedInUser();
    await mfaOn(alone, 'mfa = 1');
    for (const u of [through, alone]) expect((await create('users', session(u))).status).toBe(201);
  });

  it('a stranger without the table\'s create role is refused with Appwrite\'s message, nothing written', async () => {
    const stranger = await signedInUser();
    const roles = userPrincipal({ id: stranger.user.id, emailVerification: false, phoneVerification: false, labels: [], memberships: [] }, 's', 'session').roles;
    const message = (granted: string[]) => authorizationMessage({ kind: 'guest', roles, scopes: new Set() }, granted, 'create');
    await refused('crew', session(stranger), { status: 401, type: 'user_unauthorized', message: message(['team:crew/editor']) });
    await refused('readonly', session(stranger), { status: 401, type: 'user_unauthorized', message: message([]) });
  });

  it('permissions naming a role the caller lacks are refused, nothing written', async () => {
    const user = await signedInUser();
    const roles = ['any', 'users', 'users/unverified', `user:${user.user.id}`, `user:${user.user.id}/unverified`];
    for (const permissions of [['read("user:someone-else")'], ['read("users")', 'delete("team:crew")'], ['read("guests")']]) {
      await refused('users', session(user), { status: 401, type: 'user_unauthorized', message: `Permissions must be one of: (${roles.join(', ')})` }, { permissions });
    }
  });

  it('team roles come from the live memberships: a member creates; removed between requests, it is refused and nothing is written', async () => {
    const member = await signedInUser();
    const membership = newMembershipRow({ teamId: 'crew', userId: member.user.id, roles: ['editor'], confirm: true, secretHash: '' });
    await runBatch(env.DB, [insertMembershipStatement(env.DB, membership)]);
    const ok = await create('crew', session(member), { permissions: ['read("team:crew/editor")', `read("member:${membership.id}")`] });
    expect(ok.status, JSON.stringify(ok.body)).toBe(201);
    expect(ok.trips).toHaveLength(1);
    await env.DB.prepare('DELETE FROM memberships WHERE id = ?').bind(membership.id).run();
    await refused('crew', session(member), { status: 401, type: 'user_unauthorized' });
    // An unconfirmed membership grants nothing either.
    await runBatch(env.DB, [insertMembershipStatement(env.DB, { ...membership, id: uniqueId(), confirm: false })]);
    await refused('crew', session(member), { status: 401, type: 'user_unauthorized' });
  });

  it('what the SQL refuses but the principal may do is decided again: a dead session on a create("any") table creates as a guest', async () => {
    const gone = await signedInUser();
    await env.DB.prepare('DELETE FROM sessions WHERE id = ?').bind(gone.sessionId).run();
    const res = await create('anyone', session(gone));
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.$permissions).toEqual([]);
  });

  it('a changed table definition, a duplicate id and a bad body answer as before', async () => {
    const user = await signedInUser();
    const first = await create('users', session(user));
    expect(first.status).toBe(201);
    const dup = await create('users', session(user), { id: first.id });
    expect([dup.status, dup.body.type]).toEqual([409, 'row_already_exists']);
    const missing = await create('users', session(user), { data: {} });
    expect([missing.status, missing.body.type]).toEqual([400, 'row_missing_data']);
    const invalid = await create('users', session(user), { data: { text: 7 } });
    expect([invalid.status, invalid.body.type]).toEqual([400, 'row_invalid_structure']);
    // The table stops granting create to users: the cached definition is stale, and the guard sees it.
    await okJson(await asRoot(`/v1/tablesdb/${db}/tables/users`, { method: 'PUT', json: { name: 'users', permissions: ['read("users")'], rowSecurity: false } }));
    await refused('users', session(user), { status: 401, type: 'user_unauthorized' });
    await okJson(await asRoot(`/v1/tablesdb/${db}/tables/users`, { method: 'PUT', json: { name: 'users', permissions: ['create("users")', 'read("users")'], rowSecurity: false } }));
    expect((await create('users', session(user))).status).toBe(201);
    const again = await create('users', session(user));
    expect([again.status, again.trips.length]).toEqual([201, 1]);
  });
});
