/**
 * The realtime ACL as a property, inside workerd, against the real stores, routes, realtime sink
 * and hub RPC: random tables (read permissions, rowSecurity), random row writes with random row
 * permissions, random team memberships and labels changing who may read. After every step, the
 * sockets (four users and a guest, each subscribed to `rows`) must have received exactly the row
 * events whose row that socket's user could read with a GET at that moment — after a create or
 * update, before a delete. A delivery to someone who could not read is a leak; a readable event
 * that did not arrive is a loss. Both fail the run.
 */
import { env } from 'cloudflare:workers';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asRoot, call, okJson, signedInUser } from '../../test/helpers';
import type { LedgeEvent } from '../events/event';
import { registerSink } from '../events/publish';
import { uniqueId } from '../lib/ids';
import { deliverRealtime, realtimeSink } from './sink';
import { connect, type Frame, type TestSocket } from './testing/socket';

interface Person {
  name: string;
  userId: string | null;
  get(path: string): Promise<Response>;
  socket: TestSocket;
}

const captured: LedgeEvent[] = [];
let people: Person[] = [];
const teams = [`crew${uniqueId()}`, `ops${uniqueId()}`];
const db = `acl${uniqueId()}`;
/** Memberships made by the run: `${user}:${team}` → membership id. */
const memberships = new Map<string, string>();

/** Hands what the routes published to the realtime sink, waits for the hubs, then for every socket. */
async function flush() {
  await deliverRealtime(env, captured.splice(0));
  await Promise.all(people.map((p) => p.socket.settle()));
}

beforeAll(async () => {
  // The routes' events are held here and delivered by the test, so each step can be awaited.
  registerSink({ name: 'realtime', deliver: async (_env, events) => void captured.push(...events) });
  await okJson(await asRoot('/v1/tablesdb', { method: 'POST', json: { databaseId: db, name: 'ACL' } }), 201);
  for (const teamId of teams) await okJson(await asRoot('/v1/teams', { method: 'POST', json: { teamId, name: teamId } }), 201);
  for (let i = 0; i < 4; i++) {
    const u = await signedInUser({ name: `U${i}` });
    const cookie = `a_session_${env.PROJECT_ID}=${u.cookieValue}`;
    const socket = await connect('', { Cookie: cookie });
    await socket.subscribe(['rows']);
    people.push({ name: `U${i}`, userId: u.user.id, get: (path) => call(path, { headers: { Cookie: cookie } }), socket });
  }
  const guest = await connect();
  await guest.subscribe(['rows']);
  people.push({ name: 'guest', userId: null, get: (path) => call(path), socket: guest });
  captured.length = 0;
});

afterAll(() => {
  registerSink(realtimeSink);
  for (const p of people) p.socket.close();
  people = [];
});

type Op =
  | { kind: 'create'; perms: string[] }
  | { kind: 'update'; perms: string[] | null }
  | { kind: 'delete' }
  | { kind: 'join'; user: number; team: number; admin: boolean }
  | { kind: 'leave'; user: number; team: number }
  | { kind: 'label'; user: number; vip: boolean };

const role = fc.constantFrom('any', 'guests', 'users', 'user:0', 'user:1', 'team:0', 'team:1/admin', 'label:vip');
const roles = fc.uniqueArray(role, { maxLength: 3 });
const user = fc.integer({ min: 0, max: 3 });
const team = fc.integer({ min: 0, max: 1 });
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('create' as const), perms: roles }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('update' as const), perms: fc.option(roles, { nil: null }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('delete' as const) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('join' as const), user, team, admin: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('leave' as const), user, team }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('label' as const), user, vip: fc.boolean() }) },
);

/** `user:0` and `team:1/admin` in the arbitraries name this run's users and teams. */
const concrete = (r: string) => r.replace(/^user:(\d)$/, (_, i) => `user:${people[Number(i)].userId}`).replace(/^team:(\d)/, (_, i) => `team:${teams[Number(i)]}`);
const readPerms = (rs: string[]) => rs.map((r) => `read("${concrete(r)}")`);

async function readers(rowPath: string): Promise<Set<string>> {
  const out = new Set<string>();
  await Promise.all(
    people.map(async (p) => {
      const res = await p.get(rowPath);
      await res.body?.cancel();
      if (res.status === 200) out.add(p.name);
      else expect(res.status, `${p.name} GET ${rowPath}`).toBe(404);
    }),
  );
  return out;
}

