/**
 * The route × principal matrix's machinery: the principals (test/scenario.ts) plus fixtures they
 * act on, outcome classes shared by many routes, and the check that the matrix names exactly the
 * routes the app serves (Hono's `app.routes`).
 */
import { env } from 'cloudflare:workers';
import { expect } from 'vitest';
import { app } from '../../workers/app';
import { createSession } from '../../workers/identity/sessions';
import { encodeSessionValue } from '../../workers/identity/cookies';
import { KEY_SCOPES } from '../../workers/lib/scopes';
import { call, keyWith, rootKey } from '../helpers';
import { principals, runScenario, type Principal, type Scenario } from '../scenario';

export const PRINCIPALS = ['guest', 'userA', 'userB', 'teamMember', 'teamOwner', 'labelled', 'keyWith', 'keyWithout', 'expiredJwt', 'mfaPending'] as const;
export type PrincipalName = (typeof PRINCIPALS)[number];

/** A status, or a status with the Appwrite error type it must carry. */
export type Outcome = number | [number, string];
export type Outcomes = Record<PrincipalName, Outcome>;

export type Fixtures = Awaited<ReturnType<typeof buildFixtures>>;

export interface Entry {
  /** The concrete path (route parameters filled from the fixtures). */
  path: (x: Fixtures) => string;
  /** The key scope the route needs: `keyWith` holds exactly it, `keyWithout` does not. */
  scope: string;
  outcomes: Outcomes;
  json?: (x: Fixtures) => unknown;
  /** Strings that must appear in no principal's response (others' ids, emails, secrets). */
  notContains?: (x: Fixtures) => string[];
  /** The route destroys what the fixtures hold for an allowed caller: fresh fixtures for it. */
  fresh?: boolean;
}

const UNSCOPED: Outcome = [401, 'general_unauthorized_scope'];
const JWT: Outcome = [401, 'user_jwt_invalid'];
const HELD: Outcome = [401, 'user_more_factors_required'];

/** Keys only (Users, Project, schema, health, mail): every user and guest is refused by scope. */
export function keyOnly(ok: Outcome, over: Partial<Outcomes> = {}): Outcomes {
  return {
    guest: UNSCOPED, userA: UNSCOPED, userB: UNSCOPED, teamMember: UNSCOPED, teamOwner: UNSCOPED, labelled: UNSCOPED,
    keyWith: ok, keyWithout: UNSCOPED, expiredJwt: JWT, mfaPending: HELD, ...over,
  };
}

/** The signed-in user's own account: every user gets `ok`, a guest `user_unauthorized`, keys are refused. */
export function ownAccount(ok: Outcome, over: Partial<Outcomes> = {}): Outcomes {
  return {
    guest: [401, 'user_unauthorized'], userA: ok, userB: ok, teamMember: ok, teamOwner: ok, labelled: ok,
    keyWith: UNSCOPED, keyWithout: UNSCOPED, expiredJwt: JWT, mfaPending: HELD, ...over,
  };
}

/** Everyone gets the same answer except the expired JWT and the held session. */
export function everyone(ok: Outcome, over: Partial<Outcomes> = {}): Outcomes {
  return {
    guest: ok, userA: ok, userB: ok, teamMember: ok, teamOwner: ok, labelled: ok,
    keyWith: ok, keyWithout: ok, expiredJwt: JWT, mfaPending: HELD, ...over,
  };
}

const q = (query: object) => encodeURIComponent(JSON.stringify(query));

/**
 * Principals plus what they act on: a database `db` with a table `t` (rowSecurity off; read for
 * users, create for users, update for the team, delete for label vip) holding row `r1`, user B's
 * session, a second session of user A (so routes that end a session never end the one the
 * matrix uses), and user A's presence `presenceOfA` (only A may read, change or delete it).
 */
