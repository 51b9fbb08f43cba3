/**
 * The route × principal matrix, generated from the app's route table: every route Hono serves
 * must have an entry here (or sit in PENDING), and each entry says what every principal gets —
 * guest, users A and B, a team member and owner, a labelled user, a key with and without the
 * route's scope, an expired JWT and a session still owing MFA — plus strings no response may show.
 *
 * HOW TO ADD YOUR ROUTES (storage, functions, realtime, databases, admin, …):
 *  1. Run this file: the first test lists your routes as "routes without a matrix entry".
 *  2. Add one entry per route, keyed `METHOD /path` exactly as listed: `path` fills the route's
 *     parameters from the fixtures (add yours to `buildFixtures` in matrix-harness.ts), `scope`
 *     is the key scope the route requires, `outcomes` comes from a class (`keyOnly`, `ownAccount`,
 *     `everyone`) with overrides for the principals that differ. Expect refusals for everyone who
 *     is not entitled; for an entitled caller on a destructive route, target something that does
 *     not exist (a 404 proves the caller got past authorisation) or set `fresh: true`.
 *  3. Bodies default to `{}`: an entitled caller then gets a 400 from validation, which is fine.
 */
import { describe, it } from 'vitest';
import { rootKey } from '../helpers';
import { PROJECT_MATRIX } from './matrix-project';
import { assertCoversRoutes, buildFixtures, everyone, keyOnly, ownAccount, runEntry, type Entry, type Fixtures, type Outcome } from './matrix-harness';

/** Routes not in the matrix yet (keep short; each needs an entry soon). */
const PENDING: readonly string[] = [];

const BAD = [400, 'general_argument_invalid'] as const;
const none = 'no-such-id';
const secrets = (x: Fixtures) => [rootKey(), x.p.userB.headers['X-Appwrite-Session'], x.spareCookieOfA];
const users = (x: Fixtures) => `/v1/users/${x.p.userB.userId}`;
const db = (x: Fixtures, flavor: 'tablesdb' | 'databases' = 'tablesdb') => `/v1/${flavor}/${x.db}`;
const table = (x: Fixtures, flavor: 'tablesdb' | 'databases' = 'tablesdb') => `${db(x, flavor)}/${flavor === 'tablesdb' ? 'tables' : 'collections'}/t`;
const rows = (x: Fixtures, flavor: 'tablesdb' | 'databases' = 'tablesdb') => `${table(x, flavor)}/${flavor === 'tablesdb' ? 'rows' : 'documents'}`;
const bad = [...BAD] as [number, string];

/** Presence routes: `owner` for user A and keys with the scope, `others` for every other user; guests have no presence scopes. */
function presenceOutcomes(owner: number | [number, string], others: number | [number, string], over: Partial<Record<string, number | [number, string]>> = {}) {
  return everyone(others, { guest: [401, 'general_unauthorized_scope'], userA: owner, keyWith: owner, keyWithout: [401, 'general_unauthorized_scope'], ...over });
}

/** Users API routes: keys with the scope only. */
function usersRoute(path: (x: Fixtures) => string, scope: 'users.read' | 'users.write', ok: number | [number, string]): Entry {
  return { path, scope, outcomes: keyOnly(ok), notContains: secrets };
}

