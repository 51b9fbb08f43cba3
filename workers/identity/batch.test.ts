import { env } from 'cloudflare:workers';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import type { AppEnv } from '../env';
import { readConfig } from '../lib/config';
import { ApiError, errorResponse, toApiError } from '../lib/errors';
import { uniqueId } from '../lib/ids';
import { principal } from '../middleware/principal';
import { jwtAuthenticator, sessionAuthenticator } from './authenticate';
import { batchWithPrincipal, deferredRoutes } from './batch';
import { encodeSessionValue } from './cookies';
import { createSession, deleteSession } from './sessions';
import { createUser } from './users';

/** A D1 binding that counts round trips (every batch or single statement run is one). */
function countingDb(db: D1Database) {
  const counter = { trips: 0 };
  const proxy = new Proxy(db, {
    get(target, prop) {
      if (prop === 'batch') return (s: D1PreparedStatement[]) => (counter.trips++, target.batch(s));
      if (prop === 'prepare') {
        return (sql: string) => {
          const stmt = target.prepare(sql);
          const wrap = (st: D1PreparedStatement): D1PreparedStatement =>
            new Proxy(st, {
              get(t, p) {
                if (p === 'bind') return (...args: unknown[]) => wrap(t.bind(...args));
                if (p === 'first' || p === 'all' || p === 'run' || p === 'raw') return (...a: unknown[]) => (counter.trips++, (t as unknown as Record<string, (...x: unknown[]) => unknown>)[p as string](...a));
                return Reflect.get(t, p, t);
              },
            });
          return wrap(stmt);
        };
      }
      const v = Reflect.get(target, prop, target);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
  return { db: proxy, counter };
}

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

describe('batchWithPrincipal: the session check joins the route\'s first batch', () => {
  it('one D1 round trip for a deferred authenticated read; a revoked session is a guest on the very next request', async () => {
    const user = await createUser(env.DB, { id: uniqueId() });
    const { row, secret } = await createSession(env.DB, { userId: user.id, provider: 'email', factors: ['password'], duration: 3600 }, 10);
    const headers = { 'X-Appwrite-Session': encodeSessionValue({ id: user.id, secret }) };
    const { db, counter } = countingDb(env.DB);
    const ctx = { waitUntil() {}, passThroughOnException() {}, props: {} } as unknown as ExecutionContext;

    const res = await app.request('/deferred', { headers }, { ...env, DB: db }, ctx);
    expect(await res.json()).toEqual({ kind: 'user', answer: 42 });
    expect(counter.trips).toBe(1);

    counter.trips = 0;
    await app.request('/eager', { headers }, { ...env, DB: db }, ctx);
    expect(counter.trips).toBe(1);

    await deleteSession(env.DB, user.id, row.id);
    const after = await app.request('/deferred', { headers }, { ...env, DB: db }, ctx);
    expect(await after.json()).toEqual({ kind: 'guest', answer: 42 });
  });

  it('a guest with no credential runs the route\'s batch alone', async () => {
    const res = await app.request('/deferred', {}, env, { waitUntil() {}, passThroughOnException() {}, props: {} } as unknown as ExecutionContext);
    expect(await res.json()).toEqual({ kind: 'guest', answer: 42 });
  });
});