/** Who received the event of `action` on `rowId` in `tableId` among the frames since `marks`. */
function receivers(marks: number[], tableId: string, rowId: string, action: string): Set<string> {
  const got = new Set<string>();
  people.forEach((p, i) => {
    const hits = p.socket.frames.slice(marks[i]).filter((f: Frame) => {
      const payload = f.data?.payload as { $id?: string; $tableId?: string } | undefined;
      return f.type === 'event' && payload?.$tableId === tableId && payload.$id === rowId && (f.data!.events as string[])[0].endsWith(`.${action}`);
    });
    expect(hits.length, `${p.name} got ${rowId}.${action} ${hits.length} times`).toBeLessThanOrEqual(1);
    if (hits.length) got.add(p.name);
  });
  return got;
}

async function apply(step: Op, tableId: string, rows: string[]) {
  const base = `/v1/tablesdb/${db}/tables/${tableId}/rows`;
  const marks = people.map((p) => p.socket.frames.length);
  let check: { rowId: string; action: string; allowed: Set<string> } | null = null;
  switch (step.kind) {
    case 'create': {
      const rowId = uniqueId();
      await okJson(await asRoot(base, { method: 'POST', json: { rowId, data: { n: rows.length }, permissions: readPerms(step.perms) } }), 201);
      rows.push(rowId);
      check = { rowId, action: 'create', allowed: await readers(`${base}/${rowId}`) };
      break;
    }
    case 'update': {
      const rowId = rows.at(-1);
      if (!rowId) return;
      const json = step.perms ? { data: { n: 100 }, permissions: readPerms(step.perms) } : { data: { n: 100 } };
      await okJson(await asRoot(`${base}/${rowId}`, { method: 'PATCH', json }));
      check = { rowId, action: 'update', allowed: await readers(`${base}/${rowId}`) };
      break;
    }
    case 'delete': {
      const rowId = rows.pop();
      if (!rowId) return;
      const allowed = await readers(`${base}/${rowId}`);
      expect((await asRoot(`${base}/${rowId}`, { method: 'DELETE' })).status).toBe(204);
      check = { rowId, action: 'delete', allowed };
      break;
    }
    case 'join': {
      const key = `${step.user}:${step.team}`;
      const roles = step.admin ? ['admin'] : [];
      const existing = memberships.get(key);
      if (existing) await okJson(await asRoot(`/v1/teams/${teams[step.team]}/memberships/${existing}`, { method: 'PATCH', json: { roles } }));
      else {
        const m = await okJson<{ $id: string }>(await asRoot(`/v1/teams/${teams[step.team]}/memberships`, { method: 'POST', json: { userId: people[step.user].userId, roles } }), 201);
        memberships.set(key, m.$id);
      }
      break;
    }
    case 'leave': {
      const key = `${step.user}:${step.team}`;
      const existing = memberships.get(key);
      if (!existing) return;
      expect((await asRoot(`/v1/teams/${teams[step.team]}/memberships/${existing}`, { method: 'DELETE' })).status).toBe(204);
      memberships.delete(key);
      break;
    }
    case 'label':
      await okJson(await asRoot(`/v1/users/${people[step.user].userId}/labels`, { method: 'PUT', json: { labels: step.vip ? ['vip'] : [] } }));
      break;
  }
  await flush();
  if (check) {
    const got = receivers(marks, tableId, check.rowId, check.action);
    const leaks = [...got].filter((n) => !check.allowed.has(n));
    const losses = [...check.allowed].filter((n) => !got.has(n));
    expect({ leaks, losses }, `${check.rowId}.${check.action}`).toEqual({ leaks: [], losses: [] });
  }
}

describe('realtime ACL', () => {
  it('every delivered row event is readable by its receiver at that moment, and every readable one arrives', async () => {
    let tables = 0;
    await fc.assert(
      fc.asyncProperty(roles, fc.boolean(), fc.array(op, { minLength: 1, maxLength: 5 }), async (tableRoles, rowSecurity, ops) => {
        const tableId = `t${tables++}`;
        await okJson(await asRoot(`/v1/tablesdb/${db}/tables`, { method: 'POST', json: { tableId, name: tableId, permissions: readPerms(tableRoles), rowSecurity } }), 201);
        await okJson(await asRoot(`/v1/tablesdb/${db}/tables/${tableId}/columns/integer`, { method: 'POST', json: { key: 'n', required: false } }), 202);
        const rows: string[] = [];
        for (const step of ops) await apply(step, tableId, rows);
      }),
      { numRuns: 200, endOnFailure: true },
    );
    expect(tables).toBeGreaterThanOrEqual(200);
  }, 600_000);
});