/** Schema admin routes (databases, tables, columns, indexes) for both flavors. */
function schemaRoutes(flavor: 'tablesdb' | 'databases'): Record<string, Entry> {
  const base = `/v1/${flavor}`;
  const dbParam = `${base}/:databaseId{(?!transactions$|specifications$)[^/]+}`;
  const [tables, columns] = flavor === 'tablesdb' ? ['tables', 'columns'] : ['collections', 'attributes'];
  const s = (what: string, rw: 'read' | 'write') => `${flavor === 'tablesdb' ? what : { tables: 'collections', columns: 'attributes' }[what] ?? what}.${rw}`;
  const tPath = `${base}/:databaseId/${tables}/:tableId`;
  const e = (path: (x: Fixtures) => string, scope: string, ok: number | [number, string]): Entry => ({ path, scope, outcomes: keyOnly(ok), notContains: secrets });
  return {
    [`GET ${base}`]: e(() => base, s('databases', 'read'), 200),
    [`POST ${base}`]: e(() => base, s('databases', 'write'), bad),
    [`GET ${dbParam}`]: e((x) => db(x, flavor), s('databases', 'read'), 200),
    [`PUT ${dbParam}`]: e((x) => db(x, flavor), s('databases', 'write'), 200),
    [`DELETE ${dbParam}`]: e(() => `${base}/${none}`, s('databases', 'write'), 404),
    [`GET ${base}/:databaseId/${tables}`]: e((x) => `${db(x, flavor)}/${tables}`, s('tables', 'read'), 200),
    [`POST ${base}/:databaseId/${tables}`]: e((x) => `${db(x, flavor)}/${tables}`, s('tables', 'write'), bad),
    [`GET ${tPath}`]: e((x) => table(x, flavor), s('tables', 'read'), 200),
    [`PUT ${tPath}`]: e((x) => table(x, flavor), s('tables', 'write'), 200),
    [`DELETE ${tPath}`]: e((x) => `${db(x, flavor)}/${tables}/${none}`, s('tables', 'write'), 404),
    [`GET ${tPath}/${columns}`]: e((x) => `${table(x, flavor)}/${columns}`, s('columns', 'read'), 200),
    [`POST ${tPath}/${columns}/:type`]: e((x) => `${table(x, flavor)}/${columns}/integer`, s('columns', 'write'), bad),
    [`PATCH ${tPath}/${columns}/:type/:key`]: e((x) => `${table(x, flavor)}/${columns}/integer/n`, s('columns', 'write'), bad),
    [`POST ${tPath}/${columns}/relationship`]: e((x) => `${table(x, flavor)}/${columns}/relationship`, s('columns', 'write'), bad),
    ...(flavor === 'tablesdb'
      ? { [`PATCH ${tPath}/${columns}/:key/relationship`]: e((x) => `${table(x, flavor)}/${columns}/${none}/relationship`, s('columns', 'write'), 404) }
      : { [`PATCH ${tPath}/${columns}/relationship/:key`]: e((x) => `${table(x, flavor)}/${columns}/relationship/${none}`, s('columns', 'write'), 404) }),
    [`GET ${tPath}/${columns}/:key`]: e((x) => `${table(x, flavor)}/${columns}/n`, s('columns', 'read'), 200),
    [`DELETE ${tPath}/${columns}/:key`]: e((x) => `${table(x, flavor)}/${columns}/${none}`, s('columns', 'write'), 404),
    [`GET ${tPath}/indexes`]: e((x) => `${table(x, flavor)}/indexes`, s('indexes', 'read'), 200),
    [`POST ${tPath}/indexes`]: e((x) => `${table(x, flavor)}/indexes`, s('indexes', 'write'), bad),
    [`GET ${tPath}/indexes/:key`]: e((x) => `${table(x, flavor)}/indexes/by_n`, s('indexes', 'read'), 200),
    [`DELETE ${tPath}/indexes/:key`]: e((x) => `${table(x, flavor)}/indexes/${none}`, s('indexes', 'write'), 404),
  };
}

/**
 * Row routes for both flavors on table `t`: read for users, create for users, update for the
 * team (owner and member), delete for label vip; bulk routes are for keys only.
 */
/** Teams: guests hold no teams scope (Appwrite's guest role), users may call, keys need the scope. */
function teamRoute(path: (x: Fixtures) => string, scope: 'teams.read' | 'teams.write', stranger: number | [number, string], over: Partial<Record<string, number | [number, string]>>): Entry {
  return { path, scope, outcomes: ownAccount(stranger, { guest: [401, 'general_unauthorized_scope'], ...over }), notContains: secrets };
}

function rowRoutes(flavor: 'tablesdb' | 'databases'): Record<string, Entry> {
  const [tables, list, idParam] = flavor === 'tablesdb' ? ['tables', 'rows', 'rowId'] : ['collections', 'documents', 'documentId'];
  const base = `/v1/${flavor}/:databaseId/${tables}/:tableId/${list}`;
  const read = `${list}.read`.replace('rows', 'rows');
  const [r, w] = [`${flavor === 'tablesdb' ? 'rows' : 'documents'}.read`, `${flavor === 'tablesdb' ? 'rows' : 'documents'}.write`];
  const userErr = [401, 'user_unauthorized'] as [number, string];
  const signedIn = (ok: number | [number, string], over = {}) => ownAccount(ok, { guest: userErr, keyWith: 200, keyWithout: [401, 'general_unauthorized_scope'], ...over });
  const bulk = (ok: number | [number, string]) => keyOnly(ok, { guest: [401, 'general_unauthorized_scope'] });
  void read;
  const notFound = [404, flavor === 'tablesdb' ? 'row_not_found' : 'document_not_found'] as [number, string];
  // Every write changes the value: a write that changes nothing needs only read (Appwrite's rule).
  const change = () => Math.floor(Math.random() * 1e9);
  return {
    [`GET ${base}`]: { path: (x) => rows(x, flavor), scope: r, outcomes: signedIn(200), notContains: secrets },
    // Ledge extension: aggregates over what a list would show (a guest, refused the list, is refused here too).
    [`GET /v1/${flavor}/:databaseId/${tables}/:tableId/aggregate`]: { path: (x) => `${table(x, flavor)}/aggregate?metrics[]=count&metrics[]=sum:n`, scope: r, outcomes: signedIn(200) },
    [`POST ${base}`]: { path: (x) => rows(x, flavor), scope: w, json: () => ({ [idParam]: 'unique()', data: { n: 2 } }), outcomes: signedIn(201, { keyWith: 201 }), notContains: secrets },
    [`PUT ${base}`]: { path: (x) => rows(x, flavor), scope: w, json: () => ({ [list]: [{ $id: 'unique()', n: 1 }] }), outcomes: bulk(200), notContains: secrets },
    [`PATCH ${base}`]: { path: (x) => rows(x, flavor), scope: w, json: () => ({ data: { n: 3 }, queries: [`{"method":"equal","attribute":"$id","values":["${none}"]}`] }), outcomes: bulk(200), notContains: secrets },
    [`DELETE ${base}`]: { path: (x) => rows(x, flavor), scope: w, json: () => ({ queries: [`{"method":"equal","attribute":"$id","values":["${none}"]}`] }), outcomes: bulk(200), notContains: secrets },
    // Unreadable is not found, as in Appwrite.
    [`GET ${base}/:rowId`]: { path: (x) => `${rows(x, flavor)}/r1`, scope: r, outcomes: signedIn(200, { guest: notFound }), notContains: secrets },
    [`PUT ${base}/:rowId`]: {
      path: (x) => `${rows(x, flavor)}/r1`, scope: w, json: () => ({ data: { n: change() } }),
      outcomes: signedIn(userErr, { teamMember: 200, teamOwner: 200, keyWith: 200 }), notContains: secrets,
    },
    [`PATCH ${base}/:rowId`]: {
      path: (x) => `${rows(x, flavor)}/r1`, scope: w, json: () => ({ data: { n: change() } }),
      outcomes: signedIn(userErr, { teamMember: 200, teamOwner: 200, keyWith: 200 }), notContains: secrets,
    },
    [`DELETE ${base}/:rowId`]: {
      path: (x) => `${rows(x, flavor)}/${none}`, scope: w,
      outcomes: signedIn(notFound, { guest: notFound, keyWith: 404 }), notContains: secrets,
    },
    [`PATCH ${base}/:rowId/:column/:direction{increment|decrement}`]: {
      path: (x) => `${rows(x, flavor)}/r1/n/increment`, scope: w, json: () => ({ value: 1 }),
      outcomes: signedIn(userErr, { teamMember: 200, teamOwner: 200, keyWith: 200 }), notContains: secrets,
    },
  };
}

