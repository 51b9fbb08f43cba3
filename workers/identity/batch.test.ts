import { env } from 'cloudflare:workers';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import type { AppEnv } from '../env';
import { readConfig } from '../lib/config';
import { ApiError, errorResponse, toApiError } from '../lib/errors';
import { uniqueId } from '../lib/ids';
import { principal, requireScope, type Deferral } from '../middleware/principal';
import { credentialCheck, jwtAuthenticator, sessionAuthenticator } from './authenticate';
import { batchWithPrincipal, callerOf, deferredRoutes, RolesChanged } from './batch';
import { encodeSessionValue } from './cookies';
import { createSession, deleteSession } from './sessions';
import { createUser } from './users';
import { countingDb, isSessionCheck } from '../../test/d1-counter';

/** A route that reads one value in the same batch as the caller's session check. */
const app = new Hono<AppEnv>()
  .use(async (c, next) => (c.set('config', readConfig(c.env)), next()))
  .use(principal([sessionAuthenticator, jwtAuthenticator], deferredRoutes([{ method: 'GET', path: /^\/deferred$/ }])))
  .get('/deferred', async (c) => {
    const { principal: p, results } = await batchWithPrincipal(c, [c.env.DB.prepare('SELECT 41 + 1 AS answer')]);
    return c.json({ kind: p.kind, answer: (results[0].results[0] as { answer: number }).answer });
  })
  .get('/eager', async (c) => c.json({ kind: c.get('principal').kind }));
app.onError((err) => errorResponse(err instanceof ApiError ? err : toApiError(err)));

/**
 * A read whose SQL uses the caller's roles before they are known, under a deferral whose roles
 * SQL has drifted from `userRoles` (it forgets every role but `any`).
 */
const drifted: Deferral = {
  routes: [{ method: 'GET', path: /^\/roles$/ }],
  check: async (c) => {
    const check = await credentialCheck(c);
    return check ? { ...check, roles: { sql: "SELECT 'any' AS value", params: [] } } : check;
  },
};
const rolesApp = new Hono<AppEnv>()
  .use(async (c, next) => (c.set('config', readConfig(c.env)), next()))
  .use(principal([sessionAuthenticator, jwtAuthenticator], drifted))
  .get('/roles', async (c) => {
    const caller = callerOf(c);
    const reader = caller.reader;
    const sql = reader.kind === 'pending' ? reader.roles.sql : 'known';
    try {
      await caller.batch([c.env.DB.prepare('SELECT 1')]);
      return c.json({ changed: false, sql });
    } catch (e) {
      // Built again on the principal, now known: the reader is the principal itself.
      return c.json({ changed: e instanceof RolesChanged, kind: caller.principal().kind, again: callerOf(c).reader.kind });
    }
  });

describe('batchWithPrincipal: the session check joins the route\'s first batch', () => {
  it('one D1 round trip for a deferred authenticated read; a revoked session is a guest on the very next request', async () => {
    const user = await createUser(env.DB, { id: uniqueId() });
    const { row, secret } = await createSession(env.DB, { userId: user.id, provider: 'email', factors: ['password'], duration: 3600 }, 10);
    const headers = { 'X-Appwrite-Session': encodeSessionValue({ id: user.id, secret }) };
    const { db, trips, reset } = countingDb(env.DB);
    const ctx = { waitUntil() {}, passThroughOnException() {}, props: {} } as unknown as ExecutionContext;

    const res = await app.request('/deferred', { headers }, { ...env, DB: db }, ctx);
    expect(await res.json()).toEqual({ kind: 'user', answer: 42 });
    expect(trips).toHaveLength(1);
    expect(trips[0].some(isSessionCheck)).toBe(true);

    reset();
    await app.request('/eager', { headers }, { ...env, DB: db }, ctx);
    expect(trips).toHaveLength(1);

    await deleteSession(env.DB, user.id, row.id);
    const after = await app.request('/deferred', { headers }, { ...env, DB: db }, ctx);
    expect(await after.json()).toEqual({ kind: 'guest', answer: 42 });
  });

  it('a guest with no credential runs the route\'s batch alone', async () => {
    const res = await app.request('/deferred', {}, env, { waitUntil() {}, passThroughOnException() {}, props: {} } as unknown as ExecutionContext);
    expect(await res.json()).toEqual({ kind: 'guest', answer: 42 });
  });

  it('scopes a deferred route requires are checked once its caller is known', async () => {
    const user = await createUser(env.DB, { id: uniqueId() });
    const { row, secret } = await createSession(env.DB, { userId: user.id, provider: 'email', factors: ['password'], duration: 3600 }, 10);
    const headers = { 'X-Appwrite-Session': encodeSessionValue({ id: user.id, secret }) };
    const scopedApp = new Hono<AppEnv>()
      .use(async (c, next) => (c.set('config', readConfig(c.env)), next()))
      .use(principal([sessionAuthenticator, jwtAuthenticator], deferredRoutes([{ method: 'GET', path: /^\/scoped$/ }])))
      .get('/scoped', requireScope('account'), async (c) => {
        const { principal: p } = await batchWithPrincipal(c, []);
        return c.json({ kind: p.kind });
      });
    scopedApp.onError((err) => errorResponse(err instanceof ApiError ? err : toApiError(err)));
    const ctx = { waitUntil() {}, passThroughOnException() {}, props: {} } as unknown as ExecutionContext;
    expect(await (await scopedApp.request('/scoped', { headers }, env, ctx)).json()).toEqual({ kind: 'user' });
    await deleteSession(env.DB, user.id, row.id);
    const refused = await scopedApp.request('/scoped', { headers }, env, ctx);
    expect([refused.status, ((await refused.json()) as { type: string }).type]).toEqual([401, 'user_unauthorized']);
  });

  it('roles derived in SQL that differ from the principal\'s are caught in the same batch (RolesChanged)', async () => {
    const user = await createUser(env.DB, { id: uniqueId() });
    const { secret } = await createSession(env.DB, { userId: user.id, provider: 'email', factors: ['password'], duration: 3600 }, 10);
    const headers = { 'X-Appwrite-Session': encodeSessionValue({ id: user.id, secret }) };
    const ctx = { waitUntil() {}, passThroughOnException() {}, props: {} } as unknown as ExecutionContext;
    const res = await rolesApp.request('/roles', { headers }, env, ctx);
    expect(await res.json()).toEqual({ changed: true, kind: 'user', again: 'user' });
  });
});
