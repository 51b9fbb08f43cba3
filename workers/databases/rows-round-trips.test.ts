/**
 * One D1 round trip per authenticated read: a signed-in getRow, listRows (with `total`, under
 * rowSecurity or not, both APIs) and account.get each make ONE `batch()`, and the caller's
 * credential check (session by secret hash or JWT by session id, unexpired; user; confirmed
 * memberships) rides in it beside the table version and the row SQL. Counted with a D1 binding
 * that records every round trip (test/d1-counter.ts). Revocation still takes effect on the very
 * next request, whatever path it takes.
 */
import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { countingDb, isSessionCheck } from '../../test/d1-counter';
import { asRoot, okJson, signedInUser } from '../../test/helpers';
import { app } from '../app';
import { encodeSessionValue } from '../identity/cookies';
import { signJwt } from '../identity/jwt';
import { insertMembershipStatement, newMembershipRow, runBatch } from '../identity/teams';
import { uniqueId } from '../lib/ids';

const ctx = { waitUntil() {}, passThroughOnException() {}, props: {} } as unknown as ExecutionContext;
const counted = countingDb(env.DB);

/** A request to the app on the counting binding. */
function send(path: string, headers: Record<string, string>) {
  return app.request(path, { headers: { 'X-Appwrite-Project': env.PROJECT_ID, ...headers } }, { ...env, DB: counted.db }, ctx);
}

/** Sends twice (the first warms the isolate's table cache) and returns the second answer with its trips. */
async function measured(path: string, headers: Record<string, string>) {
  await send(path, headers);
  counted.reset();
  const res = await send(path, headers);
  return { res, trips: counted.trips.map((t) => [...t]) };
}

const q = (o: unknown) => `queries[]=${encodeURIComponent(JSON.stringify(o))}`;
const byId = q({ method: 'orderAsc', attribute: '$id' });
const ids = (body: { rows?: { $id: string }[]; documents?: { $id: string }[] }) => (body.rows ?? body.documents ?? []).map((r) => r.$id);
const hasSessionCheck = (trip: string[]) => trip.some(isSessionCheck);
const readsTable = (trip: string[], sqlName: string) => trip.some((sql) => sql.includes(`"${sqlName}"`));

let db: string;
let user: Awaited<ReturnType<typeof signedInUser>>;
let session: Record<string, string>;
let sqlNames: { open: string; secure: string };

beforeAll(async () => {
  db = `rt${uniqueId().slice(0, 10)}`;
  user = await signedInUser();
  session = { 'X-Appwrite-Session': user.cookieValue };
  await okJson(await asRoot('/v1/tablesdb', { method: 'POST', json: { databaseId: db, name: 'Trips' } }), 201);
  // `open`: the table grants read to users; `secure`: rowSecurity, each row's own grants decide.
  for (const [tableId, permissions, rowSecurity] of [['open', ['read("users")'], false], ['secure', [], true]] as const) {
    await okJson(await asRoot(`/v1/tablesdb/${db}/tables`, { method: 'POST', json: { tableId, name: tableId, permissions, rowSecurity } }), 201);
    await okJson(await asRoot(`/v1/tablesdb/${db}/tables/${tableId}/columns/string`, { method: 'POST', json: { key: 'text', size: 50, required: true } }), 202);
  }
  const rows = (t: string) => `/v1/tablesdb/${db}/tables/${t}/rows`;
  await okJson(await asRoot(rows('open'), { method: 'POST', json: { rowId: 'o1', data: { text: 'open' } } }), 201);
  const grants: [string, string[]][] = [['mine', [`read("user:${user.user.id}")`]], ['public', ['read("any")']], ['crew', ['read("team:crew/editor")']], ['theirs', ['read("user:nobody")']]];
  for (const [id, permissions] of grants) await okJson(await asRoot(rows('secure'), { method: 'POST', json: { rowId: id, data: { text: id }, permissions } }), 201);
  const tables = await env.DB.prepare('SELECT id, seq FROM tables WHERE database_id = ?').bind(db).all<{ id: string; seq: number }>();
  const seqOf = (id: string) => tables.results.find((t) => t.id === id)!.seq;
  sqlNames = { open: `t_${seqOf('open')}`, secure: `t_${seqOf('secure')}` };
});