/** Transactions: a caller's own (guests own none); someone else's is not found, whoever asks. */
function transactionRoutes(flavor: 'tablesdb' | 'databases'): Record<string, Entry> {
  const base = `/v1/${flavor}/transactions`;
  const [r, w] = flavor === 'tablesdb' ? ['rows.read', 'rows.write'] : ['documents.read', 'documents.write'];
  const guest = [401, 'user_unauthorized'] as [number, string];
  const gone = [404, 'transaction_not_found'] as [number, string];
  const own = (ok: number, over = {}) => ownAccount(ok, { guest, keyWith: ok, ...over });
  const onlyA = (ok: number) => ownAccount(gone, { guest: gone, keyWith: gone, userA: ok });
  const one = (x: Fixtures) => `${base}/${x.transactionOfA}`;
  return {
    [`GET ${base}`]: { path: () => base, scope: r, outcomes: own(200) },
    [`POST ${base}`]: { path: () => base, scope: w, json: () => ({ ttl: 60 }), outcomes: own(201) },
    [`GET ${base}/:transactionId`]: { path: one, scope: r, outcomes: onlyA(200) },
    [`POST ${base}/:transactionId/operations`]: { path: (x) => `${one(x)}/operations`, scope: w, json: (x) => ({ operations: [{ action: 'create', databaseId: x.db, tableId: 't', rowId: 'unique()', data: { n: 1 } }] }), outcomes: onlyA(201) },
    [`PATCH ${base}/:transactionId`]: { path: one, scope: w, json: () => ({ rollback: true }), outcomes: onlyA(200), fresh: true },
    [`DELETE ${base}/:transactionId`]: { path: one, scope: w, outcomes: onlyA(204), fresh: true },
  };
}