export async function buildFixtures() {
  const p = await principals();
  const db = `mx${crypto.randomUUID().slice(0, 8)}`;
  const root = (path: string, json: unknown, method = 'POST') => call(path, { method, key: rootKey(), json });
  const must = async (res: Promise<Response>) => expect((await res).status).toBeLessThan(300);
  await must(root('/v1/tablesdb', { databaseId: db, name: 'Matrix' }));
  const T = p.teamOwner.teamId;
  await must(root(`/v1/tablesdb/${db}/tables`, { tableId: 't', name: 'T', permissions: ['read("users")', 'create("users")', `update("team:${T}")`, 'delete("label:vip")'] }));
  await must(root(`/v1/tablesdb/${db}/tables/t/columns/integer`, { key: 'n', required: false }));
  await must(root(`/v1/tablesdb/${db}/tables/t/indexes`, { key: 'by_n', type: 'key', columns: ['n'] }));
  await must(root(`/v1/tablesdb/${db}/tables/t/rows`, { rowId: 'r1', data: { n: 1 } }));
  const spare = await createSession(env.DB, { userId: p.userA.userId, provider: 'email', factors: ['password'], duration: 3600 }, 10);
  const secret = `secret-${crypto.randomUUID()}`;
  // User A's presence, readable, changeable and deletable by A only (the default permissions).
  const presenceOfA = `mxp${crypto.randomUUID().slice(0, 8)}`;
  await must(call(`/v1/presences/${presenceOfA}`, { method: 'PUT', headers: p.userA.headers, json: { status: 'online' } }));
  // User A's open database transaction (only A may see, stage into, commit or drop it).
  const txRes = await call('/v1/tablesdb/transactions', { method: 'POST', headers: p.userA.headers, json: {} });
  expect(txRes.status).toBe(201);
  const transactionOfA = ((await txRes.json()) as { $id: string }).$id;
  return { p, db, T, transactionOfA, spareSessionOfA: spare.row.id, spareCookieOfA: encodeSessionValue({ id: p.userA.userId, secret: spare.secret }), secret, q, presenceOfA };
}

const keyCache = new Map<string, string>();
async function keyHolding(scopes: string[]): Promise<string> {
  const id = scopes.join(',');
  if (!keyCache.has(id)) keyCache.set(id, await keyWith(scopes));
  return keyCache.get(id)!;
}

export async function principalFor(name: PrincipalName, x: Fixtures, scope: string): Promise<Principal> {
  const p = x.p;
  switch (name) {
    case 'keyWith':
      // A scope no key can hold (`account`, `public`): the best a key can do is hold some other one.
      if (!(KEY_SCOPES as readonly string[]).includes(scope)) return { label: `key (no key holds ${scope})`, headers: { 'X-Appwrite-Key': await keyHolding(['users.read']) } };
      return { label: `key with ${scope}`, headers: { 'X-Appwrite-Key': await keyHolding([scope]) } };
    case 'keyWithout':
      return { label: `key without ${scope}`, headers: { 'X-Appwrite-Key': await keyHolding([scope === 'health.read' ? 'users.read' : 'health.read']) } };
    default:
      return p[name];
  }
}

/** `METHOD /path` for every route the app serves, as Hono lists them. */
export function servedRoutes(): string[] {
  return [...new Set(app.routes.filter((r) => r.method !== 'ALL').map((r) => `${r.method} ${r.path}`))].sort();
}

/** The matrix must name exactly the served routes: a new route without an entry fails here. */
export function assertCoversRoutes(matrix: Record<string, unknown>, pending: readonly string[]) {
  const served = servedRoutes();
  const named = new Set([...Object.keys(matrix), ...pending]);
  expect(served.filter((r) => !named.has(r)), 'routes without a matrix entry').toEqual([]);
  expect([...named].filter((r) => !served.includes(r)), 'matrix entries for routes the app does not serve').toEqual([]);
}

/** Runs one route's entry for every principal. */
export async function runEntry(route: string, entry: Entry, shared: () => Promise<Fixtures>) {
  const x = entry.fresh ? await buildFixtures() : await shared();
  const method = route.split(' ')[0];
  const forbidden = entry.notContains?.(x) ?? [];
  for (const name of PRINCIPALS) {
    const outcome = entry.outcomes[name];
    const [status, type] = Array.isArray(outcome) ? outcome : [outcome, undefined];
    const s: Scenario = {
      name: `${route} as ${name}`,
      as: await principalFor(name, x, entry.scope),
      method,
      path: entry.path(x),
      status,
      type,
      notContains: forbidden,
    };
    if (entry.json) s.json = entry.json(x);
    else if (method !== 'GET' && method !== 'DELETE') s.json = {};
    await runScenario(s);
  }
}