describe('one D1 round trip per authenticated read', () => {
  it('getRow, listRows with total (rowSecurity off and on) and documents: the session check rides in the row batch', async () => {
    const reads: [string, string, string[]][] = [
      [`/v1/tablesdb/${db}/tables/open/rows/o1`, sqlNames.open, []],
      [`/v1/tablesdb/${db}/tables/open/rows?${byId}`, sqlNames.open, ['o1']],
      [`/v1/tablesdb/${db}/tables/secure/rows/mine`, sqlNames.secure, []],
      [`/v1/tablesdb/${db}/tables/secure/rows?${byId}`, sqlNames.secure, ['mine', 'public']],
      [`/v1/databases/${db}/collections/secure/documents?${byId}`, sqlNames.secure, ['mine', 'public']],
      [`/v1/databases/${db}/collections/secure/documents/mine`, sqlNames.secure, []],
    ];
    for (const [path, sqlName, listed] of reads) {
      const { res, trips } = await measured(path, session);
      const body = await okJson<Record<string, unknown>>(res);
      if (listed.length) expect([ids(body), body.total], path).toEqual([listed, listed.length]);
      else expect(body.$id, path).toBe(path.split('/').pop());
      expect(trips, path).toHaveLength(1);
      expect(hasSessionCheck(trips[0]), path).toBe(true);
      expect(readsTable(trips[0], sqlName), path).toBe(true);
    }
  });

  it('account.get: one round trip', async () => {
    const { res, trips } = await measured('/v1/account', session);
    expect((await okJson<{ $id: string }>(res)).$id).toBe(user.user.id);
    expect(trips).toHaveLength(1);
    expect(hasSessionCheck(trips[0])).toBe(true);
  });

  it('JWTs too: the session named by the token is checked in the same batch', async () => {
    const jwt = { 'X-Appwrite-JWT': await signJwt(env, { userId: user.user.id, sessionId: user.sessionId }) };
    for (const path of [`/v1/tablesdb/${db}/tables/secure/rows?${byId}`, `/v1/tablesdb/${db}/tables/secure/rows/mine`, '/v1/account']) {
      const { res, trips } = await measured(path, jwt);
      expect(res.status, path).toBe(200);
      expect(trips, path).toHaveLength(1);
      expect(hasSessionCheck(trips[0]), path).toBe(true);
    }
  });

  it('team roles and labels come from the same batch: a confirmed member with the role sees the team row', async () => {
    const member = await signedInUser({ user: { labels: ['vip'] } });
    const rows = [newMembershipRow({ teamId: 'crew', userId: member.user.id, roles: ['editor'], confirm: true, secretHash: '' })];
    await runBatch(env.DB, rows.map((m) => insertMembershipStatement(env.DB, m)));
    const { res, trips } = await measured(`/v1/tablesdb/${db}/tables/secure/rows?${byId}`, { 'X-Appwrite-Session': member.cookieValue });
    expect(ids(await okJson(res))).toEqual(['crew', 'public']);
    expect(trips).toHaveLength(1);
  });

  it('revocation: a deleted session is a guest on the very next read; its JWT is refused', async () => {
    const victim = await signedInUser();
    const headers = { 'X-Appwrite-Session': victim.cookieValue };
    const jwt = { 'X-Appwrite-JWT': await signJwt(env, { userId: victim.user.id, sessionId: victim.sessionId }) };
    const list = `/v1/tablesdb/${db}/tables/open/rows?${byId}`;
    expect(ids(await okJson(await send(list, headers)))).toEqual(['o1']);
    await env.DB.prepare('DELETE FROM sessions WHERE id = ?').bind(victim.sessionId).run();
    counted.reset();
    const refused = await send(list, headers);
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { type: string }).type).toBe('user_unauthorized');
    expect(counted.trips).toHaveLength(1);
    const secure = await okJson<{ total: number; rows: { $id: string }[] }>(await send(`/v1/tablesdb/${db}/tables/secure/rows?${byId}`, headers));
    expect([ids(secure), secure.total]).toEqual([['public'], 1]);
    expect((await send(`/v1/tablesdb/${db}/tables/open/rows/o1`, headers)).status).toBe(404);
    const ended = await send(list, jwt);
    expect([ended.status, ((await ended.json()) as { type: string }).type]).toEqual([401, 'user_jwt_invalid']);
  });

  it('a blocked user and a session owing its second factor are refused on deferred reads', async () => {
    const blocked = await signedInUser();
    await env.DB.prepare('UPDATE users SET status = 0 WHERE id = ?').bind(blocked.user.id).run();
    const b = await send(`/v1/tablesdb/${db}/tables/open/rows?${byId}`, { 'X-Appwrite-Session': blocked.cookieValue });
    expect([b.status, ((await b.json()) as { type: string }).type]).toEqual([403, 'user_blocked']);

    const held = await signedInUser();
    await env.DB.prepare('UPDATE users SET mfa = 1, email_verification = 1 WHERE id = ?').bind(held.user.id).run();
    const h = await send(`/v1/tablesdb/${db}/tables/secure/rows/mine`, { 'X-Appwrite-Session': held.cookieValue });
    expect([h.status, ((await h.json()) as { type: string }).type]).toEqual([401, 'user_more_factors_required']);
  });

  it('a session cookie naming another user is a guest, not that user', async () => {
    const forged = encodeSessionValue({ id: 'nobody', secret: user.secret });
    const res = await send(`/v1/tablesdb/${db}/tables/secure/rows?${byId}`, { 'X-Appwrite-Session': forged });
    expect(ids(await okJson(res))).toEqual(['public']);
  });
});