const MATRIX: Record<string, Entry> = {
  // Platform
  // The OAuth2 relay answers before the project and principal are resolved: the same 400 for all.
  ...Object.fromEntries(['GET', 'POST'].map((m) => [`${m} /v1/account/sessions/oauth2/callback/:provider/:projectId`, {
    path: () => '/v1/account/sessions/oauth2/callback/github/local', scope: 'public', outcomes: everyone(400),
  } as Entry])),
  'GET /v1/ping': { path: () => '/v1/ping', scope: 'public', outcomes: everyone(200) },
  'GET /v1/.well-known/jwks.json': { path: () => '/v1/.well-known/jwks.json', scope: 'public', outcomes: everyone(200), notContains: () => ['"d"'] },
  ...Object.fromEntries(['', '/db', '/storage', '/storage/local', '/queue', '/time'].map((p) => [`GET /v1/health${p}`, { path: () => `/v1/health${p}`, scope: 'health.read', outcomes: keyOnly(200) } as Entry])),
  // Public before any credential is read: even an expired JWT or a held session gets the version.
  'GET /v1/health/version': { path: () => '/v1/health/version', scope: 'public', outcomes: everyone(200, { expiredJwt: 200, mfaPending: 200 }) },

  // Avatars and Locale: guests and users hold avatars.read / locale.read (Appwrite's roles); keys need the scope.
  ...Object.fromEntries(([
    ['initials', '/v1/avatars/initials?name=M&width=20&height=20', 200],
    ['qr', '/v1/avatars/qr?text=m&size=40', 200],
    ['flags/:code', '/v1/avatars/flags/fr?width=20&height=20', 200],
    ['browsers/:code', '/v1/avatars/browsers/ch?width=20&height=20', 200],
    ['credit-cards/:code', '/v1/avatars/credit-cards/visa?width=20&height=20', 200],
    // Nobody reaches a loopback target, the root key included.
    ['image', `/v1/avatars/image?url=${encodeURIComponent('http://127.0.0.1/a.png')}`, [404, 'avatar_remote_url_failed']],
    ['favicon', `/v1/avatars/favicon?url=${encodeURIComponent('http://169.254.169.254/')}`, [404, 'avatar_remote_url_failed']],
  ] as const).map(([route, path, ok]) => [`GET /v1/avatars/${route}`, {
    path: () => path, scope: 'avatars.read', outcomes: everyone(ok as Outcome, { keyWithout: [401, 'general_unauthorized_scope'] }),
  } as Entry])),
  ...Object.fromEntries(['', '/codes', '/continents', '/countries', '/countries/eu', '/countries/phones', '/currencies', '/languages'].map((p) => [`GET /v1/locale${p}`, {
    path: () => `/v1/locale${p}`, scope: 'locale.read', outcomes: everyone(200, { keyWithout: [401, 'general_unauthorized_scope'] }),
  } as Entry])),
  'GET /v1/mail/outbox': { path: () => '/v1/mail/outbox', scope: 'mail.read', outcomes: keyOnly(200) },
  'GET /v1/project/keys': { path: () => '/v1/project/keys', scope: 'keys.read', outcomes: keyOnly(200), notContains: secrets },
  'POST /v1/project/keys': { path: () => '/v1/project/keys', scope: 'keys.write', outcomes: keyOnly(bad) },
  'GET /v1/project/keys/:keyId': { path: () => `/v1/project/keys/${none}`, scope: 'keys.read', outcomes: keyOnly(404) },
  'PUT /v1/project/keys/:keyId': { path: () => `/v1/project/keys/${none}`, scope: 'keys.write', outcomes: keyOnly(bad) },
  'DELETE /v1/project/keys/:keyId': { path: () => `/v1/project/keys/${none}`, scope: 'keys.write', outcomes: keyOnly(404) },

  // Users (server keys)
  'GET /v1/users': usersRoute(() => '/v1/users', 'users.read', 200),
  'POST /v1/users': usersRoute(() => '/v1/users', 'users.write', bad),
  ...Object.fromEntries(['argon2', 'bcrypt', 'md5', 'phpass', 'sha', 'scrypt', 'scrypt-modified'].map((h) => [`POST /v1/users/${h}`, usersRoute(() => `/v1/users/${h}`, 'users.write', bad)])),
  'GET /v1/users/identities': usersRoute(() => '/v1/users/identities', 'users.read', 200),
  'DELETE /v1/users/identities/:identityId': usersRoute(() => `/v1/users/identities/${none}`, 'users.write', 404),
  'GET /v1/users/:userId': usersRoute(users, 'users.read', 200),
  'DELETE /v1/users/:userId': usersRoute(() => `/v1/users/${none}`, 'users.write', 404),
  ...Object.fromEntries(['name', 'email', 'phone', 'password', 'status', 'verification', 'verification/phone', 'prefs', 'mfa'].map((f) => [`PATCH /v1/users/:userId/${f}`, usersRoute((x) => `${users(x)}/${f}`, 'users.write', bad)])),
  'PUT /v1/users/:userId/labels': usersRoute((x) => `${users(x)}/labels`, 'users.write', bad),
  'GET /v1/users/:userId/prefs': usersRoute(users, 'users.read', 200),
  'GET /v1/users/:userId/sessions': usersRoute((x) => `${users(x)}/sessions`, 'users.read', 200),
  'POST /v1/users/:userId/sessions': usersRoute(() => `/v1/users/${none}/sessions`, 'users.write', 404),
  'DELETE /v1/users/:userId/sessions': usersRoute(() => `/v1/users/${none}/sessions`, 'users.write', 404),
  'DELETE /v1/users/:userId/sessions/:sessionId': usersRoute((x) => `${users(x)}/sessions/${none}`, 'users.write', 404),
  'POST /v1/users/:userId/tokens': usersRoute(() => `/v1/users/${none}/tokens`, 'users.write', 404),
  'POST /v1/users/:userId/jwts': usersRoute(() => `/v1/users/${none}/jwts`, 'users.write', 404),
  'GET /v1/users/:userId/logs': usersRoute((x) => `${users(x)}/logs`, 'users.read', 200),
  'GET /v1/users/:userId/memberships': usersRoute((x) => `${users(x)}/memberships`, 'users.read', 200),
  'GET /v1/users/:userId/mfa/factors': usersRoute((x) => `${users(x)}/mfa/factors`, 'users.read', 200),
  'DELETE /v1/users/:userId/mfa/authenticators/:type': usersRoute(() => `/v1/users/${none}/mfa/authenticators/totp`, 'users.write', 404),
  'GET /v1/users/:userId/mfa/recovery-codes': usersRoute(() => `/v1/users/${none}/mfa/recovery-codes`, 'users.read', 404),
  'PATCH /v1/users/:userId/mfa/recovery-codes': usersRoute(() => `/v1/users/${none}/mfa/recovery-codes`, 'users.write', 404),
  'PUT /v1/users/:userId/mfa/recovery-codes': usersRoute(() => `/v1/users/${none}/mfa/recovery-codes`, 'users.write', 404),

  // Account: the caller's own account
  'GET /v1/account': { path: () => '/v1/account', scope: 'account', outcomes: ownAccount(200), notContains: secrets },
  'GET /v1/account/prefs': { path: () => '/v1/account/prefs', scope: 'account', outcomes: ownAccount(200) },
  ...Object.fromEntries(['prefs', 'name', 'email', 'phone', 'password', 'mfa'].map((f) => [`PATCH /v1/account/${f}`, { path: () => `/v1/account/${f}`, scope: 'account', outcomes: ownAccount(bad), notContains: secrets } as Entry])),
  // Blocks the caller's own account (Appwrite's updateStatus): fresh fixtures.
  'PATCH /v1/account/status': { path: () => '/v1/account/status', scope: 'account', outcomes: ownAccount(200), fresh: true },
  'GET /v1/account/identities': { path: () => '/v1/account/identities', scope: 'account', outcomes: ownAccount(200) },
  'DELETE /v1/account/identities/:identityId': { path: () => `/v1/account/identities/${none}`, scope: 'account', outcomes: ownAccount([404, 'user_identity_not_found']) },
  'GET /v1/account/logs': { path: () => '/v1/account/logs', scope: 'account', outcomes: ownAccount(200), notContains: secrets },
  'GET /v1/account/sessions': { path: () => '/v1/account/sessions', scope: 'account', outcomes: ownAccount(200), notContains: secrets },
  'DELETE /v1/account/sessions': { path: () => '/v1/account/sessions', scope: 'account', outcomes: ownAccount(204, { mfaPending: [401, 'user_more_factors_required'] }), fresh: true },
  'GET /v1/account/sessions/:sessionId': { path: (x) => `/v1/account/sessions/${x.p.userB.sessionId}`, scope: 'account', outcomes: ownAccount([404, 'user_session_not_found'], { userB: 200 }) },
  'PATCH /v1/account/sessions/:sessionId': { path: (x) => `/v1/account/sessions/${x.p.userB.sessionId}`, scope: 'account', outcomes: ownAccount([404, 'user_session_not_found'], { userB: 200 }) },
  'DELETE /v1/account/sessions/:sessionId': { path: (x) => `/v1/account/sessions/${x.spareSessionOfA}`, scope: 'account', outcomes: ownAccount([404, 'user_session_not_found'], { userA: 204, mfaPending: [404, 'user_session_not_found'] }) },
  'POST /v1/account/jwts': { path: () => '/v1/account/jwts', scope: 'account', outcomes: ownAccount(201) },
  'POST /v1/account/jwt': { path: () => '/v1/account/jwt', scope: 'account', outcomes: ownAccount(201) },
  'POST /v1/account/mfa/authenticators/:type': { path: () => '/v1/account/mfa/authenticators/nope', scope: 'account', outcomes: ownAccount(bad) },
  'PUT /v1/account/mfa/authenticators/:type': { path: () => '/v1/account/mfa/authenticators/nope', scope: 'account', outcomes: ownAccount(bad) },
  'DELETE /v1/account/mfa/authenticators/:type': { path: () => '/v1/account/mfa/authenticators/nope', scope: 'account', outcomes: ownAccount(bad) },
  'POST /v1/account/mfa/recovery-codes': { path: () => '/v1/account/mfa/recovery-codes', scope: 'account', outcomes: ownAccount(201), fresh: true },
  // Reading or regenerating recovery codes needs a challenge passed in the last minutes.
  'PATCH /v1/account/mfa/recovery-codes': { path: () => '/v1/account/mfa/recovery-codes', scope: 'account', outcomes: ownAccount([401, 'user_challenge_required']) },
  'GET /v1/account/mfa/recovery-codes': { path: () => '/v1/account/mfa/recovery-codes', scope: 'account', outcomes: ownAccount([401, 'user_challenge_required']) },
  'GET /v1/account/mfa/factors': { path: () => '/v1/account/mfa/factors', scope: 'account', outcomes: ownAccount(200, { mfaPending: 200 }) },
  ...Object.fromEntries(['challenges', 'challenge'].flatMap((c) => [
    [`POST /v1/account/mfa/${c}`, { path: () => `/v1/account/mfa/${c}`, scope: 'account', outcomes: ownAccount(bad, { mfaPending: bad }) } as Entry],
    [`PUT /v1/account/mfa/${c}`, { path: () => `/v1/account/mfa/${c}`, scope: 'account', outcomes: ownAccount(bad, { mfaPending: bad }) } as Entry],
  ])),

  // Account: signing in and tokens (guests; a signed-in caller already has a session)
  ...Object.fromEntries([
    ['POST /v1/account', '/v1/account'],
    ['POST /v1/account/sessions/email', '/v1/account/sessions/email'],
    ['POST /v1/account/sessions', '/v1/account/sessions'],
    ['POST /v1/account/sessions/token', '/v1/account/sessions/token'],
    ['PUT /v1/account/sessions/magic-url', '/v1/account/sessions/magic-url'],
    ['PUT /v1/account/sessions/phone', '/v1/account/sessions/phone'],
    ['POST /v1/account/tokens/email', '/v1/account/tokens/email'],
    ['POST /v1/account/tokens/magic-url', '/v1/account/tokens/magic-url'],
    ['POST /v1/account/sessions/magic-url', '/v1/account/sessions/magic-url'],
    ['POST /v1/account/recovery', '/v1/account/recovery'],
    ['PUT /v1/account/recovery', '/v1/account/recovery'],
  ].map(([route, path]) => [route, { path: () => path, scope: 'sessions.write', outcomes: everyone(bad, { keyWith: bad, keyWithout: [401, 'general_unauthorized_scope'] }), notContains: secrets } as Entry])),
  'POST /v1/account/sessions/anonymous': { path: () => '/v1/account/sessions/anonymous', scope: 'sessions.write', outcomes: everyone([401, 'user_session_already_exists'], { guest: 201, keyWith: 201, keyWithout: [401, 'general_unauthorized_scope'] }) },
  ...Object.fromEntries(['PUT /v1/account/verifications/email', 'PUT /v1/account/verification'].map((route) => [route, {
    path: () => route.slice(4), scope: 'public', outcomes: everyone(bad, { keyWith: [401, 'general_unauthorized_scope'], keyWithout: [401, 'general_unauthorized_scope'] }),
  } as Entry])),
  'POST /v1/account/verifications/email': { path: () => '/v1/account/verifications/email', scope: 'account', outcomes: ownAccount(bad) },
  'POST /v1/account/verification': { path: () => '/v1/account/verification', scope: 'account', outcomes: ownAccount(bad) },
  ...Object.fromEntries([
    ['GET /v1/account/sessions/oauth2/:provider', '/v1/account/sessions/oauth2/github?success=https://evil.test/'],
    ['GET /v1/account/tokens/oauth2/:provider', '/v1/account/tokens/oauth2/github?success=https://evil.test/'],
  ].map(([route, path]) => [route, { path: () => path, scope: 'sessions.write', outcomes: everyone(400, { keyWithout: [401, 'general_unauthorized_scope'] }) } as Entry])),

  // The browser's landing step of an OAuth2 sign-in (public): a bad state is a 400 for anyone.
  'GET /v1/account/sessions/oauth2/:provider/redirect': { path: () => '/v1/account/sessions/oauth2/github/redirect', scope: 'public', outcomes: everyone(400) },

  // Teams: T is owned by teamOwner, with teamMember as a confirmed member
  'GET /v1/teams': { ...teamRoute(() => '/v1/teams', 'teams.read', 200, { keyWith: 200 }) },
  'POST /v1/teams': { ...teamRoute(() => '/v1/teams', 'teams.write', bad, { keyWith: bad }) },
  'GET /v1/teams/:teamId': { ...teamRoute((x) => `/v1/teams/${x.T}`, 'teams.read', [404, 'team_not_found'], { teamOwner: 200, teamMember: 200, keyWith: 200 }) },
  'PUT /v1/teams/:teamId': { json: () => ({ name: 'Renamed' }), ...teamRoute((x) => `/v1/teams/${x.T}`, 'teams.write', [404, 'team_not_found'], { teamOwner: 200, teamMember: [401, 'user_unauthorized'], keyWith: 200 }) },
  'DELETE /v1/teams/:teamId': { ...teamRoute((x) => `/v1/teams/${x.T}`, 'teams.write', [404, 'team_not_found'], { teamOwner: 204, teamMember: [401, 'user_unauthorized'], keyWith: 404 }), fresh: true },
  'GET /v1/teams/:teamId/prefs': { ...teamRoute((x) => `/v1/teams/${x.T}/prefs`, 'teams.read', [404, 'team_not_found'], { teamOwner: 200, teamMember: 200, keyWith: 200 }) },
  'PUT /v1/teams/:teamId/prefs': { json: () => ({ prefs: { k: 1 } }), ...teamRoute((x) => `/v1/teams/${x.T}/prefs`, 'teams.write', [404, 'team_not_found'], { teamOwner: 200, teamMember: [401, 'user_unauthorized'], keyWith: 200 }) },
  'GET /v1/teams/:teamId/memberships': { ...teamRoute((x) => `/v1/teams/${x.T}/memberships`, 'teams.read', [404, 'team_not_found'], { teamOwner: 200, teamMember: 200, keyWith: 200 }) },
  'POST /v1/teams/:teamId/memberships': { json: () => ({ roles: ['member'], email: `${crypto.randomUUID().slice(0, 8)}@example.com`, url: 'http://localhost/join' }), ...teamRoute((x) => `/v1/teams/${x.T}/memberships`, 'teams.write', [404, 'team_not_found'], { teamOwner: 201, teamMember: [401, 'user_unauthorized'], keyWith: 201 }) },
  'GET /v1/teams/:teamId/memberships/:membershipId': { ...teamRoute((x) => `/v1/teams/${x.T}/memberships/${none}`, 'teams.read', [404, 'team_not_found'], { teamOwner: [404, 'membership_not_found'], teamMember: [404, 'membership_not_found'], keyWith: 404 }) },
  'PATCH /v1/teams/:teamId/memberships/:membershipId': { json: () => ({ roles: ['member'] }), ...teamRoute((x) => `/v1/teams/${x.T}/memberships/${none}`, 'teams.write', [404, 'team_not_found'], { teamOwner: 404, teamMember: 404, keyWith: 404 }) },
  'PATCH /v1/teams/:teamId/memberships/:membershipId/status': { path: (x) => `/v1/teams/${x.T}/memberships/${none}/status`, scope: 'public', outcomes: everyone(bad, { keyWith: [401, 'general_unauthorized_scope'], keyWithout: [401, 'general_unauthorized_scope'] }) },
  // A membership that exists nowhere: 404 for every user, whatever their standing in T.
  'DELETE /v1/teams/:teamId/memberships/:membershipId': { ...teamRoute((x) => `/v1/teams/${x.T}/memberships/${none}`, 'teams.write', 404, { keyWith: 404 }) },

  // Storage: buckets and file tokens are for keys; files are for callers the bucket lets in. The
  // bucket `none` does not exist, so an entitled caller's 404 shows it got past authorisation.
  // Per-bucket and per-file permissions are matrixed in workers/storage (bucket/file permission matrix).
  'GET /v1/storage/buckets': { path: () => '/v1/storage/buckets', scope: 'buckets.read', outcomes: keyOnly(200), notContains: secrets },
  'POST /v1/storage/buckets': { path: () => '/v1/storage/buckets', scope: 'buckets.write', outcomes: keyOnly(bad) },
  'GET /v1/storage/buckets/:bucketId': { path: () => `/v1/storage/buckets/${none}`, scope: 'buckets.read', outcomes: keyOnly(404) },
  'PUT /v1/storage/buckets/:bucketId': { path: () => `/v1/storage/buckets/${none}`, scope: 'buckets.write', outcomes: keyOnly(bad) },
  'DELETE /v1/storage/buckets/:bucketId': { path: () => `/v1/storage/buckets/${none}`, scope: 'buckets.write', outcomes: keyOnly(404) },
  ...Object.fromEntries(
    ([
      ['GET', '/files', 'files.read'], ['POST', '/files', 'files.write'], ['GET', '/files/:fileId', 'files.read'], ['PUT', '/files/:fileId', 'files.write'],
      ['DELETE', '/files/:fileId', 'files.write'], ['GET', '/files/:fileId/download', 'files.read'], ['GET', '/files/:fileId/view', 'files.read'],
      ['GET', '/files/:fileId/preview', 'files.read'],
    ] as const).map(([method, tail, scope]) => [`${method} /v1/storage/buckets/:bucketId${tail}`, {
      path: () => `/v1/storage/buckets/${none}${tail.replace(':fileId', none)}`, scope,
      outcomes: everyone([404, 'storage_bucket_not_found'], { keyWithout: [401, 'general_unauthorized_scope'], ...(method === 'POST' || method === 'PUT' ? { keyWith: 404 } : {}) }),
    } as Entry]),
  ),
  'GET /v1/tokens/buckets/:bucketId/files/:fileId': { path: () => `/v1/tokens/buckets/${none}/files/${none}`, scope: 'tokens.read', outcomes: keyOnly(404) },
  'POST /v1/tokens/buckets/:bucketId/files/:fileId': { path: () => `/v1/tokens/buckets/${none}/files/${none}`, scope: 'tokens.write', outcomes: keyOnly(404) },
  'GET /v1/tokens/:tokenId': { path: () => `/v1/tokens/${none}`, scope: 'tokens.read', outcomes: keyOnly(404) },
  'PATCH /v1/tokens/:tokenId': { path: () => `/v1/tokens/${none}`, scope: 'tokens.write', outcomes: keyOnly(404) },
  'DELETE /v1/tokens/:tokenId': { path: () => `/v1/tokens/${none}`, scope: 'tokens.write', outcomes: keyOnly(404) },

  // Functions: administration is for keys; executions for anyone the function's `execute` lets in
  // (the function `none` does not exist).
  'GET /v1/functions': { path: () => '/v1/functions', scope: 'functions.read', outcomes: keyOnly(200), notContains: secrets },
  'GET /v1/functions/runtimes': { path: () => '/v1/functions/runtimes', scope: 'functions.read', outcomes: keyOnly(200) },
  'GET /v1/functions/specifications': { path: () => '/v1/functions/specifications', scope: 'functions.read', outcomes: keyOnly(200) },
  'POST /v1/functions': { path: () => '/v1/functions', scope: 'functions.write', outcomes: keyOnly(bad) },
  ...Object.fromEntries(
    ([
      ['GET', '', 'functions.read', 404], ['PUT', '', 'functions.write', bad], ['DELETE', '', 'functions.write', 404],
      ['GET', '/deployments', 'functions.read', 404], ['POST', '/deployments', 'functions.write', 404], ['GET', '/deployments/:deploymentId', 'functions.read', 404],
      ['GET', '/deployments/:deploymentId/download', 'functions.read', 404], ['DELETE', '/deployments/:deploymentId', 'functions.write', 404],
      ['PATCH', '/deployments/:deploymentId/status', 'functions.write', 404], ['PATCH', '/deployment', 'functions.write', bad],
      ['DELETE', '/executions/:executionId', 'functions.write', 404],
      ['GET', '/variables', 'functions.read', 404], ['POST', '/variables', 'functions.write', bad], ['GET', '/variables/:variableId', 'functions.read', 404],
      ['PUT', '/variables/:variableId', 'functions.write', bad], ['DELETE', '/variables/:variableId', 'functions.write', 404],
    ] as const).map(([method, tail, scope, ok]) => [`${method} /v1/functions/:functionId${tail}`, {
      path: () => `/v1/functions/${none}${tail.replace(/:\w+/g, none)}`, scope, outcomes: keyOnly(ok as number | [number, string]),
    } as Entry]),
  ),
  ...Object.fromEntries(
    ([['POST', '/executions', 'executions.write'], ['GET', '/executions', 'executions.read'], ['GET', '/executions/:executionId', 'executions.read']] as const).map(([method, tail, scope]) => [
      `${method} /v1/functions/:functionId${tail}`,
      { path: () => `/v1/functions/${none}${tail.replace(':executionId', none)}`, scope, outcomes: everyone([404, 'function_not_found'], { keyWithout: [401, 'general_unauthorized_scope'], ...(method === 'GET' ? { guest: [401, 'general_unauthorized_scope'] } : {}) }) } as Entry,
    ]),
  ),

  // Webhooks: project administration, keys only (the webhook `none` does not exist).
  'GET /v1/webhooks': { path: () => '/v1/webhooks', scope: 'webhooks.read', outcomes: keyOnly(200), notContains: secrets },
  'POST /v1/webhooks': { path: () => '/v1/webhooks', scope: 'webhooks.write', outcomes: keyOnly(bad) },
  'GET /v1/webhooks/:webhookId': { path: () => `/v1/webhooks/${none}`, scope: 'webhooks.read', outcomes: keyOnly(404) },
  'PUT /v1/webhooks/:webhookId': { path: () => `/v1/webhooks/${none}`, scope: 'webhooks.write', outcomes: keyOnly(bad) },
  'DELETE /v1/webhooks/:webhookId': { path: () => `/v1/webhooks/${none}`, scope: 'webhooks.write', outcomes: keyOnly(404) },
  'PATCH /v1/webhooks/:webhookId/secret': { path: () => `/v1/webhooks/${none}/secret`, scope: 'webhooks.write', outcomes: keyOnly(404) },

  // Realtime answers plain HTTP with 426 before any credential is read (a refused WebSocket still
  // opens and carries its error); who may listen to what over the socket is tested in
  // workers/realtime (per-principal admission, the ACL property test, presences).
  'GET /v1/realtime': {
    path: () => '/v1/realtime?project=local', scope: 'public',
    outcomes: everyone([426, 'general_protocol_unsupported'], { expiredJwt: [426, 'general_protocol_unsupported'], mfaPending: [426, 'general_protocol_unsupported'] }),
  },
  // Presences: users and keys with the scope; a presence is seen and changed only as its permissions allow.
  'GET /v1/presences': {
    path: () => '/v1/presences', scope: 'presences.read', outcomes: presenceOutcomes(200, 200), notContains: secrets,
  },
  'GET /v1/presences/:presenceId': {
    path: (x) => `/v1/presences/${x.presenceOfA}`, scope: 'presences.read', outcomes: presenceOutcomes(200, [404, 'presence_not_found']), notContains: secrets,
  },
  'PUT /v1/presences/:presenceId': {
    path: () => `/v1/presences/${none}`, scope: 'presences.write', outcomes: presenceOutcomes(bad, bad),
  },
  'PATCH /v1/presences/:presenceId': {
    path: (x) => `/v1/presences/${x.presenceOfA}`, scope: 'presences.write', outcomes: presenceOutcomes(200, [404, 'presence_not_found']),
  },
  'DELETE /v1/presences/:presenceId': {
    // Principals run in order: A deletes it (204), so the key, later, finds nothing.
    path: (x) => `/v1/presences/${x.presenceOfA}`, scope: 'presences.write', fresh: true,
    outcomes: presenceOutcomes(204, [404, 'presence_not_found'], { keyWith: [404, 'presence_not_found'] }),
  },

  // Project settings, proxy rules and admin management (matrix-project.ts).
  ...PROJECT_MATRIX,

  ...schemaRoutes('tablesdb'),
  ...schemaRoutes('databases'),
  ...rowRoutes('tablesdb'),
  ...transactionRoutes('tablesdb'),
  ...transactionRoutes('databases'),
  ...rowRoutes('databases'),
};

describe('route × principal matrix', () => {
  it('names every route the app serves, and only those', () => {
    assertCoversRoutes(MATRIX, PENDING);
  });

  let shared: Promise<Fixtures> | undefined;
  const fixtures = () => (shared ??= buildFixtures());
  for (const [route, entry] of Object.entries(MATRIX)) {
    it(route, () => runEntry(route, entry, fixtures));
  }
});
